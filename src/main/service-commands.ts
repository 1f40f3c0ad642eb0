import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrateFlags, RotateKeyFlags, RunnerFlags, ServerFlags, ServiceCommands, Writable } from '../cli/index.js';
import { EXIT } from '../cli/index.js';
import type { Logger } from '../core/index.js';
import { coerceError, systemClock, UsageError } from '../core/index.js';
import { createExecutor, parseExecutorName, parseNetworkMode } from '../executors/index.js';
import { executorLabels } from '../protocol/index.js';
import { createRunnerAgent, readRunnerState } from '../runner/index.js';
import type { ControlPlane } from '../server/index.js';
import { addMasterKey, loadMasterKeys, retireOldMasterKeys, SecretVault, startControlPlane } from '../server/index.js';
import type { ControlStore } from '../store/index.js';
import { openControlStore } from '../store/index.js';
import { createBlobStorage } from './blob-storage-config.js';
import { createJsonLogger } from './json-logger.js';
import { logUnhandledRejections } from './process-handlers.js';
import type { ServerSettings } from './server-config.js';
import { resolveServerSettings } from './server-config.js';

interface ServiceContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: Writable;
  readonly signal: AbortSignal;
  readonly version: string;
}

/** `deploylite server|runner|migrate`, wired to the real store, server and runner. */
export function createServiceCommands(ctx: ServiceContext): ServiceCommands {
  return {
    server: (flags) => runServer(ctx, flags),
    runner: (flags) => runRunner(ctx, flags),
    migrate: (flags) => runMigrate(ctx, flags),
    rotateKey: (flags) => runRotateKey(ctx, flags),
  };
}

async function runServer(ctx: ServiceContext, flags: ServerFlags): Promise<number> {
  const settings = resolveServerSettings(flags, ctx.env, ctx.cwd);
  const logger = createJsonLogger(settings.logLevel, { service: 'deploylite-server' });
  const stopLoggingRejections = logUnhandledRejections(logger);
  const store = await openStore(settings);
  const plane = await startControlPlane(
    {
      host: settings.host,
      port: settings.port,
      dataDir: settings.dataDir,
      ...(settings.adminToken ? { adminToken: settings.adminToken } : {}),
      ...(settings.adminPassword ? { adminPassword: settings.adminPassword } : {}),
      ...(settings.masterKeys ? { masterKeys: settings.masterKeys } : {}),
      ...(settings.jwtKey ? { jwtKey: settings.jwtKey } : {}),
      ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
      leaseTtlMs: settings.leaseTtlMs,
      onLeaseLost: settings.onLeaseLost,
      maxRequeues: settings.maxRequeues,
      tickMs: settings.tickMs,
      webRoot: dashboardDir(),
      blobStorage: createBlobStorage(settings.blobStorage),
      version: ctx.version,
      ...(settings.cacheBudgetBytes !== undefined ? { cacheBudgetBytes: settings.cacheBudgetBytes } : {}),
      artifactRetention: settings.artifactRetention,
    },
    store,
    { logger },
  ).catch(async (thrown: unknown) => {
    await store.close();
    throw thrown;
  });
  const lines = [
    `DeployLite server at ${plane.url}`,
    `  database: ${settings.databaseDsn ? 'PostgreSQL' : `SQLite ${join(settings.dataDir, 'deploylite.db')}`}`,
    plane.admin.tokenFile
      ? `  admin token: ${plane.admin.created ? 'created in' : 'in'} ${plane.admin.tokenFile} (use it with deployctl login --server ${plane.url} --token "$(cat ${plane.admin.tokenFile})")`
      : '  admin token: from DEPLOYLITE_ADMIN_TOKEN',
    plane.admin.passwordFile
      ? `  admin user: "${plane.admin.username}", first password in ${plane.admin.passwordFile} (deployctl login --server ${plane.url} --user ${plane.admin.username})`
      : `  admin user: "${plane.admin.username}"`,
    plane.dashboard ? `  dashboard: ${plane.url}/ (sign in as "${plane.admin.username}")` : '  dashboard: not built (run npm run build)',
  ];
  if (flags.example) lines.push(...(await registerExample(ctx, plane)));
  const runner = settings.runner.enabled
    ? await startBuiltinRunner(ctx, settings, plane.url, () => plane.createRegistrationToken('builtin'), logger).catch(async (thrown: unknown) => {
        // An executor that cannot run here (no bwrap): stop serving rather than run without the runner asked for.
        await plane.stop();
        await store.close();
        throw thrown;
      })
    : undefined;
  lines.push(runner ? `  built-in runner: ${settings.runner.executor} executor, capacity ${settings.runner.capacity}, labels ${settings.runner.labels.join(',')}` : '  built-in runner: off');
  ctx.stderr.write(`${lines.join('\n')}\n`);
  await untilAborted(ctx.signal);
  // The API goes first: the built-in runner's jobs are stopped but cannot report, so their
  // runs are not marked cancelled; a server started again re-queues them when their leases lapse.
  await plane.stop();
  await runner?.stop('cancel').catch(() => undefined);
  await store.close();
  stopLoggingRejections();
  return EXIT.success;
}

