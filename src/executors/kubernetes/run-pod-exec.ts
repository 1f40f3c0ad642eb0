import type { Exec, V1Status } from '@kubernetes/client-node';
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { LineSplitter } from '../local/line-splitter.js';
import { apiMessage } from './api-message.js';

export interface PodExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: string[];
  /** Sent on stdin once the connection is open; stdin is never closed (see step-exec.ts). */
  readonly stdin?: Buffer;
  onLine?(stream: 'stdout' | 'stderr', line: string): void;
  /** stdout as the bytes arrive (an archive, not lines); when given, `onLine` sees only stderr. */
  onStdout?(chunk: Buffer): void;
  /** Closes the connection: the result is then an error, as for a connection that broke. */
  readonly signal?: AbortSignal;
}

const STDIN_CHUNK_BYTES = 1024 * 1024;

/** How an exec ended: the exit code from the status channel, or why there is none. */
export interface PodExecResult {
  readonly exitCode: number | null;
  readonly error?: string;
}

/**
 * One command through the pods/exec subresource (client-node's `Exec`: a WebSocket speaking the channel protocol,
 * v5.channel.k8s.io or v4.channel.k8s.io: stdin 0, stdout 1, stderr 2, and on 3 a `Status` when the command ended —
 * `Success`, or `Failure` with reason `NonZeroExitCode` and the code in a cause of reason `ExitCode`). Resolves when
 * that status arrived or the connection closed without one (the pod went away); never throws.
 */
export async function runPodExec(exec: Exec, request: PodExecRequest): Promise<PodExecResult> {
  const sink = (stream: 'stdout' | 'stderr') => {
    const splitter = new LineSplitter((line) => request.onLine?.(stream, line));
    const raw = stream === 'stdout' ? request.onStdout : undefined;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (raw !== undefined) raw(chunk);
        else splitter.push(chunk);
        callback();
      },
      final(callback) {
        splitter.end();
        callback();
      },
    });
  };
  const stdout = sink('stdout');
  const stderr = sink('stderr');
  const stdin = request.stdin !== undefined ? new PassThrough() : null;
  let status: V1Status | undefined;
  let socket: Awaited<ReturnType<Exec['exec']>>;
  try {
    socket = await exec.exec(request.namespace, request.pod, request.container, request.command, stdout, stderr, stdin, false, (received) => (status = received));
  } catch (thrown) {
    return { exitCode: null, error: `the exec in pod ${request.pod} could not be started: ${apiMessage(thrown)}` };
  }
  // One WebSocket message per chunk: API servers cap a message's size (32 MiB in Go's x/net/websocket).
  for (let offset = 0; stdin !== null && request.stdin !== undefined && offset < request.stdin.length; offset += STDIN_CHUNK_BYTES) {
    stdin.write(request.stdin.subarray(offset, offset + STDIN_CHUNK_BYTES));
  }
  const close = () => socket.close();
  request.signal?.addEventListener('abort', close, { once: true });
  if (request.signal?.aborted) close();
  await new Promise<void>((done) => {
    if (socket.readyState === socket.CLOSED) return done();
    socket.addEventListener('close', () => done());
  });
  request.signal?.removeEventListener('abort', close);
  // The client ends both streams when the status arrives; make sure their last partial lines are out either way.
  await Promise.all(
    [stdout, stderr].map((stream) => {
      if (!stream.writableEnded) stream.end();
      return finished(stream);
    }),
  );
  return exitOf(status);
}

/** The exit code a `Status` from the status channel carries. */
export function exitOf(status: V1Status | undefined): PodExecResult {
  if (status === undefined) return { exitCode: null, error: 'the exec connection closed before the command ended (was the pod deleted?)' };
  if (status.status === 'Success') return { exitCode: 0 };
  const cause = status.details?.causes?.find((entry) => entry.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number.parseInt(cause.message, 10) : Number.NaN;
  if (status.reason === 'NonZeroExitCode' && Number.isInteger(code)) return { exitCode: code };
  return { exitCode: null, error: `the exec failed: ${status.message ?? status.reason ?? 'unknown error'}` };
}
