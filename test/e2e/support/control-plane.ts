// Starts real `deploylite server` and `deploylite runner` processes on loopback and talks to
// them over HTTP, as users and runners do. Build first: `node scripts/build.mjs`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { StartedCli } from './cli.js';
import { killLeftover, sleep, startCli, workdir } from './cli.js';

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly dataDir: string;
  readonly cli: StartedCli;
  /** GET/POST/… JSON with the admin token; throws with the body on an unexpected status. */
  api<T = unknown>(method: string, path: string, body?: unknown, expect?: number): Promise<T>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export interface ServerOptions {
  readonly dataDir?: string;
  readonly port?: number;
  readonly token?: string;
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  /** Where the server starts (default: an empty directory). */
  readonly cwd?: string;
}

const started: StartedCli[] = [];
process.on('exit', () => {
  for (const cli of started) if (cli.child.pid) killLeftover(cli.child.pid);
});

/** A free loopback port (so a restarted server can come back on the same one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? join(workdir(), 'data');
  const port = options.port ?? (await freePort());
  const token = options.token ?? `dla_test_${randomBytes(12).toString('hex')}`;
  const cli = startCli(['server', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? [])], {
    cwd: options.cwd ?? workdir(),
    env: { DEPLOYLITE_ADMIN_TOKEN: token, DEPLOYLITE_TICK: '100ms', DEPLOYLITE_LEASE_TTL: '3s', DEPLOYLITE_LOG_LEVEL: 'warn', ...options.env },
    timeoutMs: 600_000,
  });
  started.push(cli);
  const url = await waitForOutput(cli, /DeployLite server at (http:\/\/\S+)/, 30_000);
  const api = apiClient(url, token);
  return {
    url,
    port,
    token,
    dataDir,
    cli,
    api,
    async stop() {
      cli.child.kill('SIGTERM');
      await cli.exited.catch(() => undefined);
    },
    async kill9() {
      cli.child.kill('SIGKILL');
      await cli.exited.catch(() => undefined);
    },
  };
}

export interface RunnerProcess {
  readonly cli: StartedCli;
  readonly workDir: string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRunner(
  server: Pick<ServerProcess, 'url' | 'api'>,
  options: { name: string; labels?: string; capacity?: number; workDir?: string; args?: readonly string[]; env?: Record<string, string> },
): Promise<RunnerProcess> {
  const { token } = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: `reg-${options.name}`, kind: 'runner-registration' }, 201);
  const workDir = options.workDir ?? join(workdir(), 'runner');
  const cli = startCli(
    ['runner', '--server', server.url, '--token', token, '--name', options.name, '--capacity', String(options.capacity ?? 2), '--work-dir', workDir, ...(options.labels ? ['--labels', options.labels] : []), ...(options.args ?? [])],
    { cwd: workdir(), env: { DEPLOYLITE_LOG_LEVEL: 'warn', ...options.env }, timeoutMs: 600_000 },
  );
  started.push(cli);
  return {
    cli,
    workDir,
    async kill9() {
      cli.child.kill('SIGKILL');
      await cli.exited.catch(() => undefined);
    },
    async stop() {
      cli.child.kill('SIGTERM');
      await cli.exited.catch(() => undefined);
    },
  };
}

export function apiClient(url: string, token: string) {
  return async function api<T = unknown>(method: string, path: string, body?: unknown, expect?: number): Promise<T> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((thrown: unknown) => {
      // fetch says only "fetch failed"; what failed (refused, reset, timed out) is in its cause.
      const cause = (thrown as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${method} ${path}: ${(thrown as Error).message} (${cause?.code ?? ''} ${cause?.message ?? 'no cause'})`);
    });
    const text = await response.text();
    const ok = expect === undefined ? response.ok : response.status === expect;
    if (!ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

export interface RunView {
  id: number;
  status: string;
  error: string | null;
  jobs: { key: string; status: string; attempts: number; outputs: Record<string, string>; error: string | null }[];
}

/** Polls a run until `done(run)` holds. */
export async function waitForRun(server: Pick<ServerProcess, 'api'>, runId: number, done: (run: RunView) => boolean, timeoutMs = 30_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await server.api<RunView>('GET', `/api/v1/runs/${runId}`);
    if (done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not get there within ${timeoutMs}ms: ${JSON.stringify(run)}`);
    await sleep(50);
  }
}

export const isFinal = (run: RunView) => ['success', 'failed', 'cancelled'].includes(run.status);

/** All log lines of a job, as the API pages them. */
export async function jobLog(server: Pick<ServerProcess, 'api'>, runId: number, key: string): Promise<{ lineNo: number; stream: string; text: string }[]> {
  const lines: { lineNo: number; stream: string; text: string }[] = [];
  for (let after = 0; ; ) {
    const page = await server.api<{ lines: typeof lines; next: number }>('GET', `/api/v1/runs/${runId}/jobs/${encodeURIComponent(key)}/logs?after=${after}`);
    lines.push(...page.lines);
    if (page.lines.length === 0) return lines;
    after = page.next;
  }
}

/**
 * A Git repository with `files` committed on `main`; returns its path and the commit.
 * `commit` adds a commit to the branch checked out; `branch` starts a branch there, commits
 * `more` on it, goes back and returns the branch's commit.
 */
export function gitRepo(files: Record<string, string>): { path: string; sha: string; commit(more: Record<string, string>): string; branch(name: string, more: Record<string, string>): string } {
  const path = workdir(files);
  const git = (...args: string[]) => execFileSync('git', ['-C', path, ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'initial');
  const commit = (more: Record<string, string>) => {
    for (const [name, text] of Object.entries(more)) execFileSync('sh', ['-c', 'mkdir -p "$(dirname "$1")" && printf "%s" "$2" > "$1"', 'sh', join(path, name), text]);
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'more');
    return git('rev-parse', 'HEAD');
  };
  const branch = (name: string, more: Record<string, string>) => {
    const from = git('rev-parse', '--abbrev-ref', 'HEAD');
    git('checkout', '--quiet', '-b', name);
    const sha = commit(more);
    git('checkout', '--quiet', from);
    return sha;
  };
  return { path, sha: git('rev-parse', 'HEAD'), commit, branch };
}

export async function waitForOutput(cli: StartedCli, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(cli.stderr()) ?? pattern.exec(cli.stdout());
    if (match) return match[1] ?? match[0];
    if (cli.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in the output\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    }
    await sleep(25);
  }
}
