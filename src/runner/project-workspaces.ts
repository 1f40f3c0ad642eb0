import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A workspace directory lent to one job; `release` empties it for the project's next job. */
export interface WorkspaceLease {
  readonly dir: string;
  release(): Promise<void>;
}

/**
 * Workspace directories kept per project, for jobs that allow `reuse-container`. A warm container can only serve a
 * job in the directory its workspace was bind-mounted from (binds are fixed when a container is created), so a job
 * in a fresh temporary directory never finds one. Here a job of project P and ref R gets `root/p<P>/r<hash of R>/w<N>`,
 * the lowest N no other job of this runner holds now: the docker executor's pool key (image + workspace directory)
 * then matches the previous job of the same project, ref and image, and never another project's. The ref is part of
 * it because what a job changes in its container's image stays for the next: a pull request's job
 * (`refs/pull/N/head`, maybe from a fork) must not leave a trojan for the main branch's deploy job and its secrets.
 *
 * The directory is emptied, never removed, between jobs: a warm container's bind mount refers to the directory
 * itself, and a directory created again at the same path would not be the one it sees. Emptied before a job too
 * (a runner killed mid-job leaves files), and checked: a directory that cannot be emptied (files the job made that
 * the runner may not delete) is never lent again by this process, so no job sees another's leftovers.
 */
export class ProjectWorkspaces {
  private readonly held = new Set<string>();
  private readonly spoiled = new Set<string>();

  constructor(private readonly root: string) {}

  async acquire(projectId: number, ref: string): Promise<WorkspaceLease> {
    const scope = `r${createHash('sha256').update(ref).digest('hex').slice(0, 12)}`;
    for (let slot = 1; ; slot++) {
      const dir = join(this.root, `p${projectId}`, scope, `w${slot}`);
      if (this.held.has(dir) || this.spoiled.has(dir)) continue;
      this.held.add(dir);
      let usable = false;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        usable = await this.empty(dir);
      } finally {
        // A directory that cannot be made or read fails the job (the caller says why); one that stays dirty is skipped.
        if (!usable) this.held.delete(dir);
      }
      if (usable) return { dir, release: () => this.release(dir) };
    }
  }

  private async release(dir: string): Promise<void> {
    try {
      if (!(await this.empty(dir))) this.spoiled.add(dir);
    } catch {
      this.spoiled.add(dir);
    } finally {
      this.held.delete(dir);
    }
  }

  /** Removes everything in `dir` (not `dir` itself); true when it is empty afterwards. */
  private async empty(dir: string): Promise<boolean> {
    const entries = await readdir(dir);
    await Promise.all(entries.map((entry) => rm(join(dir, entry), { recursive: true, force: true, maxRetries: 3 }).catch(() => {})));
    const spoiled = (await readdir(dir)).length > 0;
    if (spoiled) this.spoiled.add(dir);
    return !spoiled;
  }
}
