import { UsageError } from '../../core/index.js';
import { refreshSession } from './api-calls.js';
import { ApiClient } from './api-client.js';
import type { Credentials } from './credentials.js';
import { fixedToken, NO_CREDENTIALS } from './credentials.js';
import type { DeployctlContext, DeployctlTiming } from './deployctl-context.js';
import { DEFAULT_TIMING } from './deployctl-context.js';
import type { Connection } from './resolve-connection.js';
import { resolveConnection } from './resolve-connection.js';
import { SessionCredentials } from './session-credentials.js';

/** Options every command accepts. */
export interface GlobalFlags {
  readonly server?: string;
  readonly token?: string;
  readonly json?: boolean;
}

export function timingOf(ctx: DeployctlContext): DeployctlTiming {
  return { ...DEFAULT_TIMING, ...ctx.timing };
}

export function nowOf(ctx: DeployctlContext): number {
  return (ctx.now ?? Date.now)();
}

/** A client for `server` that sends `credentials`; by default none (login and refresh need none). */
export function createClient(ctx: DeployctlContext, server: string, credentials: Credentials = NO_CREDENTIALS): ApiClient {
  return new ApiClient({
    server,
    credentials,
    fetch: ctx.fetch,
    signal: ctx.signal,
    requestTimeoutMs: timingOf(ctx).requestTimeoutMs,
  });
}

/** A client for a resolved connection: a saved session renews its access token as needed. */
export function connectionClient(ctx: DeployctlContext, connection: Connection): ApiClient {
  const { server, token, session } = connection;
  if (!session) return createClient(ctx, server, fixedToken(token));
  const anonymous = createClient(ctx, server);
  const credentials = new SessionCredentials({
    configPath: ctx.configPath,
    login: { server, token, session },
    refresh: async (refreshToken) => (await refreshSession(anonymous, refreshToken)).value,
    now: () => nowOf(ctx),
  });
  return createClient(ctx, server, credentials);
}

/** The connection from flags, environment or the saved login. */
export function connectionOf(ctx: DeployctlContext, flags: GlobalFlags): Connection {
  return resolveConnection({ flags, env: ctx.env, configPath: ctx.configPath });
}

/** A client for the server and token from flags, environment or the saved login. */
export function openClient(ctx: DeployctlContext, flags: GlobalFlags): ApiClient {
  return connectionClient(ctx, connectionOf(ctx, flags));
}

/** `--json`: the API's JSON as the server sent it. */
export function printJson(ctx: DeployctlContext, raw: unknown): void {
  ctx.stdout.write(JSON.stringify(raw, null, 2) + '\n');
}

export function parseRunId(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`a run id is a number, got "${text}"`);
  return Number(text);
}

export function parsePositiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} expects a whole number of at least 1, got "${text}"`);
  }
  return Number(text);
}

/** What Ctrl-C during `--follow` / `--wait` prints: the run itself goes on. */
export function stoppedWatching(ctx: DeployctlContext, runId: number): void {
  ctx.stderr.write(`\nstopped following run ${runId}; it goes on on the server (\`deployctl cancel ${runId}\` stops it)\n`);
}
