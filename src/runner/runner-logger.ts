/**
 * The structured log the runner writes about itself (not the jobs' logs, which go to the
 * server). A core `Logger` fits. Fields are JSON properties (lease_id, run_id, job, …);
 * tokens and secrets never go into a message or a field.
 */
export interface RunnerLogger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}
