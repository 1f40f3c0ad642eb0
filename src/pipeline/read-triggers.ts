import { Cron } from 'croner';
import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import { compileFilterPattern } from './filter-pattern.js';
import type { PipelineTriggers, PullRequestType } from './model.js';
import { PULL_REQUEST_TYPES } from './model.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, readEntries } from './read-mapping.js';
import { didYouMean } from './suggest.js';
import { describeNode, readBoolean, readTextList, reportType, scalarText, valueTarget } from './read-values.js';

const EVENTS = ['push', 'pull_request', 'schedule', 'manual'] as const;
const DEFAULT_PR_TYPES: readonly PullRequestType[] = ['opened', 'synchronize', 'reopened'];

/** Without `on:`: pushes of every branch and tag, pull requests, manual runs; no schedule. */
export const DEFAULT_TRIGGERS: PipelineTriggers = { schedule: [], push: {}, pullRequest: { types: DEFAULT_PR_TYPES }, manual: true };

/**
 * `on:` as GitHub Actions writes it — `on: push`, `on: [push, pull_request]` or a mapping of
 * events to their filters — for the server's triggers. Cron expressions are checked here, so
 * a bad schedule is a `file:line:col` error rather than a schedule that never fires.
 */
export function readTriggers(ctx: ReadContext, entry: Entry): PipelineTriggers | undefined {
  const { value } = entry;
  if (isScalar(value) || isSeq(value)) {
    const names = readTextList(ctx, entry, 'an event name, a list of them, or a mapping of events', { template: false });
    if (!names) return undefined;
    const triggers: { push?: object; pullRequest?: object } = {};
    for (const { text, node } of names) {
      if (text === 'push') triggers.push = {};
      else if (text === 'pull_request') triggers.pullRequest = { types: DEFAULT_PR_TYPES };
      else if (text === 'manual' || text === 'workflow_dispatch') continue;
      else if (text === 'schedule') ctx.report.error('pipeline.invalid-type', 'the "schedule" event needs its cron expressions: write "on: { schedule: [{ cron: \'0 3 * * *\' }] }"', node);
      else ctx.report.error('pipeline.unknown-event', `unknown event "${text}"${didYouMean(text, EVENTS)}`, node);
    }
    return { schedule: [], ...triggers, manual: true } as PipelineTriggers;
  }
  if (!isMap(value)) return reportType(ctx, entry, 'an event name, a list of them, or a mapping of events');
  const fields = entriesByKey(readEntries(ctx, value, { keys: EVENTS, hints: { workflow_dispatch: 'use "manual"', cron: 'use "schedule: [{ cron: ... }]"' } }));
  const push = fields.get('push');
  const pullRequest = fields.get('pull_request');
  const schedule = fields.get('schedule');
  const manual = fields.get('manual');
  return {
    schedule: schedule ? readSchedule(ctx, schedule) : [],
    ...(push ? { push: readPushFilters(ctx, push) } : {}),
    ...(pullRequest ? { pullRequest: readPullRequestFilters(ctx, pullRequest) } : {}),
    manual: manual ? (readBoolean(ctx, manual) ?? true) : true,
  };
}

function isEmpty(node: Node | undefined): boolean {
  return node === undefined || (isScalar(node) && node.value === null);
}

function readPushFilters(ctx: ReadContext, entry: Entry): { branches?: string[]; tags?: string[] } {
  if (isEmpty(entry.value)) return {};
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping with "branches" and/or "tags"') ?? {};
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['branches', 'tags'] }));
  const branches = patterns(ctx, fields.get('branches'));
  const tags = patterns(ctx, fields.get('tags'));
  return { ...(branches ? { branches } : {}), ...(tags ? { tags } : {}) };
}

function readPullRequestFilters(ctx: ReadContext, entry: Entry): { branches?: string[]; types: PullRequestType[] } {
  if (isEmpty(entry.value)) return { types: [...DEFAULT_PR_TYPES] };
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping with "branches" and/or "types"') ?? { types: [...DEFAULT_PR_TYPES] };
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['branches', 'types'] }));
  const branches = patterns(ctx, fields.get('branches'));
  const typesEntry = fields.get('types');
  const types: PullRequestType[] = [];
  for (const { text, node } of (typesEntry && readTextList(ctx, typesEntry, 'a pull request type or a list of them', { template: false })) ?? []) {
    if ((PULL_REQUEST_TYPES as readonly string[]).includes(text)) types.push(text as PullRequestType);
    else ctx.report.error('pipeline.unknown-type', `unknown pull request type "${text}" (one of ${PULL_REQUEST_TYPES.join(', ')})`, node);
  }
  return { ...(branches ? { branches } : {}), types: typesEntry ? types : [...DEFAULT_PR_TYPES] };
}

/** Branch or tag patterns, each checked here so a typo is an error rather than a filter that never matches. */
function patterns(ctx: ReadContext, entry: Entry | undefined): string[] | undefined {
  if (!entry) return undefined;
  const items = readTextList(ctx, entry, 'a pattern or a list of patterns', { template: false });
  for (const { text, node } of items ?? []) {
    const compiled = compileFilterPattern(text.startsWith('!') ? text.slice(1) : text);
    if (!compiled.ok) ctx.report.error('pipeline.invalid-pattern', `invalid pattern "${text}" in "${entry.key}": ${compiled.message}`, node);
  }
  return items?.map((item) => item.text);
}

function readSchedule(ctx: ReadContext, entry: Entry): PipelineTriggers['schedule'] {
  if (!isSeq(entry.value)) return reportType(ctx, entry, 'a list of { cron: "..." }') ?? [];
  const schedule: PipelineTriggers['schedule'][number][] = [];
  for (const raw of entry.value.items) {
    const item = ctx.tree.resolve(raw);
    if (!isMap(item)) {
      ctx.report.error('pipeline.invalid-type', `each schedule must be a mapping such as { cron: "0 3 * * *" }, got ${describeNode(item)}`, item ?? valueTarget(entry));
      continue;
    }
    const cronEntry = entriesByKey(readEntries(ctx, item, { keys: ['cron'] })).get('cron');
    if (!cronEntry) {
      ctx.report.error('pipeline.missing-key', 'a schedule needs "cron"', item);
      continue;
    }
    const node = cronEntry.value;
    if (!isScalar(node) || typeof node.value !== 'string') {
      reportType(ctx, cronEntry, 'a cron expression such as "0 3 * * *"');
      continue;
    }
    const cron = scalarText(node).trim();
    const problem = cronProblem(cron);
    if (problem) ctx.report.error('pipeline.invalid-cron', `invalid cron expression "${cron}": ${problem}`, node);
    else schedule.push({ cron, position: ctx.report.position(node) });
  }
  return schedule;
}

function cronProblem(cron: string): string | undefined {
  const fields = cron.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `expected 5 fields (minute hour day month weekday), or 6 with seconds first; got ${fields}`;
  try {
    // A valid pattern can still name no real date (`0 0 31 2 *`): say so rather than never run.
    const next = new Cron(cron, { paused: true, timezone: 'UTC' }).nextRun();
    return next === null ? 'it matches no date (check the day of month against the month)' : undefined;
  } catch (thrown) {
    return thrown instanceof Error ? thrown.message.replace(/^CronPattern: /, '') : String(thrown);
  }
}
