import { isMap, isScalar } from 'yaml';
import type { ConcurrencySpec } from './model.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, readEntries } from './read-mapping.js';
import { readBoolean, readText, reportType } from './read-values.js';

/** `concurrency: group` or `concurrency: { group, cancel-in-progress }`, as in GitHub Actions. */
export function readConcurrency(ctx: ReadContext, entry: Entry): ConcurrencySpec | undefined {
  if (isScalar(entry.value) && entry.value.value !== null) {
    const group = readText(ctx, entry);
    return group === undefined ? undefined : { group, cancelInProgress: false };
  }
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a group name or a mapping with "group" and "cancel-in-progress"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['group', 'cancel-in-progress'] }));
  const groupEntry = fields.get('group');
  if (!groupEntry) {
    ctx.report.error('pipeline.missing-key', '"concurrency" needs a "group"', entry.keyNode);
    return undefined;
  }
  const group = readText(ctx, groupEntry);
  const cancelEntry = fields.get('cancel-in-progress');
  const cancelInProgress = cancelEntry ? readBoolean(ctx, cancelEntry) : false;
  if (group === undefined || cancelInProgress === undefined) return undefined;
  return { group, cancelInProgress };
}
