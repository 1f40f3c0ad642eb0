import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface CgroupLimits {
  /** Processes and threads of the whole job at once. */
  readonly pids: number;
  /** Memory of the whole job, /tmp included. */
  readonly memoryBytes: number;
}

/**
 * A control group of its own for one job, where the runner may create one (root, or a delegated cgroup v2 subtree):
 * a limit on processes that holds whatever uid the job runs as (RLIMIT_NPROC does not bind root, and counts every
 * process of the uid rather than the job's), and one on the memory of all its processes together.
 */
export interface JobCgroup {
  /** `cgroup.procs` files a process writes its pid to, before it starts the job, to join the group. */
  readonly procsFiles: readonly string[];
  /** Which limits hold: `pids`, `memory`. */
  readonly controllers: readonly string[];
  /** Removes the group once its processes are gone; never throws. */
  remove(): Promise<void>;
}

/**
 * Creates the job's cgroup under the runner's own, with `limits`; undefined when this process may not create
 * cgroups (the caller falls back to rlimits). Handles cgroup v1 (a hierarchy per controller) and v2 (one hierarchy,
 * controllers enabled for the runner's subtree).
 */
export function createJobCgroup(name: string, limits: CgroupLimits): JobCgroup | undefined {
  const own = readOwnCgroups();
  if (own === undefined) return undefined;
  const dirs: string[] = [];
  const controllers: string[] = [];
  const attempt = (dir: string, files: Record<string, string>, controller: string) => {
    try {
      mkdirSync(dir);
    } catch {
      return;
    }
    dirs.push(dir);
    try {
      for (const [file, value] of Object.entries(files)) writeFileSync(join(dir, file), value);
      controllers.push(controller);
    } catch {
      // The controller is not enabled here; the directory still goes when the job ends.
    }
  };
  if (own.v2 !== undefined) {
    const dir = join('/sys/fs/cgroup', own.v2, name);
    attempt(dir, { 'pids.max': String(limits.pids) }, 'pids');
    if (dirs.length > 0) {
      try {
        writeFileSync(join(dir, 'memory.max'), String(limits.memoryBytes));
        writeFileSync(join(dir, 'memory.swap.max'), '0');
        controllers.push('memory');
      } catch {
        // No memory controller delegated: the per-process RLIMIT_AS still holds.
      }
    }
  } else {
    if (own.v1.pids !== undefined) attempt(join('/sys/fs/cgroup/pids', own.v1.pids, name), { 'pids.max': String(limits.pids) }, 'pids');
    if (own.v1.memory !== undefined) {
      attempt(join('/sys/fs/cgroup/memory', own.v1.memory, name), { 'memory.limit_in_bytes': String(limits.memoryBytes) }, 'memory');
    }
  }
  if (controllers.length === 0) {
    for (const dir of dirs) rmdirQuietly(dir);
    return undefined;
  }
  return {
    procsFiles: dirs.map((dir) => join(dir, 'cgroup.procs')),
    controllers,
    remove: async () => {
      for (const dir of dirs) {
        // The processes were just killed; the kernel may need a moment to take them out of the group.
        for (let tries = 0; tries < 20 && !rmdirQuietly(dir); tries++) await delay(25);
      }
    },
  };
}

/**
 * Removes the empty job cgroups (`<prefix><pid>-<n>`) that runners killed before their jobs' clean-up left under
 * this process's cgroups, when that runner (`pid`) is gone. A group that still holds processes is left alone.
 */
export function removeStaleJobCgroups(prefix: string): void {
  const own = readOwnCgroups();
  if (own === undefined) return;
  const parents =
    own.v2 !== undefined
      ? [join('/sys/fs/cgroup', own.v2)]
      : [own.v1.pids && join('/sys/fs/cgroup/pids', own.v1.pids), own.v1.memory && join('/sys/fs/cgroup/memory', own.v1.memory)];
  const pattern = new RegExp(`^${prefix}(\\d+)-\\d+$`);
  for (const parent of parents) {
    if (!parent) continue;
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = pattern.exec(name)?.[1];
      if (owner !== undefined && !isAlive(Number(owner))) rmdirQuietly(join(parent, name));
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (thrown) {
    return (thrown as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface OwnCgroups {
  readonly v2?: string;
  readonly v1: { readonly pids?: string; readonly memory?: string };
}

/** This process's cgroups from /proc/self/cgroup (`N:controllers:/path`); undefined without cgroups. */
function readOwnCgroups(): OwnCgroups | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  const v1: { pids?: string; memory?: string } = {};
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined || controllers === undefined) continue;
    if (controllers === '') unified = path;
    for (const controller of controllers.split(',')) {
      if (controller === 'pids') v1.pids = path;
      if (controller === 'memory') v1.memory = path;
    }
  }
  // A pure v2 machine mounts the unified hierarchy at /sys/fs/cgroup itself.
  if (v1.pids === undefined && v1.memory === undefined && unified !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    return { v2: unified, v1 };
  }
  return { v1 };
}

function rmdirQuietly(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (thrown) {
    return (thrown as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