/**
 * The dashboard that scripts/build.mjs builds beside this bundle (dist/web next to
 * dist/deploylite.mjs). Run from the TypeScript sources, there is none beside them.
 */
function dashboardDir(): string {
  return fileURLToPath(new URL('./web/', import.meta.url));
}

async function startBuiltinRunner(ctx: ServiceContext, settings: ServerSettings, url: string, registrationToken: () => Promise<string>, logger: Logger) {
  const workRoot = join(settings.dataDir, 'builtin-runner');
  clearWorkDir(workRoot);
  const stateFile = join(workRoot, 'runner.json');
  // The built-in runner follows its server to whatever port it listens on now.
  const state = await readRunnerState(stateFile).catch(() => undefined);
  if (state && state.serverUrl !== url) rmSync(stateFile, { force: true });
  // The whole data directory (database, keys, logs, the runner's state) is the server's, never a job's.
  const executor = await createExecutor(settings.runner.executor, {
    killGraceMs: 5000,
    tempRoot: workRoot,
    hiddenPaths: [settings.dataDir, ...homeDir(ctx.env)],
    network: settings.runner.sandboxNetwork,
    env: ctx.env,
    runnerName: settings.runner.name,
  });
  const agent = createRunnerAgent({
    serverUrl: url,
    registration: { registrationToken: await registrationToken(), stateFile },
    name: settings.runner.name,
    labels: [...settings.runner.labels, ...executorLabels(executor.name, executor.supports)],
    capacity: settings.runner.capacity,
    version: ctx.version,
    executor,
    workRoot,
    logger: logger.child({ module: 'runner', runner: settings.runner.name }),
    cancelWaitMs: 1000,
  });
  void agent.start().catch((thrown: unknown) => logger.error('built-in runner stopped', { error: coerceError(thrown).message }));
  return agent;
}

/** The Quick start's project: this checkout's examples/hello.yml, and how to trigger it. */
async function registerExample(ctx: ServiceContext, plane: ControlPlane): Promise<string[]> {
  const git = (...args: string[]) => execFileSync('git', ['-C', ctx.cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let root: string;
  let branch: string;
  try {
    root = git('rev-parse', '--show-toplevel');
    const name = git('rev-parse', '--abbrev-ref', 'HEAD');
    branch = name === 'HEAD' ? git('rev-parse', 'HEAD') : name;
  } catch {
    throw new UsageError('--example needs the current directory to be a Git checkout holding examples/hello.yml');
  }
  if (!existsSync(join(root, 'examples', 'hello.yml'))) throw new UsageError(`--example: ${root} has no examples/hello.yml`);
  if (!(await plane.store.getProjectByName('hello'))) {
    const project = { name: 'hello', repository: root, pipelinePath: 'examples/hello.yml', defaultBranch: branch, maxConcurrentJobs: null };
    await plane.store.createProject({ ...project, webhookSecret: randomBytes(24).toString('base64url') }, Date.now());
  }
  const token = plane.admin.tokenFile ? `"$(cat ${plane.admin.tokenFile})"` : '"$DEPLOYLITE_ADMIN_TOKEN"';
  return [
    `  example project "hello": examples/hello.yml of ${root}; in another terminal:`,
    `    ./bin/deployctl login --server ${plane.url} --token ${token}`,
    '    ./bin/deployctl run hello --follow',
  ];
}

/**
 * What a killed runner left in its work directory — job workspaces (`r<run>-…`) and step
 * scratch files (`deploylite-r<run>-…`) — is removed before it starts. Nothing else is
 * touched, in case the directory holds more than the runner's own files.
 */
function clearWorkDir(workRoot: string): void {
  mkdirSync(workRoot, { recursive: true });
  for (const name of readdirSync(workRoot)) {
    if (/^(deploylite-)?r\d+-/.test(name)) rmSync(join(workRoot, name), { recursive: true, force: true });
  }
}

async function runRunner(ctx: ServiceContext, flags: RunnerFlags): Promise<number> {
  const serverUrl = flags.server ?? ctx.env.DEPLOYLITE_SERVER;
  if (!serverUrl) throw new UsageError('the server is missing: pass --server URL or set DEPLOYLITE_SERVER');
  const workRoot = resolve(ctx.cwd, flags.workDir ?? join('.deploylite', 'runner'));
  clearWorkDir(workRoot);
  const stateFile = join(workRoot, 'runner.json');
  const token = flags.token ?? ctx.env.DEPLOYLITE_RUNNER_TOKEN;
  if (!token && !existsSync(stateFile)) {
    throw new UsageError(`a first start needs a registration token: pass --token or set DEPLOYLITE_RUNNER_TOKEN (create one with deployctl tokens create NAME --kind runner-registration)`);
  }
  const capacity = flags.capacity === undefined ? 2 : Number(flags.capacity);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 256) throw new UsageError(`--capacity expects a whole number from 1 to 256, got "${flags.capacity}"`);
  const labels = (flags.labels ?? 'self-hosted,linux,x64').split(',').map((l) => l.trim()).filter(Boolean);
  const name = flags.name ?? hostname();
  const executorName = parseExecutorName(flags.executor ?? ctx.env.DEPLOYLITE_RUNNER_EXECUTOR);
  const network = parseNetworkMode(flags.sandboxNetwork ?? ctx.env.DEPLOYLITE_SANDBOX_NETWORK);
  const logger = createJsonLogger(ctx.env.DEPLOYLITE_LOG_LEVEL ?? 'info', { service: 'deploylite-runner', runner: name });
  // The work root holds the state file (the runner's token) and every other job's workspace.
  const executor = await createExecutor(executorName, { killGraceMs: 5000, tempRoot: workRoot, hiddenPaths: [workRoot, ...homeDir(ctx.env)], network, env: ctx.env, runnerName: name });
  const agent = createRunnerAgent({
    serverUrl: serverUrl.replace(/\/+$/, ''),
    registration: { registrationToken: token ?? '', stateFile },
    name,
    // Its executor's labels let the scheduler keep image and `network: none` jobs away from runners that cannot honour them.
    labels: [...labels, ...executorLabels(executor.name, executor.supports)],
    capacity,
    version: ctx.version,
    executor,
    workRoot,
    logger,
  });
  const running = agent.start().then(
    () => EXIT.success,
    (thrown: unknown) => {
      ctx.stderr.write(`deploylite runner: ${coerceError(thrown).message}\n`);
      return EXIT.failed;
    },
  );
  const stopped = untilAborted(ctx.signal).then(() => agent.stop('cancel'));
  const code = await running;
  if (ctx.signal.aborted) await stopped;
  return code;
}

async function runMigrate(ctx: ServiceContext, flags: MigrateFlags): Promise<number> {
  const settings = resolveServerSettings({ ...flags, runner: false }, ctx.env, ctx.cwd);
  const store = await openStore(settings);
  try {
    if (flags.status) {
      const status = await store.migrationStatus();
      ctx.stderr.write(`applied: ${status.applied.join(', ') || '(none)'}\npending: ${status.pending.join(', ') || '(none)'}\n`);
      return EXIT.success;
    }
    const applied = await store.migrate();
    ctx.stderr.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'the database is up to date\n');
    return EXIT.success;
  } finally {
    await store.close();
  }
}

