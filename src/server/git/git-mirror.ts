import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, InvalidRequestError, redactUrlCredentials } from '../../core/index.js';

export interface GitMirrorsOptions {
  /** How long one `git fetch` may take before it is killed; default 120 s. */
  readonly fetchTimeoutMs?: number;
}

const DEFAULT_FETCH_TIMEOUT_MS = 120_000;
/** After SIGTERM (which lets git remove its lock files), how long until SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** git's stderr kept for an error message; a chatty failure must not grow without bound. */
const MAX_STDERR = 8192;
/** A commit id in full (SHA-1 or SHA-256), which names one commit in any repository. */
const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** The most output read from git (a pipeline file); git is stopped beyond it. */
const MAX_STDOUT = 16 * 1024 * 1024;

/**
 * git never asks for a password (a server has no one to answer) and gives up on a transfer
 * slower than 1000 bytes/s for 30 s, so a stalled host fails the fetch before the timeout.
 */
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_HTTP_LOW_SPEED_LIMIT: '1000', GIT_HTTP_LOW_SPEED_TIME: '30' };

/**
 * The server's bare mirror of each project's repository, under `<dataDir>/repos/`. Runs
 * resolve their ref to a commit and read their pipeline file from it; runners clone from
 * the project's own repository. Fetches of one mirror never overlap.
 *
 * The repository URL may carry credentials: git gets it as is, but every message that names
 * it (errors, git's stderr) shows it redacted.
 */
export class GitMirrors {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly fetchTimeoutMs: number;

