import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';

export interface ProcessGroupRequest {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Stop the group after this long; unlimited when undefined. */
  readonly timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  readonly signal: AbortSignal;
  readonly onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  readonly onStart?: (pid: number) => void;
  /**
   * Asks the group to stop (the first, gentle signal). Default: SIGTERM to the whole group. The sandbox replaces it
   * because its group also holds bubblewrap, which would take the whole sandbox down at once on SIGTERM.
   */
  readonly terminate?: (groupId: number) => void;
}

export interface ProcessGroupResult {
  /** Null when the process was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Why the program could not be started (ENOENT, EACCES, …). */
  readonly spawnError?: NodeJS.ErrnoException;
  /** The group id when processes the step started in the background outlived a step that ended on its own. */
  readonly survivingGroup?: number;
}

/**
 * How long to wait, after the main process exited, for its stdout and stderr to reach end-of-file. A background
 * process (`server &`) inherits the pipes and can hold them open for as long as it lives; the step must not wait for
 * it, as on GitHub. Output that arrives later is read and dropped rather than cut off, so the background process
 * does not die of SIGPIPE on its next write.
 */
const OUTPUT_DRAIN_MS = 200;

/**
 * Runs a program as the leader of a new process group and resolves when it has exited. On timeout or abort the
 * whole group receives SIGTERM and, `killGraceMs` later, SIGKILL; once the leader of a stopped group has exited,
 * the rest of its group is killed at once, so nothing a cancelled step started keeps running. A step that ends on
 * its own keeps its background processes (`survivingGroup` tells the caller, who kills them when the job ends).
 * Never rejects.
 */
export function runProcessGroup(request: ProcessGroupRequest): Promise<ProcessGroupResult> {
  if (request.signal.aborted) return Promise.resolve({ exitCode: null, timedOut: false, cancelled: true });
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(request.program, request.args, {
        cwd: request.cwd,
        env: request.env,
        // Its own process group (and session), so one signal reaches everything the step starts.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (thrown) {
      // Synchronous failures are invalid arguments, such as a NUL byte in an environment value.
      resolve({ exitCode: null, timedOut: false, cancelled: false, spawnError: thrown as NodeJS.ErrnoException });
      return;
    }
    const pid = child.pid;
    let stoppedBy: 'timeout' | 'abort' | undefined;
    let exitCode: number | null = null;
    let exited = false;
    let openStreams = 2;
    let outputDropped = false;
    let settled = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const signalGroup = (signal: NodeJS.Signals) => {
      if (pid !== undefined) sendToGroup(pid, signal);
    };
    const stop = (reason: 'timeout' | 'abort') => {
      if (stoppedBy !== undefined || exited) return;
      stoppedBy = reason;
      if (request.terminate !== undefined && pid !== undefined) request.terminate(pid);
      else signalGroup('SIGTERM');
      graceTimer = setTimeout(() => signalGroup('SIGKILL'), request.killGraceMs);
    };
    const onAbort = () => stop('abort');

    const settle = (result: ProcessGroupResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      request.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const settleExited = () => {
      const surviving = stoppedBy === undefined && pid !== undefined && groupIsAlive(pid);
      settle({
        exitCode,
        timedOut: stoppedBy === 'timeout',
        cancelled: stoppedBy === 'abort',
        ...(surviving ? { survivingGroup: pid } : {}),
      });
    };

    const splitters: LineSplitter[] = [];
    const follow = (name: 'stdout' | 'stderr', stream: Readable | null) => {
      if (stream === null) return;
      const lines = new LineSplitter((line) => request.onLine(name, line));
      splitters.push(lines);
      stream.on('data', (chunk: Buffer) => {
        if (!outputDropped) lines.push(chunk);
      });
      stream.on('close', () => {
        if (!outputDropped) lines.end();
        openStreams--;
        if (openStreams === 0 && exited) settleExited();
      });
    };
    follow('stdout', child.stdout);
    follow('stderr', child.stderr);

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failed start reports here: we signal the group with process.kill, never with child.kill.
      if (pid !== undefined) return;
      outputDropped = true;
      child.stdout?.destroy();
      child.stderr?.destroy();
      settle({ exitCode: null, timedOut: false, cancelled: false, spawnError: error });
    });
    child.on('exit', (code) => {
      exited = true;
      exitCode = code;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      // The step is over; whatever a stopped step left behind goes too, without another grace period.
      if (stoppedBy !== undefined) signalGroup('SIGKILL');
      if (openStreams === 0) {
        settleExited();
        return;
      }
      drainTimer = setTimeout(() => {
        for (const lines of splitters) lines.end();
        outputDropped = true;
        for (const stream of [child.stdout, child.stderr]) unref(stream);
        settleExited();
      }, OUTPUT_DRAIN_MS);
    });

    if (pid === undefined) return;
    request.onStart?.(pid);
    if (request.timeoutMs !== undefined) timeoutTimer = setTimeout(() => stop('timeout'), request.timeoutMs);
    request.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends `signal` to every process in group `groupId`; a group that is already gone is not an error. */
export function sendToGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}

function groupIsAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (thrown) {
    // EPERM means a member exists that we may not signal; it is still there.
    return (thrown as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lets the event loop (and the CLI) end while a background process still holds the pipe. */
function unref(stream: Readable | null): void {
  if (stream !== null && 'unref' in stream && typeof stream.unref === 'function') stream.unref();
}
