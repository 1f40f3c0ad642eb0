/**
 * Where the bearer token of each request comes from. The ApiClient asks `current()` before
 * every request; when the server answers 401 it calls `renew()` once with the token it sent
 * and, given a new one, sends the same request again. A 401 means the request was refused
 * before anything happened, so repeating it (even a POST) cannot do anything twice.
 */
export interface Credentials {
  /** The token for the next request; undefined sends none (login, refresh). */
  current(): Promise<string | undefined>;
  /** A new token after `rejected` was refused, or undefined when there is none to try. */
  renew(rejected: string): Promise<string | undefined>;
}

/** A token from `--token`, the environment or `login --token`: it cannot be renewed. */
export function fixedToken(token: string): Credentials {
  return { current: () => Promise.resolve(token), renew: () => Promise.resolve(undefined) };
}

/** No credential: for the public routes that take the credential in the body. */
export const NO_CREDENTIALS: Credentials = { current: () => Promise.resolve(undefined), renew: () => Promise.resolve(undefined) };
