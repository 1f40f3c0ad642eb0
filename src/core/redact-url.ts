/**
 * Replaces the user information of every URL in `text` with `***`:
 * `https://user:token@host/repo.git` → `https://***@host/repo.git`. Repository URLs may
 * carry a token; only git itself gets the real URL, and whatever shows one to a person —
 * API responses, error messages, logs, git's own stderr — shows it redacted.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#\s]+@/gi, '$1***@');
}
