import { UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { parseAssignments, parseInputs } from '../parse-assignments.js';
import { triggerRun } from './api-calls.js';
import type { ApiClient } from './api-client.js';
import type { RunWithJobs } from './api-schemas.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson, stoppedWatching, timingOf } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatJobTable, formatRunOutcome } from './format-run.js';
import { createLogLinePrinter } from './log-line-printer.js';
import { watchRun } from './watch-run.js';

export interface RunFlags extends GlobalFlags {
  readonly ref?: string;
  readonly var: string[];
  readonly input: string[];
  readonly workflow?: string;
  readonly follow?: boolean;
  readonly wait?: boolean;
}

/** `deployctl run PROJECT`: starts a run; with --wait / --follow exits by how it ended. */
export async function runCommand(ctx: DeployctlContext, project: string, flags: RunFlags): Promise<number> {
  if (flags.json && flags.follow) {
    throw new UsageError('--json cannot be combined with --follow (use --json --wait, or `deployctl logs RUN -f --json`)');
  }
  const variables = parseAssignments('--var', flags.var);
  const inputs = parseInputs(flags.input);
  const client = openClient(ctx, flags);
  const { value: run, raw } = await triggerRun(client, project, {
    ...(flags.ref !== undefined && { ref: flags.ref }),
    ...(flags.var.length > 0 && { variables }),
    ...(flags.workflow !== undefined && { workflow: flags.workflow }),
    ...(flags.input.length > 0 && { inputs }),
  });
  if (flags.json && !flags.wait) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (!flags.json) {
    ctx.stdout.write(`started run ${run.id} of ${run.project} at ${run.ref} (${run.sha.slice(0, 12)})\n${run.url}\n`);
  }
  if (!flags.wait && !flags.follow) return EXIT.success;
  return waitForRun(ctx, client, run.id, flags);
}

async function waitForRun(ctx: DeployctlContext, client: ApiClient, runId: number, flags: RunFlags): Promise<number> {
  const printer = createLogLinePrinter(ctx.stdout, ctx.color);
  let final: { value: RunWithJobs; raw: unknown };
  try {
    final = await watchRun({
      client,
      runId,
      signal: ctx.signal,
      timing: timingOf(ctx),
      ...(flags.follow && {
        follow: {
          onLine: (job, line) => printer.line(job.key, line),
          onJobEnd: (job, status) => printer.end(job.key, status),
        },
      }),
    });
  } catch (thrown) {
    if (!ctx.signal.aborted) throw thrown;
    stoppedWatching(ctx, runId);
    return EXIT.cancelled;
  }
  if (flags.json) {
    printJson(ctx, final.raw);
  } else {
    ctx.stdout.write(`\n${formatJobTable(final.value, ctx.color)}\n${formatRunOutcome(final.value, ctx.color)}`);
  }
  return exitCodeOf(final.value.status);
}

/** 0 success, 1 failed, 130 cancelled: the codes `deploylite run` uses, for scripts. */
export function exitCodeOf(status: string): number {
  return status === 'success' ? EXIT.success : status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}
