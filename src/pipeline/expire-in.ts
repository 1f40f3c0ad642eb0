const DAY = 86_400_000;

// GitLab's `expire_in` units (it parses with ChronicDuration): singular, plural and abbreviations.
const UNITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(ms|msecs?|milliseconds?)$/, 1],
  [/^(s|secs?|seconds?)$/, 1000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, DAY],
  [/^(w|wks?|weeks?)$/, 7 * DAY],
  [/^(mos?|months?)$/, 30 * DAY],
  [/^(y|yrs?|years?)$/, 365 * DAY],
];

/**
 * GitLab's `artifacts:expire_in`: `30 days`, `2h`, `1 week and 2 days`, `3 mins 4 sec`, `2h20min`; a bare
 * number is seconds; `never` keeps the artifact until deleted. Months are 30 days and years 365, as
 * GitLab counts them. Returns milliseconds, 'never', or undefined when the text is none of these.
 */
export function parseExpireIn(text: string | number): number | 'never' | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? text * 1000 : undefined;
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'never') return 'never';
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000 || undefined;
  const words = trimmed.replace(/,/g, ' ').split(/\s+/).filter((word) => word !== 'and');
  // `2h20min` and `2 h 20 min` alike: split every word into number and unit pieces.
  const pieces = words.join(' ').match(/\d+(?:\.\d+)?|[a-z]+/g);
  if (!pieces || pieces.join('') !== words.join('').replace(/\s+/g, '')) return undefined;
  let total = 0;
  for (let i = 0; i < pieces.length; i += 2) {
    const amount = Number(pieces[i]);
    const unit = pieces[i + 1];
    const factor = unit === undefined ? undefined : UNITS.find(([pattern]) => pattern.test(unit))?.[1];
    if (!Number.isFinite(amount) || factor === undefined) return undefined;
    total += amount * factor;
  }
  return total > 0 ? total : undefined;
}
