// The machine a figure was measured on: without it a benchmark number means nothing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';

export function machineInfo() {
  let cpuModel = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) cpuModel = match[1].trim();
  } catch {
    // not Linux
  }
  const make = spawnSync('make', ['--version'], { encoding: 'utf8' });
  const bash = spawnSync('bash', ['--version'], { encoding: 'utf8' });
  // The code measured: the commit, and "-dirty" when the work tree had uncommitted changes.
  const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel,
    memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    kernel: release(),
    make: make.status === 0 ? make.stdout.split('\n')[0] : 'missing',
    bash: bash.status === 0 ? bash.stdout.split('\n')[0] : 'missing',
    commit: git.status === 0 ? git.stdout.trim() : 'unknown',
  };
}
