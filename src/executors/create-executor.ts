import { createHash } from 'node:crypto';
import { coerceError, DeployliteError, UsageError } from '../core/index.js';
import type { Executor } from '../engine/index.js';
import { openDockerExecutor } from './docker/index.js';
import { openKubernetesFromSettings } from './kubernetes/open-from-settings.js';
import { createLocalExecutor } from './local/index.js';
import { createSandboxExecutor } from './sandbox/index.js';

export const EXECUTOR_NAMES = ['local', 'sandbox', 'docker', 'kubernetes'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

/** What the composition root knows when it builds an executor; each implementation takes what it needs. */
export interface ExecutorSettings {
  /** Grace between SIGTERM and SIGKILL when a step is stopped. */
  readonly killGraceMs: number;
  /** Where per-job scratch files go. */
  readonly tempRoot: string;
  /** The runner's own paths (work root, state file, data dir, $HOME) that an isolating executor hides from jobs. */
  readonly hiddenPaths: readonly string[];
  /** `none` cuts every job off from the network (isolating executors); default `host`. */
  readonly network?: 'host' | 'none';
  /** The process environment, for implementations configured by it (DOCKER_HOST, KUBECONFIG). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Set by a long-lived runner: an executor that leaves resources in an engine (containers, networks) labels them
   * with this name and removes that runner's leftovers when it starts. Unset for `deploylite run`, which must not
   * remove what another run on the same machine still uses.
   */
  readonly runnerName?: string;
}

/** An executor; `killAll` (when it has one) stops everything at once on a second Ctrl-C. */
export type CreatedExecutor = Executor & { killAll?(): void };

type ExecutorFactory = (settings: ExecutorSettings) => Promise<CreatedExecutor>;

/** One line per implementation: an executor becomes available by naming its factory here. */
const FACTORIES: Readonly<Record<ExecutorName, ExecutorFactory | undefined>> = {
  local: async (settings) => createLocalExecutor({ killGraceMs: settings.killGraceMs, tempRoot: settings.tempRoot }),
  sandbox: (settings) =>
    createSandboxExecutor({
      killGraceMs: settings.killGraceMs,
      tempRoot: settings.tempRoot,
      hiddenPaths: [...settings.hiddenPaths, ...engineSockets(settings.env)],
      ...(settings.network !== undefined ? { network: settings.network } : {}),
    }),
  docker: (settings) =>
    openDockerExecutor({
      killGraceMs: settings.killGraceMs,
      tempRoot: settings.tempRoot,
      ...(settings.env.DOCKER_HOST !== undefined ? { dockerHost: settings.env.DOCKER_HOST } : {}),
      ...(settings.network !== undefined ? { network: settings.network } : {}),
      ...(settings.runnerName !== undefined
        ? { runnerId: labelSafe(settings.runnerName), removeLeftovers: true }
        : // `deploylite run`: run ids count from 1 in every project's history, so the label (and the run's network name)
          // must name the project too, or a `resume` here would reclaim another project's run of the same number.
          { runnerId: `local-${createHash('sha256').update(settings.tempRoot).digest('hex').slice(0, 10)}` }),
    }).catch((thrown: unknown) => {
      // No engine at DOCKER_HOST, or a malformed DOCKER_HOST: the user's to fix, said in one line.
      throw new DeployliteError('executor.unavailable', coerceError(thrown).message);
    }),
  kubernetes: openKubernetesFromSettings,
};

/** Runner names are free text; engine labels and container names take letters, digits, `.`, `_` and `-`. */
function labelSafe(name: string): string {
  return name.replace(/^[^a-zA-Z0-9]+/, '').replace(/[^a-zA-Z0-9_.-]/g, '-') || 'runner';
}

/**
 * The container engine's unix socket when the environment names one outside /run (which the sandbox hides
 * anyway): a job that can connect to it can start a privileged container, read-only mount or not.
 */
function engineSockets(env: Readonly<Record<string, string | undefined>>): string[] {
  return [env.DOCKER_HOST, env.CONTAINER_HOST].flatMap((url) => (url?.startsWith('unix://') ? [url.slice('unix://'.length)] : []));
}

/** `--executor`'s value, checked; default local. */
export function parseExecutorName(text: string | undefined, flag = '--executor'): ExecutorName {
  if (text === undefined) return 'local';
  if ((EXECUTOR_NAMES as readonly string[]).includes(text)) return text as ExecutorName;
  throw new UsageError(`${flag} expects ${EXECUTOR_NAMES.join(', ')}, got "${text}"`);
}

/** `--sandbox-network`'s value, checked; default host. */
export function parseNetworkMode(text: string | undefined, flag = '--sandbox-network'): 'host' | 'none' {
  if (text === undefined || text === 'host') return 'host';
  if (text === 'none') return 'none';
  throw new UsageError(`${flag} expects none or host, got "${text}"`);
}

/** Builds the executor called `name`; a clear error when it is not part of this build or cannot run here. */
export async function createExecutor(name: ExecutorName, settings: ExecutorSettings): Promise<CreatedExecutor> {
  const factory = FACTORIES[name];
  if (factory === undefined) throw new DeployliteError('executor.unavailable', `executor ${name} is not available yet`);
  return factory(settings);
}
