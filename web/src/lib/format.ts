/** `850ms`, `42s`, `3m 05s`, `2h 04m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** How long something ran: until it finished, or until now while it runs; undefined before it started. */
export function elapsed(startedAt: number | null, finishedAt: number | null, now: number): number | undefined {
  if (startedAt === null) return undefined;
  return (finishedAt ?? now) - startedAt;
}

/** `just now`, `5 min ago`, `3 h ago`, else the date. */
export function relativeTime(time: number, now: number): string {
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(time).toLocaleDateString();
}

export function absoluteTime(time: number): string {
  return new Date(time).toLocaleString();
}

/** `512 B`, `3.4 KiB`, `1.2 GiB`: binary units, as `deployctl artifacts list` prints them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `sha256:0123456789ab…`: enough to tell digests apart at a glance; the full one goes in a title. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  return hex && hex.length > 12 ? `${algorithm ? `${algorithm}:` : ''}${hex.slice(0, 12)}…` : digest;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** A matrix instance's values, as `linux, 20`. */
export function matrixLabel(matrix: Readonly<Record<string, unknown>> | null): string {
  if (!matrix) return '';
  return Object.values(matrix)
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join(', ');
}
