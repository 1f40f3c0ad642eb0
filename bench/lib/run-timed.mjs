// Runs one child process and measures its wall time (hrtime, from spawn to exit) and, when
// asked, its peak resident memory. Every child has a hard time limit, so a hung CLI can
// never hang the benchmark: the whole process group is killed and the call rejects.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/**
 * True when GNU time is installed (Debian package `time`). BusyBox or shell-builtin `time`
 * do not support `-f %M -o FILE`, so we probe the real binary.
 */
export function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr);
}

/**
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number, peakRss?: 'gnu-time' | 'sample' | 'none' }} [options]
 *   peakRss: `gnu-time` wraps the command in `/usr/bin/time -f %M` (kernel-exact peak of the
 *   biggest process); `sample` reads /proc/<pid>/status VmHWM every 10 ms (can miss a
 *   peak in the last 10 ms); `none` measures time only.
 * @returns {Promise<{ wallMs: number, exitCode: number | null, peakRssKb?: number, stderr: string }>}
 */
export function runTimed(command, args, options = {}) {
  const { cwd, env, timeoutMs = 120_000, peakRss = 'none' } = options;
  let timeFile;
  let file = command;
  let argv = [...args];
  if (peakRss === 'gnu-time') {
    timeFile = join(mkdtempSync(join(tmpdir(), 'dl-bench-time-')), 'rss');
    file = GNU_TIME;
    argv = ['-f', '%M', '-o', timeFile, command, ...args];
  }

  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // stdout goes to /dev/null on both sides of every comparison: we measure orchestration,
    // not how fast a terminal scrolls. stderr is kept to explain a failure.
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 20_000) stderr += chunk;
    });

    let sampledHwmKb = 0;
    const sampler =
      peakRss === 'sample'
        ? setInterval(() => {
            sampledHwmKb = Math.max(sampledHwmKb, readVmHwmKb(child.pid));
          }, 10)
        : undefined;

    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);

    child.on('error', (error) => {
      clearTimeout(killer);
      if (sampler) clearInterval(sampler);
      reject(new Error(`cannot start ${command}: ${error.message}`));
    });
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(killer);
      if (sampler) clearInterval(sampler);
      if (timedOut) {
        reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms (killed)`));
        return;
      }
      let peakRssKb;
      if (timeFile) {
        // GNU time's exit code is the child's; its file holds "Command exited with non-zero
        // status N" before the figure when the child failed, so take the last number.
        const text = readFileSync(timeFile, 'utf8');
        rmSync(join(timeFile, '..'), { recursive: true, force: true });
        const numbers = text.match(/\d+/g);
        peakRssKb = numbers ? Number(numbers[numbers.length - 1]) : undefined;
      } else if (peakRss === 'sample') {
        peakRssKb = sampledHwmKb || undefined;
      }
      resolve({ wallMs, exitCode: code, peakRssKb, stderr });
    });
  });
}

function readVmHwmKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process has just exited
  }
}

/** Like runTimed, but a non-zero exit is an error: a benchmark of a failing run means nothing. */
export async function runTimedOk(command, args, options) {
  const result = await runTimed(command, args, options);
  if (result.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.exitCode}:\n${result.stderr.slice(-2000)}`);
  }
  return result;
}
