import { resolve } from 'node:path';
import { UsageError } from '../core/index.js';
import type { ActionSources } from '../workflows/index.js';
import { addStoredAction, listStoredActions } from '../workflows/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';

/** Where a workflow's actions come from: `./dir` in the current checkout, `owner/repo@ref` in the action store. */
export function actionSources(ctx: CliContext, actionsDir?: string): ActionSources {
  const storeDir = actionsDir !== undefined ? resolve(ctx.cwd, actionsDir) : ctx.actionStoreDir;
  return { workspace: ctx.cwd, ...(storeDir !== undefined ? { storeDir } : {}) };
}

function requireStore(ctx: CliContext, actionsDir: string | undefined): string {
  const { storeDir } = actionSources(ctx, actionsDir);
  if (storeDir === undefined) throw new UsageError('no action store: set DEPLOYLITE_ACTIONS_DIR or pass --actions-dir');
  return storeDir;
}

/** `deploylite actions add OWNER/REPO@REF --from DIR`: keep a copy of an action checkout for `uses:`. */
export function actionsAddCommand(ctx: CliContext, name: string, flags: { from?: string; actionsDir?: string }): number {
  if (flags.from === undefined) throw new UsageError('actions add needs --from DIR: a checkout of the action at that ref');
  const stored = addStoredAction(requireStore(ctx, flags.actionsDir), name, resolve(ctx.cwd, flags.from));
  ctx.stdout.write(`added ${stored.name} (${stored.dir}); workflows can now say uses: ${stored.name}\n`);
  return EXIT.success;
}

/** `deploylite actions list`: the stored actions, one `owner/repo@ref  DIR` per line. */
export function actionsListCommand(ctx: CliContext, flags: { actionsDir?: string }): number {
  const storeDir = requireStore(ctx, flags.actionsDir);
  const actions = listStoredActions(storeDir);
  if (actions.length === 0) ctx.stdout.write(`no actions in ${storeDir} (add one with: deploylite actions add OWNER/REPO@REF --from DIR)\n`);
  const width = Math.max(0, ...actions.map((action) => action.name.length));
  for (const action of actions) ctx.stdout.write(`${action.name.padEnd(width)}  ${action.dir}\n`);
  return EXIT.success;
}
