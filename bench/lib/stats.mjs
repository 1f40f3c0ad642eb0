// Small statistics for benchmark rounds. Medians, because one slow round (a page cache
// miss, another process on the machine) should not move the figure.

/** @param {readonly number[]} values */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** @param {readonly number[]} values */
export function spread(values) {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN };
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** `12.3 ms` with a sensible number of digits. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

export function formatMb(kb) {
  if (kb === undefined || !Number.isFinite(kb)) return 'n/a';
  return `${(kb / 1024).toFixed(1)} MB`;
}
