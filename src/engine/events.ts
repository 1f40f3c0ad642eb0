import type { JobRecord, LogStream, RunRecord } from './run-store.js';

/**
 * What the engine tells its observer (the CLI's printer, later the server's live-update
 * hub) while a run goes on. Text in events is already masked.
 */
export type EngineEvent =
  | { readonly type: 'run:started'; readonly run: RunRecord }
  | { readonly type: 'job:started'; readonly job: JobRecord }
  | { readonly type: 'job:finished'; readonly job: JobRecord }
  | { readonly type: 'log:line'; readonly job: JobRecord; readonly stream: LogStream; readonly text: string }
  | { readonly type: 'run:finished'; readonly run: RunRecord };

export type EngineObserver = (event: EngineEvent) => void;
