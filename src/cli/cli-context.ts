import type { Executor, JobFiles, RunStore } from '../engine/index.js';

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
  /**
   * The executor `--executor` names (default local), with `--sandbox-network`'s mode; rejects with a
   * DeployliteError when it is unknown or cannot run here.
   */
  createExecutor(options: ExecutorChoice): Promise<Executor>;
  /**
   * The cache part of each job's files in a local run (docs/artifacts.md#caches): kept in the run store's state
   * directory, scoped to the checkout's branch. Absent: `cache:` is ignored with a notice.
   */
  openCaches?(executor: Executor): Promise<JobFiles>;
  /** The artifact part of each job's files in a local run (docs/artifacts.md#local-runs); absent: `artifacts:` is ignored with a notice. */
  openArtifacts?(): JobFiles;
  /**
   * The local action store `uses: owner/repo@ref` reads (`deploylite actions add`): DEPLOYLITE_ACTIONS_DIR, else
   * the per-user state directory; `--actions-dir` overrides it. Absent: no store.
   */
  readonly actionStoreDir?: string;
  /** Aborts on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  /** The long-running parts (server, runner) and their maintenance, wired by the composition root. */
  readonly services?: ServiceCommands;
}

/** Flags of `deploylite server`; unset ones fall back to env, the config file, then defaults. */
export interface ServerFlags {
  readonly config?: string;
  readonly port?: string;
  readonly host?: string;
  readonly dataDir?: string;
  /** false with --no-runner */
  readonly runner: boolean;
  /** Register the example project (examples/hello.yml of this checkout) when it is missing. */
  readonly example?: boolean;
}

export interface ExecutorChoice {
  readonly killGraceMs: number;
  /** `--executor`: local, sandbox, docker or kubernetes; undefined for the default (local). */
  readonly executor?: string;
  /** `--sandbox-network`: none or host; undefined for the default (host). */
  readonly network?: string;
}

export interface RunnerFlags {
  readonly executor?: string;
  readonly sandboxNetwork?: string;
  readonly server?: string;
  readonly token?: string;
  readonly labels?: string;
  readonly capacity?: string;
  readonly name?: string;
  readonly workDir?: string;
}

export interface MigrateFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly status: boolean;
}

export interface RotateKeyFlags {
  readonly config?: string;
  readonly dataDir?: string;
}

export interface ServiceCommands {
  server(flags: ServerFlags): Promise<number>;
  runner(flags: RunnerFlags): Promise<number>;
  migrate(flags: MigrateFlags): Promise<number>;
  rotateKey(flags: RotateKeyFlags): Promise<number>;
}

export interface Writable {
  write(text: string): unknown;
}

/** Exit codes as documented in the README: scripts branch on them. */
export const EXIT = { success: 0, failed: 1, invalid: 2, cancelled: 130 } as const;
