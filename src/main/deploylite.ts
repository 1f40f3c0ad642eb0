// Composition root of the `deploylite` CLI: the only place that reads the process's
// environment, installs signal handlers and picks the store and executor implementations.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { coerceError, DeployliteError } from '../core/index.js';
import { EXIT, runCli } from '../cli/index.js';
import type { CreatedExecutor } from '../executors/index.js';
import { createExecutor, parseExecutorName, parseNetworkMode } from '../executors/index.js';
import { SqliteRunStore } from '../store/index.js';
import { openLocalArtifacts } from './local-artifacts.js';
import { openLocalCaches } from './local-cache.js';
import { createServiceCommands } from './service-commands.js';

const VERSION = '0.1.0';

async function main(): Promise<number> {
  const cwd = process.cwd();
  const controller = new AbortController();
  let interrupts = 0;
  const executors: CreatedExecutor[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: stopping (again to quit at once)\n`);
      controller.abort();
    } else {
      // Steps lead their own process groups, so they would outlive the CLI: kill them first.
      for (const executor of executors) executor.killAll?.();
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return runCli(
    {
      cwd,
      stdout: process.stdout,
      stderr: process.stderr,
      color,
      signal: controller.signal,
      actionStoreDir: actionStoreDir(),
      openStore: () => openRunStore(process.env.DEPLOYLITE_LOCAL_DB ?? join(cwd, '.deploylite', 'runs.db')),
      openArtifacts: () => openLocalArtifacts(dirname(resolve(cwd, process.env.DEPLOYLITE_LOCAL_DB ?? join('.deploylite', 'runs.db')))),
      // Beside the run history, so a second checkout (or DEPLOYLITE_LOCAL_DB elsewhere) has caches of its own.
      openCaches: (executor) => openLocalCaches({ stateDir: dirname(resolve(cwd, process.env.DEPLOYLITE_LOCAL_DB ?? join('.deploylite', 'runs.db'))), cwd, executor, env: process.env }),
      createExecutor: async (options) => {
        const name = parseExecutorName(options.executor);
        const network = parseNetworkMode(options.network);
        // Scratch files live beside the run store, so what a killed CLI leaves stays in the
        // project (and is reclaimed by `resume`) instead of piling up in /tmp.
        const state = join(cwd, '.deploylite');
        const tempRoot = join(state, 'tmp');
        mkdirSync(tempRoot, { recursive: true });
        const executor = await createExecutor(name, {
          killGraceMs: options.killGraceMs,
          tempRoot,
          // The run history and other runs' scratch files; the workspace (cwd) itself stays writable.
          hiddenPaths: [state, ...(process.env.DEPLOYLITE_LOCAL_DB ? [resolve(cwd, process.env.DEPLOYLITE_LOCAL_DB)] : []), ...homeDir()],
          network,
          env: process.env,
        });
        executors.push(executor);
        return executor;
      },
      services: createServiceCommands({ cwd, env: process.env, stderr: process.stderr, signal: controller.signal, version: VERSION }),
    },
    process.argv.slice(2),
    VERSION,
  );
}

/** The local action store: DEPLOYLITE_ACTIONS_DIR, else the per-user state directory (XDG_STATE_HOME, ~/.local/state). */
function actionStoreDir(): string | undefined {
  if (process.env.DEPLOYLITE_ACTIONS_DIR) return resolve(process.env.DEPLOYLITE_ACTIONS_DIR);
  const state = process.env.XDG_STATE_HOME || (process.env.HOME ? join(process.env.HOME, '.local', 'state') : undefined);
  return state ? join(state, 'deploylite', 'actions') : undefined;
}

/** $HOME (keys, credentials) for isolating executors to hide; a project inside it is bound back over the hiding mount. */
function homeDir(): string[] {
  const home = process.env.HOME;
  return home ? [home] : [];
}

/** A damaged or unwritable run history is the user's to fix: say which file and how. */
function openRunStore(path: string): SqliteRunStore {
  try {
    return new SqliteRunStore(path);
  } catch (thrown) {
    throw new DeployliteError(
      'store.unavailable',
      `cannot open the run history ${path}: ${coerceError(thrown).message} (move the file away to start a new history)`,
    );
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (thrown: unknown) => {
    // A bug, not a user error: a short message for the user, the stack only on request.
    const error = coerceError(thrown);
    process.stderr.write(`deploylite: internal error: ${error.message}\n`);
    if (process.env.DEPLOYLITE_DEBUG) process.stderr.write(`${error.stack ?? ''}\n`);
    process.exitCode = 1;
  },
);
