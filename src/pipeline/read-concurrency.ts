import { isMap, isScalar } from 'yaml';
import { templateContexts } from './expressions/index.js';
import type { ConcurrencySpec } from './model.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, readEntries } from './read-mapping.js';
import { readBoolean, readText, reportType, valueTarget } from './read-values.js';

/** `concurrency: group` or `concurrency: { group, cancel-in-progress }`, as in GitHub Actions. */
export function readConcurrency(ctx: ReadContext, entry: Entry): ConcurrencySpec | undefined {
  if (isScalar(entry.value) && entry.value.value !== null) {
    const group = readGroup(ctx, entry);
    return group === undefined ? undefined : { group, cancelInProgress: false };
  }
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a group name or a mapping with "group" and "cancel-in-progress"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['group', 'cancel-in-progress'] }));
  const groupEntry = fields.get('group');
  if (!groupEntry) {
    ctx.report.error('pipeline.missing-key', '"concurrency" needs a "group"', entry.keyNode);
    return undefined;
  }
  const group = readGroup(ctx, groupEntry);
  const cancelEntry = fields.get('cancel-in-progress');
  const cancelInProgress = cancelEntry ? readBoolean(ctx, cancelEntry) : false;
  if (group === undefined || cancelInProgress === undefined) return undefined;
  return { group, cancelInProgress };
}

/**
 * The server names the group when it queues a run, before any job exists: only these
 * contexts have values then. Anything else would be null, so `${{ github.ref }}` (GitHub's
 * spelling) would silently put every run in one group, and `secrets` would put a secret into
 * a name the API shows.
 */
const GROUP_CONTEXTS = ['trigger', 'vars', 'env'];
const CONTEXT_HINTS: Readonly<Record<string, string>> = { github: '; write trigger.ref, trigger.branch or trigger.event' };

/** The group's text; an empty one would put every run of every pipeline in one nameless group. */
function readGroup(ctx: ReadContext, entry: Entry): string | undefined {
  const group = readText(ctx, entry);
  if (group === undefined) return undefined;
  const at = valueTarget(entry);
  if (group.trim() === '') {
    ctx.report.error('pipeline.invalid-value', '"concurrency" needs a non-empty group', at);
    return undefined;
  }
  const unavailable = [...templateContexts(group)].filter((name) => !GROUP_CONTEXTS.includes(name));
  for (const name of unavailable) {
    const hint = Object.hasOwn(CONTEXT_HINTS, name) ? CONTEXT_HINTS[name] : '';
    ctx.report.error('pipeline.unavailable-context', `the concurrency group can use only the trigger, vars and env contexts, not "${name}"${hint}`, at);
  }
  return unavailable.length === 0 ? group : undefined;
}