  constructor(
    private readonly root: string,
    options: GitMirrorsOptions = {},
  ) {
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  /**
   * The commit to build, after fetching `ref` (branch, tag, full ref or commit id). With
   * `sha` — a webhook knows its exact commit — that commit, which must have arrived with the
   * fetch: a pull request from a fork exists only under the host's `refs/pull/<n>/head`
   * (`refs/merge-requests/<iid>/head` on GitLab), never on a branch. Without it, the
   * commit `ref` points to.
   */
  async resolve(projectId: number, repository: string, ref: string, sha?: string): Promise<string> {
    // A full commit id that an earlier fetch brought needs no fetch (a push and its pull
    // request, a redelivered event): a fetch is most of a trigger's time before its run exists.
    if (sha !== undefined && FULL_COMMIT_ID.test(sha) && existsSync(this.dirOf(projectId))) {
      const known = await this.commitOf(this.dirOf(projectId), sha);
      if (known) return known;
    }
    const dir = await this.fetch(projectId, repository, ref);
    const shown = redactUrlCredentials(repository);
    if (sha !== undefined) {
      const commit = /^[0-9a-f]{7,64}$/i.test(sha) ? await this.commitOf(dir, sha) : '';
      if (commit) return commit;
      throw new InvalidRequestError(`commit ${sha} was not found in ${shown} after fetching ${ref}`, 'sha', 'run.unknown-ref');
    }
    const candidates = /^[0-9a-f]{7,40}$/i.test(ref) || ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
    for (const candidate of candidates) {
      const commit = await this.commitOf(dir, candidate);
      if (commit) return commit;
    }
    throw new InvalidRequestError(`ref "${ref}" was not found in ${shown}`, 'ref', 'run.unknown-ref');
  }

  /** A file's text at a commit, or undefined when the commit has no such file. */
  async readFile(projectId: number, sha: string, path: string): Promise<string | undefined> {
    return git(this.dirOf(projectId), ['show', `${sha}:${path.replace(/^\.\//, '')}`]).catch(() => undefined);
  }

  /**
   * The names of the files directly in folder `path` at a commit (not in its subfolders, as
   * GitHub reads `.github/workflows/`), or undefined when the commit has no such folder.
   */
  async listFolder(projectId: number, sha: string, path: string): Promise<string[] | undefined> {
    const folder = path.replace(/^\.\//, '').replace(/\/+$/, '');
    const listing = await git(this.dirOf(projectId), ['ls-tree', '-z', '--full-tree', `${sha}:${folder}`]).catch(() => undefined);
    if (listing === undefined) return undefined;
    // `<mode> <type> <object>\t<name>`; only blobs are files.
    return listing
      .split('\0')
      .filter((entry) => /^\d+ blob /.test(entry))
      .map((entry) => entry.slice(entry.indexOf('\t') + 1));
  }

  /**
   * The files changed between two commits of the mirror: `from..to` (what a push changed) or,
   * with `sinceMergeBase`, `from...to` (what a pull request's head changed since it left its
   * base, GitHub's three-dot diff). Undefined when a commit is missing from the mirror.
   */
  async changedFiles(projectId: number, from: string, to: string, sinceMergeBase = false): Promise<string[] | undefined> {
    if (!FULL_COMMIT_ID.test(from) || !FULL_COMMIT_ID.test(to)) return undefined;
    const range = sinceMergeBase ? `${from}...${to}` : `${from}..${to}`;
    const out = await git(this.dirOf(projectId), ['diff', '--name-only', '-z', '--no-renames', range, '--']).catch(() => undefined);
    return out?.split('\0').filter((name) => name !== '');
  }

  private async commitOf(dir: string, revision: string): Promise<string> {
    const sha = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`]).catch(() => '');
    return sha.trim();
  }

  private dirOf(projectId: number): string {
    return join(this.root, `${projectId}.git`);
  }

  private fetch(projectId: number, repository: string, ref: string): Promise<string> {
    const dir = this.dirOf(projectId);
    const previous = this.locks.get(dir) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      await this.ensureMirror(projectId, dir);
      const refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
      if (ref.startsWith('refs/') && !ref.startsWith('refs/heads/') && !ref.startsWith('refs/tags/')) {
        refspecs.push(`+${ref}:${ref}`);
      }
      try {
        await git(dir, ['fetch', '--quiet', '--prune', '--', repository, ...refspecs], this.fetchTimeoutMs);
      } catch (thrown) {
        const message = (thrown as Error).message;
        const reason = message.split('\n').find((line) => line.startsWith('fatal:'))?.replace(/^fatal: /, '') ?? message.split('\n')[0] ?? 'git fetch failed';
        throw new InvalidRequestError(`cannot fetch ${redactUrlCredentials(repository)}: ${redactUrlCredentials(reason)}`, 'repository', 'run.fetch-failed');
      }
      return dir;
    });
    this.locks.set(dir, next);
    return next;
  }

  /**
   * A new mirror is initialised in a temporary directory and renamed into place, so a server
   * killed half way leaves no directory that later fetches would take for a mirror. A
   * leftover that is no bare repository (an older server's half-made mirror) is made again.
   */
  private async ensureMirror(projectId: number, dir: string): Promise<void> {
    if (existsSync(dir)) {
      if (['HEAD', 'objects', 'refs'].every((entry) => existsSync(join(dir, entry)))) return;
      rmSync(dir, { recursive: true, force: true });
    }
    mkdirSync(this.root, { recursive: true });
    const prefix = `.${projectId}.git-init-`;
    for (const leftover of readdirSync(this.root).filter((name) => name.startsWith(prefix))) {
      rmSync(join(this.root, leftover), { recursive: true, force: true });
    }
    const temporary = mkdtempSync(join(this.root, prefix));
    try {
      await git(temporary, ['init', '--quiet', '--bare']);
      renameSync(temporary, dir);
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  }
}

/**
 * Runs git on the bare repository `gitDir`, named explicitly so git never looks for a
 * repository in a working directory or its parents. git and its helpers (git-remote-https,
 * ssh) run in their own process group, which a timeout ends: SIGTERM, then SIGKILL.
 */
function git(gitDir: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${gitDir}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...GIT_ENV } });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_STDOUT) stdout.push(chunk);
      else killGroup(child.pid, 'SIGKILL');
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < MAX_STDERR) stderr += chunk;
    });
    const timers: NodeJS.Timeout[] = [];
    if (timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killGroup(child.pid, 'SIGTERM');
          timers.push(setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS));
        }, timeoutMs),
      );
    }
    child.on('error', (error) => {
      for (const timer of timers) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      if (timedOut) reject(new Error(`fatal: git ${args[0] ?? ''} did not finish within ${formatDuration(timeoutMs ?? 0)}`));
      else if (stdoutBytes > MAX_STDOUT) reject(new Error(`git ${args[0] ?? ''} printed more than ${MAX_STDOUT} bytes`));
      else if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new Error(stderr || `git ${args[0] ?? ''} exited with code ${code}`));
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
