import { api } from '../api/api';
import { ApiError } from '../api/http';
import type { LogLine } from '../api/types';
import { accessToken } from '../auth/session';
import { newLines } from './log-buffer';

export type FollowState = 'loading' | 'live' | 'reconnecting' | 'complete' | 'not-started' | 'error';

export interface FollowHandlers {
  /** New lines, in order, never one already delivered. */
  readonly lines: (lines: LogLine[]) => void;
  readonly state: (state: FollowState, message?: string) => void;
}

// Stored lines are read 5,000 at a time (the API allows 10,000): a 100,000-line log in 20 requests.
const PAGE = 5000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;

/**
 * Shows a job's log: the stored lines page by page (GET …/logs), then, unless the job is
 * finished, its live WebSocket (`/api/v1/logs/{runId}:{key}/stream`, authenticated with the
 * `bearer.<token>` subprotocol since a browser cannot set headers on a WebSocket). The stream
 * is opened with `after` = the last line held, so it sends only what is new; when the
 * connection drops it is opened again from there (with a fresh access token), backing off
 * from 0.5 s to 5 s. Returns a function that stops following.
 */
export function followJobLog(runId: number, key: string, handlers: FollowHandlers): () => void {
  let last = 0;
  let stopped = false;
  let socket: WebSocket | undefined;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const deliver = (incoming: readonly LogLine[]) => {
    const fresh = newLines(last, incoming);
    if (fresh.length === 0) return;
    last = (fresh[fresh.length - 1] as LogLine).lineNo;
    handlers.lines(fresh);
  };

  const retry = (state: FollowState, message: string | undefined, next: () => Promise<void>) => {
    if (stopped) return;
    handlers.state(state, message);
    retryTimer = setTimeout(() => void next(), retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  };

  const readStored = async (): Promise<void> => {
    try {
      for (;;) {
        const page = await api.logPage(runId, key, last, PAGE);
        if (stopped) return;
        deliver(page.lines);
        if (page.complete) return handlers.state('complete');
        if (page.lines.length < PAGE) break;
      }
    } catch (thrown) {
      // The job has no record yet (its needs are still running): look again shortly.
      if (thrown instanceof ApiError && thrown.status === 404) return retry('not-started', undefined, readStored);
      if (thrown instanceof ApiError && thrown.status !== 0) return handlers.state('error', thrown.message);
      return retry('reconnecting', undefined, readStored);
    }
    await openStream();
  };

  const openStream = async (): Promise<void> => {
    const token = await accessToken();
    if (stopped) return;
    if (!token) return handlers.state('error', 'You are not signed in.');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/api/v1/logs/${encodeURIComponent(`${runId}:${key}`)}/stream?after=${last}`;
    let ended = false;
    socket = new WebSocket(url, [`bearer.${token}`]);
    socket.onopen = () => {
      retryMs = RETRY_MIN_MS;
      handlers.state('live');
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as ({ type: 'line' } & LogLine) | { type: 'end'; status: string };
      if (message.type === 'line') {
        const { lineNo, stream, time, text } = message;
        deliver([{ lineNo, stream, time, text }]);
      } else {
        ended = true;
        handlers.state('complete');
      }
    };
    // A refused upgrade (an expired token, the server restarting) and a dropped connection
    // look the same to a browser: resume from the last line held, with a fresh token.
    socket.onclose = () => {
      socket = undefined;
      if (!ended) retry('reconnecting', undefined, openStream);
    };
  };

  handlers.state('loading');
  void readStored();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    socket?.close();
  };
}
