import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly group: number;
}

/**
 * SIGTERM to the step's own processes in the sandbox led by bubblewrap process `groupId`, but not to bubblewrap:
 * the outer bwrap (the group leader) would die of it at once and, by `--die-with-parent`, take the whole sandbox
 * down before the step had its grace period; the sandbox's init (bwrap's only child) must outlive the step's
 * shell for the same reason. A process that left the group escapes this signal, never the SIGKILL that follows:
 * killing the group leader ends the PID namespace and everything in it.
 */
export function terminateSandboxedGroup(groupId: number): void {
  for (const entry of listProcesses()) {
    if (entry.group !== groupId || entry.pid === groupId || entry.ppid === groupId) continue;
    try {
      process.kill(entry.pid, 'SIGTERM');
    } catch {
      // Gone in the meantime.
    }
  }
}

/** How many processes run as `uid` now (the base RLIMIT_NPROC counts from). */
export function countProcessesOf(uid: number): number {
  let count = 0;
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (real !== undefined && Number(real) === uid) count++;
    } catch {
      // Exited while we looked.
    }
  }
  return count;
}

function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      entries.push({ pid: Number(name), ppid: Number(fields[1]), group: Number(fields[2]) });
    } catch {
      // Exited while we looked.
    }
  }
  return entries;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