/**
 * `deploylite secrets rotate-key`. With the key file (the default), a new key is put in front
 * of it, every secret re-sealed and every data key re-wrapped, then the old keys dropped;
 * running servers read the file again when they meet the new key. With keys from
 * configuration, the operator sets DEPLOYLITE_MASTER_KEY to the new key and
 * DEPLOYLITE_MASTER_KEY_PREVIOUS to the old one first, runs this, then drops the old one.
 */
async function runRotateKey(ctx: ServiceContext, flags: RotateKeyFlags): Promise<number> {
  const settings = resolveServerSettings({ ...flags, runner: false }, ctx.env, ctx.cwd);
  const store = await openStore(settings);
  try {
    if ((await store.migrationStatus()).pending.length > 0) throw new UsageError('the database needs migrating first: run deploylite migrate');
    const fromFile = settings.masterKeys === undefined;
    if (fromFile) addMasterKey(settings.dataDir);
    const keys = loadMasterKeys(settings.dataDir, settings.masterKeys);
    const report = await new SecretVault(store.secrets, keys, systemClock).rotate();
    const lines = [
      `master key ${report.masterKeyId} is current (${keys.source})`,
      `  ${report.resealed} secret${report.resealed === 1 ? '' : 's'} re-sealed under data key ${report.dataKeyId}`,
      `  ${report.dataKeysRewrapped} older data key${report.dataKeysRewrapped === 1 ? '' : 's'} re-wrapped under the new master key`,
    ];
    if (fromFile) {
      retireOldMasterKeys(settings.dataDir);
      lines.push(`  older master keys removed from ${keys.source}`);
    } else {
      lines.push('  now remove DEPLOYLITE_MASTER_KEY_PREVIOUS and restart the servers');
    }
    ctx.stderr.write(`${lines.join('\n')}\n`);
    return EXIT.success;
  } finally {
    await store.close();
  }
}

async function openStore(settings: ServerSettings): Promise<ControlStore> {
  try {
    return await openControlStore(settings.databaseDsn ? { postgresDsn: settings.databaseDsn } : { sqlitePath: join(settings.dataDir, 'deploylite.db') });
  } catch (thrown) {
    throw new UsageError(`cannot open the database: ${coerceError(thrown).message}`);
  }
}

/** $HOME (keys, credentials) for isolating executors to hide; a workspace inside it is bound back over the hiding mount. */
function homeDir(env: NodeJS.ProcessEnv): string[] {
  return env.HOME ? [env.HOME] : [];
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
