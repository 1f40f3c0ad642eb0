// How the control-plane benchmarks start what they measure: a real `deploylite server`
// process (and real `deploylite runner` processes where a benchmark needs them), exactly as
// a user would, on loopback; a fresh PostgreSQL database per benchmark run; a project from
// a local Git repository. Every process started here runs in its own process group, has a
// hard time limit, and is killed when the benchmark exits, so a hang never outlives it.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import pg from 'pg';
import { DEPLOYLITE_BIN, REPO_ROOT } from './deploylite.mjs';

/** Where the benchmarks' PostgreSQL runs (trust auth); DEPLOYLITE_BENCH_PG_DSN overrides it. */
export const POSTGRES_BASE_DSN = process.env.DEPLOYLITE_BENCH_PG_DSN ?? 'postgres://postgres@127.0.0.1:5432/test';

const groups = new Set();
process.on('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `node bin/deploylite ARGS` in its own process group and keeps the tail of its
 * output for error messages.
 */
function startProcess(args, { cwd, env, timeoutMs, nodeArgs = [] }) {
  const child = spawn(process.execPath, [...nodeArgs, DEPLOYLITE_BIN, ...args], {
    cwd,
    env: { ...process.env, DEPLOYLITE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  groups.add(child.pid);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const killer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs);
  killer.unref();
  exited.then(() => {
    clearTimeout(killer);
    groups.delete(child.pid);
  });
  return {
    child,
    exited,
    output: () => output,
    /** SIGTERM (a graceful stop), SIGKILL of the group after `graceMs`. */
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const late = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(late);
      killGroup(child.pid, 'SIGKILL'); // steps a runner left behind
    },
  };
}

/** Waits for `pattern` in a started process's output. */
async function waitForOutput(started, pattern, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(started.output());
    if (match) return match[1] ?? match[0];
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${what} did not start (no ${pattern} in its output):\n${started.output().slice(-2000)}`);
    }
    await sleep(20);
  }
}

/**
 * `deploylite server --port 0 --data-dir DIR --no-runner` with a known admin token;
 * PostgreSQL when `dsn` is given, else SQLite in DIR. `nodeArgs` go to node itself (e.g.
 * `--cpu-prof`, to see what a figure is made of).
 * @param {{ dataDir: string, dsn?: string, env?: Record<string, string>, timeoutMs?: number, nodeArgs?: string[] }} options
 */
export async function startServer({ dataDir, dsn, env = {}, timeoutMs = 600_000, nodeArgs = serverNodeArgs() }) {
  const token = `dla_bench_${randomBytes(12).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  const started = startProcess(['server', '--port', '0', '--data-dir', dataDir, '--no-runner'], {
    cwd: dataDir,
    env: { DEPLOYLITE_ADMIN_TOKEN: token, ...(dsn ? { DEPLOYLITE_DB_DSN: dsn } : {}), ...env },
    timeoutMs,
    nodeArgs,
  });
  const url = await waitForOutput(started, /DeployLite server at (http:\/\/\S+)/, 60_000, 'deploylite server');
  return { url, token, pid: started.child.pid, stop: started.stop, output: started.output };
}

/**
 * DEPLOYLITE_BENCH_SERVER_NODE_ARGS (space-separated) go to every server a benchmark starts,
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` to see what a figure is made of.
 */
function serverNodeArgs() {
  return (process.env.DEPLOYLITE_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

/**
 * `deploylite runner --server URL --token REG --name NAME --capacity N --work-dir DIR`.
 * @param {{ url: string, registrationToken: string, name: string, capacity: number, workDir: string, timeoutMs?: number }} options
 */
export function startRunner({ url, registrationToken, name, capacity, workDir, timeoutMs = 600_000 }) {
  mkdirSync(workDir, { recursive: true });
  const started = startProcess(
    ['runner', '--server', url, '--token', registrationToken, '--name', name, '--capacity', String(capacity), '--labels', 'bench', '--work-dir', workDir],
    { cwd: workDir, env: {}, timeoutMs },
  );
  return { pid: started.child.pid, stop: started.stop, output: started.output };
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined off Linux. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** A fresh database on the benchmark PostgreSQL; `drop()` removes it (WITH (FORCE)). */
export async function freshPostgres(label) {
  const name = `dl_bench_${label}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_BASE_DSN });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_BASE_DSN);
  url.pathname = `/${name}`;
  return {
    dsn: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_BASE_DSN });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The benchmark PostgreSQL's version (`SHOW server_version`), for the machine description. */
export async function postgresVersion() {
  const client = new pg.Client({ connectionString: POSTGRES_BASE_DSN });
  await client.connect();
  try {
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

/** `git init` + one commit of `files` in `dir`; returns the commit. */
export function gitRepo(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const git = (...args) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'bench');
  return git('rev-parse', 'HEAD');
}

/** A project whose repository is a fresh local Git repository holding `.deploylite.yml`. */
export async function createProject(client, token, { name, dir, pipeline }) {
  gitRepo(dir, { '.deploylite.yml': pipeline });
  return client.json('POST', '/api/v1/projects', token, { name, repository: dir }, 201);
}

/** Starts a run of the project's default branch; returns the run (201). */
export function triggerRun(client, token, project) {
  return client.json('POST', `/api/v1/projects/${project}/runs`, token, {}, 201);
}

const FINAL = new Set(['success', 'failed', 'cancelled']);

/** Polls GET /runs/{id} every `everyMs` until every run is final; returns them. */
export async function waitForRuns(client, token, runIds, { timeoutMs = 300_000, everyMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const done = new Map();
  for (;;) {
    for (const id of runIds) {
      if (done.has(id)) continue;
      const run = await client.json('GET', `/api/v1/runs/${id}`, token);
      if (FINAL.has(run.status)) done.set(id, run);
    }
    if (done.size === runIds.length) return runIds.map((id) => done.get(id));
    if (Date.now() > deadline) throw new Error(`runs ${runIds.filter((id) => !done.has(id)).join(', ')} did not finish within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Checks that every run succeeded with all its jobs: a benchmark that did less work means nothing. */
export async function verifyRuns(client, token, runs, jobs) {
  for (const run of runs) {
    const full = await client.json('GET', `/api/v1/runs/${run.id}`, token);
    const succeeded = full.jobs.filter((job) => job.status === 'success').length;
    if (full.status !== 'success' || full.jobs.length !== jobs || succeeded !== jobs) {
      throw new Error(`run ${run.id}: ${full.status}, ${full.jobs.length} jobs, ${succeeded} succeeded, ${jobs} expected`);
    }
  }
}

/** The value of one unlabelled gauge on GET /metrics. */
export async function readGauge(client, name) {
  const { body } = await client.call('GET', '/metrics');
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(String(body));
  return match ? Number(match[1]) : Number.NaN;
}

/** The repository root, for helpers started with `node --import tsx` from it. */
export { REPO_ROOT };
