import type { Writable } from '../cli-context.js';
import type { SecretInput } from './secret-input.js';
import type { WatchTiming } from './watch-run.js';

/**
 * Everything `deployctl` needs from the outside world, provided by src/main/deployctl.ts
 * (tests provide their own): output streams, stdin for passwords and secret values, the
 * environment's server and token, where the login is saved, the `fetch` that reaches the
 * server, and the clock that says when a session's access token has expired.
 */
export interface DeployctlContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Passwords and secret values: piped in, or typed at a prompt without echo. */
  readonly input: SecretInput;
  /** Colour only when writing to a terminal. */
  readonly color: boolean;
  /** DEPLOYLITE_SERVER and DEPLOYLITE_TOKEN. */
  readonly env: { readonly server?: string | undefined; readonly token?: string | undefined };
  /** The saved login (see resolveConfigPath). */
  readonly configPath: string;
  readonly fetch: typeof globalThis.fetch;
  /** Aborts on Ctrl-C / SIGTERM: following and waiting stop, the command exits 130. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds; Date.now unless a test says otherwise. */
  readonly now?: () => number;
  /** Overrides for tests; see DEFAULT_TIMING. */
  readonly timing?: Partial<DeployctlTiming>;
}

export interface DeployctlTiming extends WatchTiming {
  /** Limit for one ordinary request, answer included. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_TIMING: DeployctlTiming = {
  pollIntervalMs: 1000,
  requestTimeoutMs: 30_000,
  streamIdleMs: 90_000,
  reconnectDelayMs: 500,
  maxReconnects: 10,
};
