import { createColors } from 'picocolors';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { listRunners } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';

/** `deployctl runners list` */
export async function listRunnersCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await listRunners(openClient(ctx, flags));
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.runners.length === 0) {
    ctx.stdout.write('no runners registered (start one with `deploylite runner`)\n');
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  const rows = value.runners.map((runner) => [
    String(runner.id),
    runner.name,
    runner.online ? c.green('yes') : c.dim('no'),
    runner.labels.length > 0 ? runner.labels.join(',') : '-',
    String(runner.capacity),
    String(runner.running),
    runner.lastSeenAt === null ? 'never' : formatTime(runner.lastSeenAt),
    currentJobs(runner.running, runner.jobs ?? []),
  ]);
  ctx.stdout.write(formatTable(['ID', 'NAME', 'ONLINE', 'LABELS', 'CAPACITY', 'RUNNING', 'LAST SEEN', 'JOBS'], rows));
  return EXIT.success;
}

/** `web#12/build, api#13/test[1]`, and how many more run in projects the caller may not read. */
function currentJobs(running: number, jobs: readonly { runId: number; jobKey: string; project: string }[]): string {
  const shown = jobs.map((job) => `${job.project}#${job.runId}/${job.jobKey}`);
  const hidden = running - jobs.length;
  if (hidden > 0) shown.push(`${hidden} not visible to you`);
  return shown.length > 0 ? shown.join(', ') : '-';
}
