import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';
import { actionSources } from './actions-command.js';
import { loadPipeline } from './load-pipeline.js';

/** `deploylite validate FILE...`: every problem of every file at once; exit 2 when any. */
export async function validateCommand(ctx: CliContext, files: readonly string[], actionsDir?: string): Promise<number> {
  let invalid = 0;
  for (const file of files) {
    const loaded = await loadPipeline(file, ctx.stderr, actionSources(ctx, actionsDir));
    if (loaded.ok) ctx.stdout.write(`${file}: ok (${loaded.pipeline.jobs.length} jobs)\n`);
    else invalid++;
  }
  return invalid > 0 ? EXIT.invalid : EXIT.success;
}
