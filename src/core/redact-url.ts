/** The user information of a URL (`user:token@`), after its scheme. */
const URL_USER_INFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#\s]+@/gi;

/**
 * Replaces the user information of every URL in `text` with `***`:
 * `https://user:token@host/repo.git` → `https://***@host/repo.git`. Repository URLs may
 * carry a token; only git itself gets the real URL, and whatever shows one to a person —
 * API responses, error messages, logs, git's own stderr — shows it redacted.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USER_INFO, '$1***@');
}

/**
 * Removes the user information of every URL in `text`: `https://user:token@host/repo.git` →
 * `https://host/repo.git`, still a URL git can use (for what needs no credentials).
 */
export function removeUrlCredentials(text: string): string {
  return text.replace(URL_USER_INFO, '$1');
}
