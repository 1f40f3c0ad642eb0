import { EXIT } from '../cli-context.js';
import { getRun } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, parseRunId, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatJobTable, formatRunHeader } from './format-run.js';

/** `deployctl status RUN`: the run and one row per job. */
export async function statusCommand(ctx: DeployctlContext, runIdText: string, flags: GlobalFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  const { value: run, raw } = await getRun(openClient(ctx, flags), runId);
  if (flags.json) printJson(ctx, raw);
  else ctx.stdout.write(`${formatRunHeader(run, ctx.color)}\n${formatJobTable(run, ctx.color)}`);
  return EXIT.success;
}
