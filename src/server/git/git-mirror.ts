import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRequestError } from '../../core/index.js';

/**
 * The server's bare mirror of each project's repository, under `<dataDir>/repos/`. Runs
 * resolve their ref to a commit and read their pipeline file from it; runners clone from
 * the project's own repository. Fetches of one mirror never overlap.
 */
export class GitMirrors {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly root: string) {}

  /** The commit `ref` (branch, tag, full ref or commit id) points to, after a fetch. */
  async resolve(projectId: number, repository: string, ref: string): Promise<string> {
    const dir = await this.fetch(projectId, repository, ref);
    const candidates = /^[0-9a-f]{7,40}$/i.test(ref)
      ? [ref]
      : ref.startsWith('refs/')
        ? [ref]
        : [`refs/heads/${ref}`, `refs/tags/${ref}`];
    for (const candidate of candidates) {
      const sha = await git(dir, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]).catch(() => '');
      if (sha) return sha.trim();
    }
    throw new InvalidRequestError(`ref "${ref}" was not found in ${repository}`, 'ref', 'run.unknown-ref');
  }

  /** A file's text at a commit, or undefined when the commit has no such file. */
  async readFile(projectId: number, sha: string, path: string): Promise<string | undefined> {
    const dir = this.dirOf(projectId);
    return git(dir, ['show', `${sha}:${path.replace(/^\.\//, '')}`]).catch(() => undefined);
  }

  private dirOf(projectId: number): string {
    return join(this.root, `${projectId}.git`);
  }

  private fetch(projectId: number, repository: string, ref: string): Promise<string> {
    const dir = this.dirOf(projectId);
    const previous = this.locks.get(dir) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true });
        await git(dir, ['init', '--quiet', '--bare']);
      }
      const refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
      if (ref.startsWith('refs/') && !ref.startsWith('refs/heads/') && !ref.startsWith('refs/tags/')) {
        refspecs.push(`+${ref}:${ref}`);
      }
      try {
        await git(dir, ['fetch', '--quiet', '--prune', '--', repository, ...refspecs]);
      } catch (thrown) {
        const reason = (thrown as Error).message.split('\n').find((line) => line.startsWith('fatal:')) ?? 'git fetch failed';
        throw new InvalidRequestError(`cannot fetch ${repository}: ${reason.replace(/^fatal: /, '')}`, 'repository', 'run.fetch-failed');
      }
      return dir;
    });
    this.locks.set(dir, next);
    return next;
  }
}

function git(dir: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', dir, ...args], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr || error.message));
      else resolve(stdout);
    });
  });
}
