/** A downloaded log's file name, as the server names it: letters, digits, `.`, `-` and `_` only. */
export function logFileName(runId: number, key: string): string {
  return `run-${runId}-${key.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`;
}
