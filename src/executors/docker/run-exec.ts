import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineSplitter } from '../local/line-splitter.js';

export interface ExecRequest {
  readonly cmd: readonly string[];
  readonly env?: readonly string[];
  readonly onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** A command running in a container through `exec`. */
export interface RunningExec {
  /** The exit code (null when the engine has none), once the command ended and its output was delivered. */
  readonly finished: Promise<number | null>;
  /** Stops waiting for output: for a command that was killed and whose output may never end. */
  abandon(): void;
}

/**
 * After the command exited, how long its output may still take to arrive. A process it started in the background
 * (`server &`) inherits its stdout and can hold the attach stream open for as long as it lives; the step must not
 * wait for it (GitHub's runner does not either).
 */
const OUTPUT_DRAIN_MS = 300;
/** How often a long command is asked whether it still runs; short ones end through their stream alone. */
const POLL_MS = 500;

/**
 * Runs `cmd` by `exec` in a running container, with stdout and stderr demultiplexed from the engine's framed stream
 * (no TTY: the two stay apart) and delivered as lines. The exit code comes from inspecting the exec afterwards.
 */
export async function runExec(docker: Docker, container: Docker.Container, request: ExecRequest): Promise<RunningExec> {
  const exec = await container.exec({
    Cmd: [...request.cmd],
    ...(request.env !== undefined ? { Env: [...request.env] } : {}),
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: false,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  const onLine = request.onLine ?? (() => {});
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outSplitter = new LineSplitter((line) => onLine('stdout', line));
  const errSplitter = new LineSplitter((line) => onLine('stderr', line));
  stdout.on('data', (chunk: Buffer) => outSplitter.push(chunk));
  stderr.on('data', (chunk: Buffer) => errSplitter.push(chunk));
  docker.modem.demuxStream(stream, stdout, stderr);

  let settled = false;
  const ended = new Promise<void>((resolve) => {
    const done = () => {
      if (settled) return;
      settled = true;
      outSplitter.end();
      errSplitter.end();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  const abandon = () => {
    if (!settled) stream.destroy();
  };
  const watchExit = async (): Promise<void> => {
    await sleep(POLL_MS * 2);
    while (!settled) {
      const state = await exec.inspect().catch(() => undefined);
      if (state === undefined || !state.Running) {
        await Promise.race([ended, sleep(OUTPUT_DRAIN_MS)]);
        abandon();
        return;
      }
      await Promise.race([ended, sleep(POLL_MS)]);
    }
  };
  void watchExit();
  const finished = ended.then(async () => {
    // Gone with its container (removed from outside, PID 1 killed by the OOM killer): no exit code to report.
    const state = await exec.inspect().catch(() => undefined);
    if (state === undefined) return null;
    // The stream can end a moment before the engine records the exit; ask again briefly.
    for (let tries = 0; state.Running && tries < 20; tries++) {
      await sleep(25);
      Object.assign(state, await exec.inspect().catch(() => ({ Running: false })));
    }
    return typeof state.ExitCode === 'number' ? state.ExitCode : null;
  });
  return { finished, abandon };
}

/** Runs a short command to its end and returns its exit code and output (for health checks and resets). */
export async function execOnce(docker: Docker, container: Docker.Container, cmd: readonly string[], timeoutMs = 10_000): Promise<{ exitCode: number | null; output: string }> {
  const lines: string[] = [];
  const running = await runExec(docker, container, { cmd, onLine: (_stream, line) => lines.push(line) });
  const timer = setTimeout(() => running.abandon(), timeoutMs);
  try {
    return { exitCode: await running.finished, output: lines.join('\n') };
  } finally {
    clearTimeout(timer);
  }
}
