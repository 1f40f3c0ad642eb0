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
  ]);
  ctx.stdout.write(formatTable(['ID', 'NAME', 'ONLINE', 'LABELS', 'CAPACITY', 'RUNNING', 'LAST SEEN'], rows));
  return EXIT.success;
}
