import { spawn } from 'node:child_process';
import { redactUrlCredentials } from '../core/index.js';

/** Why a checkout failed, in git's words (credentials in URLs removed). */
export class CheckoutError extends Error {
  override readonly name = 'CheckoutError';
}

/** A commit id as git prints it; anything else (a branch name, an option) is refused. */
const COMMIT_ID = /^[0-9a-f]{4,64}$/i;
/** A full ref name; it cannot start with `-`, so git never reads it as an option. */
const REF = /^refs\/[A-Za-z0-9._/-]+$/;

export interface CheckoutTarget {
  readonly repository: string;
  readonly sha: string;
  /** The ref the commit came with; fetched when the clone does not hold the commit. */
  readonly ref?: string;
}

/**
 * Clones `repository` into the empty directory `dir` and checks out exactly `sha`, detached.
 * A clone brings branches and tags only; a pull request's commit from a fork lives under
 * refs/pull/N/head (GitHub, Gitea) or refs/merge-requests/N/head (GitLab), so that ref is
 * fetched when the commit is missing. git runs without a shell; `--` keeps a repository that starts with `-` from being read as
 * an option, and the sha must look like a commit id for the same reason. git runs in its own
 * session, so it has no terminal to ask for a password on and fails instead of hanging; an
 * abort kills git and its helpers (git-remote-https, ssh).
 */
export async function checkoutCommit(target: CheckoutTarget, dir: string, signal: AbortSignal): Promise<void> {
  const { repository, sha, ref } = target;
  if (!COMMIT_ID.test(sha)) throw new CheckoutError('not a commit id');
  await runGit(['clone', '--no-checkout', '--quiet', '--', repository, dir], signal);
  if (ref !== undefined && REF.test(ref) && !(await hasCommit(dir, sha, signal))) {
    await runGit(['-C', dir, 'fetch', '--quiet', 'origin', ref], signal);
  }
  await runGit(['-C', dir, 'checkout', '--quiet', '--detach', sha], signal);
}

async function hasCommit(dir: string, sha: string, signal: AbortSignal): Promise<boolean> {
  try {
    await runGit(['-C', dir, 'cat-file', '-e', `${sha}^{commit}`], signal);
    return true;
  } catch (error) {
    if (signal.aborted) throw error;
    return false;
  }
}

function runGit(args: readonly string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const child = spawn('git', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // git's message is at the start; a chatty failure must not grow without bound.
      if (stderr.length < 8192) stderr += chunk;
    });
    const onAbort = () => {
      if (child.pid !== undefined) killGroup(child.pid);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(new CheckoutError(error.message.includes('ENOENT') ? 'git is not installed on this runner' : error.message));
    });
    child.on('close', (code, killedBy) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(signal.reason as Error);
      if (code === 0) return resolve();
      const message = redactUrlCredentials(summarize(stderr)) || (killedBy ? `git was killed by ${killedBy}` : `git exited with code ${code}`);
      reject(new CheckoutError(message));
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/** git's lines on one line. */
function summarize(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}
