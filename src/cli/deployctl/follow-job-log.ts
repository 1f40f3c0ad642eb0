import { setTimeout as sleep } from 'node:timers/promises';
import { openJobLogEvents } from './api-calls.js';
import type { ApiClient } from './api-client.js';
import { ApiError, BadResponseError } from './api-errors.js';
import type { LogLine } from './api-schemas.js';
import { LogEnd, LogLine as LogLineSchema } from './api-schemas.js';
import type { ServerSentEvent } from './read-server-sent-events.js';
import { readServerSentEvents } from './read-server-sent-events.js';

export interface StreamTiming {
  /** Reconnect when a stream sends nothing for this long (a dead connection looks idle). */
  readonly streamIdleMs: number;
  /** First wait before reconnecting after a failed attempt; doubles up to 5 s. */
  readonly reconnectDelayMs: number;
  /** Attempts in a row without a new line before giving up with the last error. */
  readonly maxReconnects: number;
}

export interface FollowJobLogOptions {
  readonly client: ApiClient;
  /** The job's `id` (`<runId>:<key>`). */
  readonly jobId: string;
  /** Lines up to this `lineNo` were already printed. */
  readonly after: number;
  readonly signal: AbortSignal;
  readonly timing: StreamTiming;
  readonly onLine: (line: LogLine) => void;
}

/**
 * Prints one job's log live from the SSE endpoint until the server sends `end`, and
 * returns the job's final status. When the connection drops (or goes silent) it reconnects
 * with `after` = the last line printed, so no line is printed twice or skipped.
 */
export async function followJobLog(options: FollowJobLogOptions): Promise<string> {
  const { client, jobId, signal, timing } = options;
  let after = options.after;
  let fruitless = 0;
  for (;;) {
    let progressed = false;
    let lastError: unknown;
    try {
      const body = await openJobLogEvents(client, jobId, after, signal);
      for await (const message of readServerSentEvents(body, timing.streamIdleMs)) {
        const parsed = parseMessage(client, jobId, message);
        if (parsed.kind === 'end') return parsed.status;
        if (parsed.kind === 'line' && parsed.line.lineNo > after) {
          options.onLine(parsed.line);
          after = parsed.line.lineNo;
          progressed = true;
        }
      }
      lastError = new Error('the connection closed before the end of the log');
    } catch (thrown) {
      if (signal.aborted) throw signal.reason ?? thrown;
      if (!isWorthRetrying(thrown)) throw thrown;
      lastError = thrown;
    }
    fruitless = progressed ? 0 : fruitless + 1;
    if (fruitless > timing.maxReconnects) throw lastError;
    if (fruitless > 0) await sleep(Math.min(timing.reconnectDelayMs * 2 ** (fruitless - 1), 5000), undefined, { signal });
  }
}

type ParsedMessage = { kind: 'line'; line: LogLine } | { kind: 'end'; status: string } | { kind: 'other' };

/** `event: line` / `event: end`; a server sending plain messages with a `type` works too. */
function parseMessage(client: ApiClient, jobId: string, message: ServerSentEvent): ParsedMessage {
  if (message.event !== 'line' && message.event !== 'end' && message.event !== 'message') return { kind: 'other' };
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new BadResponseError(`the server at ${client.server} sent a log event for job ${jobId} that is not JSON`);
  }
  const type = message.event === 'message' ? (data as { type?: unknown } | null)?.type : message.event;
  if (type === 'line') {
    const line = LogLineSchema.safeParse(data);
    if (line.success) return { kind: 'line', line: line.data };
  } else if (type === 'end') {
    const end = LogEnd.safeParse(data);
    if (end.success) return { kind: 'end', status: end.data.status };
  } else {
    return { kind: 'other' };
  }
  throw new BadResponseError(`the server at ${client.server} sent a malformed "${String(type)}" log event for job ${jobId}`);
}

/** Dropped connections and server hiccups are; a 4xx or a broken contract is not. */
function isWorthRetrying(thrown: unknown): boolean {
  if (thrown instanceof BadResponseError) return false;
  if (thrown instanceof ApiError) return thrown.status >= 500 || thrown.status === 429;
  return true;
}
