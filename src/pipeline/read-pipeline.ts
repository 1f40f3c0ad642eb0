import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { envNameProblem } from './identifiers.js';
import type { ConcurrencySpec, PipelineDefaults, PipelineTriggers } from './model.js';
import { readConcurrency } from './read-concurrency.js';
import { DEFAULT_TRIGGERS, readTriggers } from './read-triggers.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, readEntries } from './read-mapping.js';
import type { ReadJob } from './read-job.js';
import { readJob } from './read-job.js';
import { readRetry } from './read-retry.js';
import { describeNode, readDuration, readText, readTextMap, reportType } from './read-values.js';

/** The top level as read: everything but the checks that need all jobs at once. */
export interface ReadPipeline {
  readonly name?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly defaults: PipelineDefaults;
  readonly triggers: PipelineTriggers;
  readonly concurrency?: ConcurrencySpec;
  readonly jobs: readonly ReadJob[];
  /** Each job id with the key node that defines it, in file order, invalid jobs included. */
  readonly jobKeys: ReadonlyMap<string, Node>;
}

const TOP_KEYS = ['name', 'on', 'concurrency', 'env', 'defaults', 'jobs'] as const;
const TOP_HINTS: Readonly<Record<string, string>> = {
  stages: 'order jobs with "needs"',
  variables: 'use "env"',
};

export function readPipeline(ctx: ReadContext, root: Node | undefined): ReadPipeline | undefined {
  if (root === undefined || (isScalar(root) && root.value === null)) {
    ctx.report.error('pipeline.empty', 'the pipeline file is empty: it needs at least a "jobs" mapping', 0);
    return undefined;
  }
  if (!isMap(root)) {
    ctx.report.error('pipeline.not-a-mapping', `a pipeline must be a mapping with keys such as "name" and "jobs", got ${describeNode(root)}`, root);
    return undefined;
  }
  // `x-` keys are free for YAML anchors to live in, as in Docker Compose files.
  const entries = readEntries(ctx, root, { keys: TOP_KEYS, hints: TOP_HINTS, allow: (key) => key.startsWith('x-') });
  const fields = entriesByKey(entries);

  const nameEntry = fields.get('name');
  const name = nameEntry && readText(ctx, nameEntry, { template: false });
  const envEntry = fields.get('env');
  const env = (envEntry && readTextMap(ctx, envEntry, { checkName: envNameProblem })) ?? {};
  const defaultsEntry = fields.get('defaults');
  const defaults: PipelineDefaults = (defaultsEntry && readDefaults(ctx, defaultsEntry)) ?? {};

  const onEntry = fields.get('on');
  const triggers = (onEntry && readTriggers(ctx, onEntry)) ?? DEFAULT_TRIGGERS;
  const concurrencyEntry = fields.get('concurrency');
  const concurrency = concurrencyEntry && readConcurrency(ctx, concurrencyEntry);

  const jobsEntry = fields.get('jobs');
  const jobs: ReadJob[] = [];
  const jobKeys = new Map<string, Node>();
  if (!jobsEntry) {
    ctx.report.error('pipeline.no-jobs', 'a pipeline needs "jobs", a mapping of job ids to jobs', root);
  } else if (!isMap(jobsEntry.value)) {
    reportType(ctx, jobsEntry, 'a mapping of job ids to jobs');
  } else {
    const jobEntries = readEntries(ctx, jobsEntry.value, {
      duplicate: (id, firstLine) => `duplicate job id "${id}" (first defined at line ${firstLine})`,
      duplicateCode: 'pipeline.duplicate-job',
    });
    if (jobEntries.length === 0) ctx.report.error('pipeline.no-jobs', '"jobs" must define at least one job', jobsEntry.keyNode);
    for (const entry of jobEntries) {
      jobKeys.set(entry.key, entry.keyNode);
      const job = readJob(ctx, entry.key, entry.keyNode, entry.value);
      if (job) jobs.push(job);
    }
  }
  return { ...(name === undefined ? {} : { name }), env, defaults, triggers, ...(concurrency ? { concurrency } : {}), jobs, jobKeys };
}

function readDefaults(ctx: ReadContext, entry: Entry): PipelineDefaults | undefined {
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping with "timeout" and/or "retry"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['timeout', 'retry'], hints: { 'timeout-minutes': 'use "timeout" with a duration such as 10m' } }));
  const timeout = fields.get('timeout');
  const retry = fields.get('retry');
  const timeoutMs = timeout && readDuration(ctx, timeout, { positive: true });
  const retryPolicy = retry && readRetry(ctx, retry);
  return { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(retryPolicy === undefined ? {} : { retry: retryPolicy }) };
}
