import { createColors } from 'picocolors';
import { EXIT } from '../cli-context.js';
import { cancelRun, retryRun } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, parseRunId, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { paintStatus } from './format-run.js';

/** `deployctl cancel RUN`: the server stops its running jobs on their runners. */
export async function cancelCommand(ctx: DeployctlContext, runIdText: string, flags: GlobalFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  const { value: run, raw } = await cancelRun(openClient(ctx, flags), runId);
  if (flags.json) printJson(ctx, raw);
  else ctx.stdout.write(`cancelling run ${run.id} (now ${paintStatus(createColors(ctx.color), run.status)})\n`);
  return EXIT.success;
}

export interface RetryFlags extends GlobalFlags {
  readonly job?: string;
}

/** `deployctl retry RUN [--job KEY]`: re-runs failed and cancelled jobs (or one) and their dependents. */
export async function retryCommand(ctx: DeployctlContext, runIdText: string, flags: RetryFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  const { value: run, raw } = await retryRun(openClient(ctx, flags), runId, flags.job);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  const what = flags.job === undefined ? 'its failed and cancelled jobs' : `job ${flags.job}`;
  ctx.stdout.write(`retrying ${what} and the jobs that need them in run ${run.id} (now ${paintStatus(createColors(ctx.color), run.status)})\n${run.url}\n`);
  return EXIT.success;
}
