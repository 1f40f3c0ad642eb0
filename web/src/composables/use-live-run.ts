import type { Ref } from 'vue';
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { api, describeError } from '../api/api';
import { readServerSentEvents } from '../api/event-stream';
import { ApiError } from '../api/http';
import type { RunWithJobs } from '../api/types';
import { isFinal } from '../lib/status';

/**
 * How the page learns of changes: `connecting` before the first state arrived, `live` while
 * the server pushes them, `polling` while the stream is down and the page asks every
 * POLL_MS instead, `finished` once the run is final (nothing changes any more).
 */
export type LiveMode = 'connecting' | 'live' | 'polling' | 'finished';

const POLL_MS = 2000;
/** A dropped stream gets this long to come back before polling starts (and the note shows). */
const FALLBACK_AFTER_MS = 2000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface LiveRun {
  readonly mode: Ref<LiveMode>;
  /** Why the run cannot be shown (it does not exist, the caller may not see it), or null. */
  readonly error: Ref<string | null>;
  /** Follow again from the current state: after the user retried a finished run. */
  readonly restart: () => void;
}

/**
 * Follows a run through its event stream (GET /api/v1/runs/{id}/events): `onRun` gets the
 * run with its jobs at once and whenever it changes, with no request of the page's own. When
 * the stream breaks, it is opened again (backing off from 0.5 s to 30 s); if it stays down
 * for FALLBACK_AFTER_MS the run is polled meanwhile, and `mode` says so for the page to show.
 * A refusal (404, 403) is not retried: it is the answer.
 */
export function useLiveRun(runId: () => number, onRun: (run: RunWithJobs) => void): LiveRun {
  const mode = ref<LiveMode>('connecting');
  const error = ref<string | null>(null);
  let stream: AbortController | undefined;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let fallbackTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const clearTimers = () => {
    clearTimeout(retryTimer);
    clearTimeout(fallbackTimer);
    clearTimeout(pollTimer);
    fallbackTimer = undefined;
    pollTimer = undefined;
  };

  const finish = () => {
    clearTimers();
    mode.value = 'finished';
  };

  const receive = (run: RunWithJobs) => {
    error.value = null;
    onRun(run);
  };

  const open = async (): Promise<void> => {
    stream?.abort();
    const controller = new AbortController();
    stream = controller;
    let ended = false;
    try {
      const response = await api.runEvents(runId(), controller.signal);
      if (controller.signal.aborted) return;
      clearTimeout(fallbackTimer);
      fallbackTimer = undefined;
      clearTimeout(pollTimer);
      pollTimer = undefined;
      retryMs = RETRY_MIN_MS;
      mode.value = 'live';
      await readServerSentEvents(response, (event) => {
        if (event.event === 'run') receive(JSON.parse(event.data) as RunWithJobs);
        else if (event.event === 'end') ended = true;
      });
    } catch (thrown) {
      if (controller.signal.aborted || stopped) return;
      if (thrown instanceof ApiError && thrown.status >= 400 && thrown.status < 500) {
        error.value = describeError(thrown);
        return finish();
      }
    }
    if (controller.signal.aborted || stopped) return;
    if (ended) return finish();
    broken();
  };

  /** The stream closed before the run finished (a server restart, a proxy timeout, the network). */
  const broken = () => {
    if (mode.value === 'live' || mode.value === 'connecting') fallbackTimer ??= setTimeout(poll, FALLBACK_AFTER_MS);
    retryTimer = setTimeout(() => void open(), retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  };

  const poll = async (): Promise<void> => {
    fallbackTimer = undefined;
    if (stopped || mode.value === 'live' || mode.value === 'finished') return;
    mode.value = 'polling';
    try {
      const run = await api.run(runId());
      if (mode.value !== 'polling') return;
      receive(run);
      if (isFinal(run.status)) {
        stream?.abort();
        return finish();
      }
    } catch (thrown) {
      error.value = describeError(thrown);
    }
    if (mode.value === 'polling' && !stopped) pollTimer = setTimeout(() => void poll(), POLL_MS);
  };

  const restart = () => {
    clearTimers();
    retryMs = RETRY_MIN_MS;
    mode.value = 'connecting';
    void open();
  };

  onMounted(restart);
  onBeforeUnmount(() => {
    stopped = true;
    clearTimers();
    stream?.abort();
  });
  return { mode, error, restart };
}
