// The signed-in user's session. The access token (a 15-minute JWT) lives only in this
// module's memory. The refresh token (single use, rotated on every refresh) lives in memory
// too while the page is open, and rests in sessionStorage only while the page is away: it is
// written on `pagehide` and taken out again as soon as the page (or the reloaded page) runs.
// So a reload keeps the user signed in, closing the tab forgets the session, and a tab
// duplicated from this one finds no token to share: two tabs presenting the same refresh
// token would look like theft to the server, which then ends the session for both.
// docs/security.md explains the choice.
import { reactive, readonly } from 'vue';
import { ApiError, request } from '../api/http';
import type { TokenPair, Whoami } from '../api/types';

const PARKED_REFRESH_TOKEN = 'deploylite.refreshToken';
/** Refresh this long before the access token expires, so requests never carry an expired one. */
const REFRESH_AHEAD_MS = 60_000;

const state = reactive<{ user: Whoami | null; ended: string | null }>({ user: null, ended: null });
/** Who is signed in (null: nobody), and why the last session ended, if it ended by itself. */
export const session = readonly(state);

let access: { token: string; expiresAt: number } | null = null;
let refreshToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;

function park(): void {
  if (refreshToken) sessionStorage.setItem(PARKED_REFRESH_TOKEN, refreshToken);
}

function takeParked(): string | null {
  const token = sessionStorage.getItem(PARKED_REFRESH_TOKEN);
  sessionStorage.removeItem(PARKED_REFRESH_TOKEN);
  return token;
}

/** Resumes the session a reload interrupted, if any. Call once, before the first page is shown. */
export async function resumeSession(): Promise<void> {
  window.addEventListener('pagehide', park);
  // Back from the back/forward cache: the page kept its memory, so the parked copy goes.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) takeParked();
  });
  refreshToken = takeParked();
  if (refreshToken && (await refresh())) await reloadUser().catch(() => undefined);
}

export async function signIn(username: string, password: string): Promise<void> {
  adopt(await request<TokenPair>('POST', '/api/v1/auth/login', { body: { username, password } }));
  state.ended = null;
  await reloadUser();
}

/** Ends the session on the server (its access tokens stop working at once) and here. */
export async function signOut(): Promise<void> {
  const token = access?.token;
  forget(null);
  if (token) await request('POST', '/api/v1/auth/logout', { token }).catch(() => undefined);
}

/** Roles change while a user is signed in (an owner adds them to a project): read them again. */
export async function reloadUser(): Promise<void> {
  const token = await accessToken();
  if (!token) return;
  state.user = await request<Whoami>('GET', '/api/v1/whoami', { token });
}

/** A valid access token, refreshed first when it is about to expire; null when the session has ended. */
export async function accessToken(): Promise<string | null> {
  if (access && access.expiresAt - Date.now() > 5_000) return access.token;
  return (await refresh()) ? (access?.token ?? null) : null;
}

/**
 * Trades the refresh token for a new pair. One at a time: two requests that both find the
 * access token expired share one refresh, since the second use of a refresh token would end
 * the session.
 */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const token = refreshToken;
    if (!token) return false;
    try {
      adopt(await request<TokenPair>('POST', '/api/v1/auth/refresh', { body: { refreshToken: token } }));
      return true;
    } catch (thrown) {
      // The server refused the token (expired, signed out elsewhere, replayed): the session
      // is over. A network failure keeps it, to be tried again.
      if (thrown instanceof ApiError && thrown.status >= 400 && thrown.status < 500) forget('Your session has ended. Please sign in again.');
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function adopt(pair: TokenPair): void {
  access = { token: pair.accessToken, expiresAt: pair.accessTokenExpiresAt };
  refreshToken = pair.refreshToken;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), Math.max(1_000, pair.accessTokenExpiresAt - Date.now() - REFRESH_AHEAD_MS));
}

function forget(reason: string | null): void {
  access = null;
  refreshToken = null;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(PARKED_REFRESH_TOKEN);
  state.user = null;
  state.ended = reason;
}
