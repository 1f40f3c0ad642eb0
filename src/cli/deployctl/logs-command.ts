import { UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { getJobLogs, getRun } from './api-calls.js';
import type { ApiClient } from './api-client.js';
import type { Job, LogLine, RunWithJobs } from './api-schemas.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, parseRunId, stoppedWatching, timingOf } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { createLogLinePrinter } from './log-line-printer.js';
import { watchRun } from './watch-run.js';

export interface LogsFlags extends GlobalFlags {
  readonly job?: string;
  readonly follow?: boolean;
}

/**
 * `deployctl logs RUN [--job KEY] [-f]`: the stored log of every job (or one) in the run's
 * order; with -f, live until the jobs end. `--json` prints one JSON object per line: the
 * API's log line plus `job`, its job key.
 */
export async function logsCommand(ctx: DeployctlContext, runIdText: string, flags: LogsFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  const client = openClient(ctx, flags);
  const run = (await getRun(client, runId)).value;
  const select = jobSelector(run, flags.job);
  const print = linePrinter(ctx, flags.json === true);
  if (!flags.follow) {
    for (const job of run.jobs.filter(select)) await printStoredLog(client, runId, job, print);
    return EXIT.success;
  }
  try {
    await watchRun({ client, runId, signal: ctx.signal, timing: timingOf(ctx), follow: { select, onLine: print } });
  } catch (thrown) {
    if (!ctx.signal.aborted) throw thrown;
    stoppedWatching(ctx, runId);
    return EXIT.cancelled;
  }
  return EXIT.success;
}

/** `--job` names a job instance by key (`test (node 20)`) or all instances of a job by id (`test`). */
function jobSelector(run: RunWithJobs, wanted: string | undefined): (job: Job) => boolean {
  if (wanted === undefined) return () => true;
  const select = (job: Job) => job.key === wanted || job.jobId === wanted;
  if (!run.jobs.some(select)) {
    const keys = run.jobs.map((job) => job.key);
    throw new UsageError(`run ${run.id} has no job "${wanted}" (jobs: ${keys.length > 0 ? keys.join(', ') : 'none yet'})`);
  }
  return select;
}

type PrintLine = (job: Job, line: LogLine) => void;

function linePrinter(ctx: DeployctlContext, json: boolean): PrintLine {
  if (json) return (job, line) => ctx.stdout.write(JSON.stringify({ job: job.key, ...line }) + '\n');
  const printer = createLogLinePrinter(ctx.stdout, ctx.color);
  return (job, line) => printer.line(job.key, line);
}

/** Pages through `GET …/logs?after=` until the log is complete or has nothing more yet. */
async function printStoredLog(client: ApiClient, runId: number, job: Job, print: PrintLine): Promise<void> {
  let after = 0;
  for (;;) {
    const page = (await getJobLogs(client, runId, job.key, after)).value;
    const before = after;
    for (const line of page.lines) {
      if (line.lineNo <= after) continue; // never print a line twice, whatever the server sends
      print(job, line);
      after = line.lineNo;
    }
    // A page that brings nothing new ends the loop too: a running job's log so far is all there is.
    if (page.complete || after === before) return;
  }
}
