import { UsageError } from '../../core/index.js';
import type { SavedSession } from './saved-login.js';
import { readSavedLogin } from './saved-login.js';

export interface Connection {
  /** Normalised base URL: scheme, host, port and path prefix, without a trailing slash. */
  readonly server: string;
  readonly token: string;
  /** When the token is the saved session's access token: how to renew it. */
  readonly session?: SavedSession;
}

export interface ConnectionSources {
  readonly flags: { readonly server?: string | undefined; readonly token?: string | undefined };
  /** DEPLOYLITE_SERVER / DEPLOYLITE_TOKEN. */
  readonly env: { readonly server?: string | undefined; readonly token?: string | undefined };
  readonly configPath: string;
}

const LOGIN_HINT = '`deployctl login --server URL --user NAME` (or --token TOKEN)';

/**
 * Server and token, each from the first of: flags, environment, the saved login. The
 * saved token is only sent to the server it was saved for: `--server elsewhere` never
 * leaks it to another host.
 */
export function resolveConnection(sources: ConnectionSources): Connection {
  const { flags, env } = sources;
  let server = pick(flags.server, '--server') ?? pick(env.server, 'DEPLOYLITE_SERVER');
  let token = nonEmpty(flags.token) ?? nonEmpty(env.token);
  let session: SavedSession | undefined;
  const saved = server && token ? undefined : readSavedLogin(sources.configPath);
  server ??= saved ? { value: saved.server, source: sources.configPath } : undefined;
  if (!server) {
    throw new UsageError(`no server given: pass --server URL, set DEPLOYLITE_SERVER, or save one with ${LOGIN_HINT}`);
  }
  const url = normalizeServerUrl(server.value, server.source);
  if (token === undefined && saved) {
    if (normalizeServerUrl(saved.server, sources.configPath) === url) {
      token = saved.token;
      session = saved.session;
    } else {
      throw new UsageError(
        `no token for ${url} (the saved login in ${sources.configPath} is for ${saved.server}): ` +
          `pass --token TOKEN, set DEPLOYLITE_TOKEN, or run \`deployctl login --server ${url} --token TOKEN\``,
      );
    }
  }
  if (token === undefined) {
    throw new UsageError(`no token given: pass --token TOKEN, set DEPLOYLITE_TOKEN, or save one with ${LOGIN_HINT}`);
  }
  return { server: url, token, ...(session && { session }) };
}

/** `https://ci.example.com/` → `https://ci.example.com`; anything but http(s) is a usage error. */
export function normalizeServerUrl(text: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`the server URL from ${source} must be an http:// or https:// URL, got "${text}"`);
  }
  if (url.username || url.password) {
    // Never echo it: the password part is a secret.
    throw new UsageError(`the server URL from ${source} must not contain a user name or password (use --token)`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function pick(value: string | undefined, source: string) {
  const text = nonEmpty(value);
  return text === undefined ? undefined : { value: text, source };
}

/** An exported but empty variable (`DEPLOYLITE_TOKEN=`) counts as unset. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
