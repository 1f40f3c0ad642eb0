import type { Executor, RunStore } from '../engine/index.js';

/**
 * Everything a command needs from the outside world, provided by the composition root
 * (src/main). Commands never read process.env or construct adapters themselves, so tests
 * and the future server can run them with other parts.
 */
export interface CliContext {
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Colour and live formatting only when writing to a terminal. */
  readonly color: boolean;
  openStore(): RunStore;
  createExecutor(options: { killGraceMs: number }): Executor;
  /** Aborts on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
}

export interface Writable {
  write(text: string): unknown;
}

/** Exit codes as documented in the README: scripts branch on them. */
export const EXIT = { success: 0, failed: 1, invalid: 2, cancelled: 130 } as const;
