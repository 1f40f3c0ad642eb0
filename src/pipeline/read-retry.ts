import { isMap, isScalar } from 'yaml';
import type { RetryPolicy } from './model.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, readEntries } from './read-mapping.js';
import { describeNode, readDuration, readInteger, reportType, valueTarget } from './read-values.js';

export const RETRY_DEFAULTS = { backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000 } as const;
const RETRY_KEYS = ['max', 'backoff', 'delay', 'max-delay'] as const;
const BACKOFFS = ['exponential', 'fixed'] as const;

/**
 * `retry: 2` (shorthand for `{ max: 2 }`) or `retry: { max, backoff, delay, max-delay }`,
 * with exponential backoff from 1s capped at 60s by default.
 */
export function readRetry(ctx: ReadContext, entry: Entry): RetryPolicy | undefined {
  const { value } = entry;
  if (isScalar(value) && typeof value.value === 'number') {
    const max = readInteger(ctx, entry, 0);
    return max === undefined ? undefined : { max, ...RETRY_DEFAULTS };
  }
  if (!isMap(value)) return reportType(ctx, entry, 'a number of retries or a mapping with "max"');

  const fields = entriesByKey(readEntries(ctx, value, { keys: RETRY_KEYS }));
  const maxEntry = fields.get('max');
  if (!maxEntry) ctx.report.error('pipeline.missing-key', `"${entry.key}" needs "max", the number of retries after the first attempt`, entry.keyNode);
  const max = maxEntry && readInteger(ctx, maxEntry, 0);

  let backoff: RetryPolicy['backoff'] = RETRY_DEFAULTS.backoff;
  const backoffEntry = fields.get('backoff');
  if (backoffEntry) {
    const written = backoffEntry.value;
    const known = isScalar(written) ? BACKOFFS.find((b) => b === written.value) : undefined;
    if (known) backoff = known;
    else {
      ctx.report.error('pipeline.invalid-value', `"backoff" must be exponential or fixed, got ${describeNode(written)}`, valueTarget(backoffEntry));
    }
  }
  const delayEntry = fields.get('delay');
  const delayMs = delayEntry ? readDuration(ctx, delayEntry) : RETRY_DEFAULTS.delayMs;
  const maxDelayEntry = fields.get('max-delay');
  const maxDelayMs = maxDelayEntry ? readDuration(ctx, maxDelayEntry) : RETRY_DEFAULTS.maxDelayMs;

  if (max === undefined || delayMs === undefined || maxDelayMs === undefined) return undefined;
  return { max, backoff, delayMs, maxDelayMs };
}
