import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import { envNameProblem, idProblem } from './identifiers.js';
import type { JobSpec, StepSpec } from './model.js';
import { readCondition } from './read-condition.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, readEntries } from './read-mapping.js';
import { readMatrix } from './read-matrix.js';
import { readRetry } from './read-retry.js';
import { readServices } from './read-services.js';
import { readStep } from './read-step.js';
import { describeNode, readBoolean, readDuration, readInteger, readText, readTextList, readTextMap, reportType, valueTarget } from './read-values.js';
import { defaultJob } from './default-job.js';
import { parseExpireIn } from './expire-in.js';

/** A job as read, with the nodes of its `needs` so unknown jobs can be pointed at. */
export interface ReadJob {
  readonly spec: JobSpec;
  readonly needs: readonly { readonly text: string; readonly node: Node }[];
}

const JOB_KEYS = [
  'name', 'needs', 'if', 'env', 'steps', 'matrix', 'fail-fast', 'max-parallel', 'timeout', 'retry',
  'continue-on-error', 'outputs', 'rollback', 'artifacts', 'cache', 'runs-on', 'image', 'environment',
  'network', 'services', 'reuse-container',
] as const;

/** Environment names are also secret scopes and API path segments: no dots, slashes or spaces. */
const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Advice for keys that users of GitHub Actions and GitLab CI write out of habit. */
const JOB_HINTS: Readonly<Record<string, string>> = {
  strategy: '"matrix", "fail-fast" and "max-parallel" go directly on the job',
  'timeout-minutes': 'use "timeout" with a duration such as 10m',
  dependencies: 'use "needs"',
  depends_on: 'use "needs"',
  'depends-on': 'use "needs"',
  script: 'use "steps", each with a "run"',
};

/** Reads one job of `jobs:`; undefined when it is not even a mapping (reported). */
export function readJob(ctx: ReadContext, id: string, keyNode: Node, node: Node | undefined): ReadJob | undefined {
  const idError = idProblem('job', id);
  if (idError !== undefined) ctx.report.error('pipeline.invalid-id', idError, keyNode);
  if (!isMap(node)) {
    ctx.report.error('pipeline.invalid-type', `job "${id}" must be a mapping with "steps", got ${describeNode(node)}`, node?.range ? node : keyNode);
    return undefined;
  }
  const fields = entriesByKey(readEntries(ctx, node, { keys: JOB_KEYS, hints: JOB_HINTS }));
  const job = defaultJob(id, ctx.report.position(keyNode));
  // Fields with errors keep their defaults: the job still takes part in the checks across
  // jobs (unknown needs, cycles), and no pipeline is produced from a file with errors.
  const take = <T>(read: T | undefined, assign: (value: T) => void) => {
    if (read !== undefined) assign(read);
  };
  const field = (key: (typeof JOB_KEYS)[number]) => fields.get(key);
  const stepIds = new Map<string, number>();

  let needs: { text: string; node: Node }[] = [];
  const needsEntry = field('needs');
  if (needsEntry) take(readTextList(ctx, needsEntry, 'a job id or a list of job ids', { template: false }), (v) => (needs = uniqueNeeds(ctx, v)));
  job.needs = needs.map((need) => need.text);

  const name = field('name');
  if (name) take(readText(ctx, name), (v) => (job.name = v));
  const condition = field('if');
  if (condition) take(readCondition(ctx, condition), (v) => (job.if = v));
  const env = field('env');
  if (env) take(readTextMap(ctx, env, { checkName: envNameProblem }), (v) => (job.env = v));

  const steps = field('steps');
  if (!steps) {
    ctx.report.error('pipeline.no-steps', `job "${id}" has no steps`, keyNode);
  } else {
    take(readSteps(ctx, steps, stepIds, { required: true, jobId: id }), (v) => (job.steps = v));
  }
  const rollback = field('rollback');
  if (rollback) take(readSteps(ctx, rollback, stepIds, { required: false, jobId: id }), (v) => (job.rollback = v));

  const matrix = field('matrix');
  if (matrix) take(readMatrix(ctx, matrix), (v) => (job.matrix = v));
  const failFast = field('fail-fast');
  if (failFast) take(readBoolean(ctx, failFast), (v) => (job.failFast = v));
  const maxParallel = field('max-parallel');
  if (maxParallel) take(readInteger(ctx, maxParallel, 1), (v) => (job.maxParallel = v));
  const timeout = field('timeout');
  if (timeout) take(readDuration(ctx, timeout, { positive: true }), (v) => (job.timeoutMs = v));
  const retry = field('retry');
  if (retry) take(readRetry(ctx, retry), (v) => (job.retry = v));
  const continueOnError = field('continue-on-error');
  if (continueOnError) take(readBoolean(ctx, continueOnError), (v) => (job.continueOnError = v));
  const outputs = field('outputs');
  if (outputs) take(readTextMap(ctx, outputs, { checkName: (n) => idProblem('output', n) }), (v) => (job.outputs = v));
  const artifacts = field('artifacts');
  if (artifacts) take(readArtifacts(ctx, artifacts), (v) => (job.artifacts = v));
  const cache = field('cache');
  if (cache) take(readCache(ctx, cache), (v) => (job.cache = v));
  const runsOn = field('runs-on');
  if (runsOn) take(readTextList(ctx, runsOn, 'a runner label or a list of labels'), (v) => (job.runsOn = v.map((item) => item.text)));
  const image = field('image');
  if (image) take(readText(ctx, image), (v) => (job.image = v));
  const environment = field('environment');
  if (environment) take(readEnvironment(ctx, environment), (v) => (job.environment = v));
  const network = field('network');
  if (network) take(readNetwork(ctx, network), (v) => (job.network = v));
  const services = field('services');
  if (services) take(readServices(ctx, services), (v) => (job.services = v));
  const reuseContainer = field('reuse-container');
  if (reuseContainer) take(readBoolean(ctx, reuseContainer), (v) => (job.reuseContainer = v));

  return { spec: job, needs };
}

/** `environment: production`: a fixed name (secrets are chosen before the job starts). */
function readEnvironment(ctx: ReadContext, entry: Entry): string | undefined {
  const name = readText(ctx, entry, { template: false });
  if (name === undefined) return undefined;
  if (!ENVIRONMENT_NAME.test(name)) {
    ctx.report.error('pipeline.invalid-environment', `environment "${name}" must be lower-case letters, digits and dashes (at most 63), starting with a letter or digit`, valueTarget(entry));
    return undefined;
  }
  return name;
}

/**
 * `network: none`: the job must reach no network, not even the runner's loopback. A fixed word, not a template:
 * the scheduler picks a runner that can enforce it before the job's expressions are evaluated.
 */
function readNetwork(ctx: ReadContext, entry: Entry): 'none' | undefined {
  const value = readText(ctx, entry, { template: false });
  if (value === undefined) return undefined;
  if (value !== 'none') {
    ctx.report.error('pipeline.invalid-network', `network must be "none" (leave it out for the runner's network), got "${value}"`, valueTarget(entry));
    return undefined;
  }
  return value;
}

function readSteps(
  ctx: ReadContext,
  entry: Entry,
  stepIds: Map<string, number>,
  options: { required: boolean; jobId: string },
): StepSpec[] | undefined {
  const { value } = entry;
  const empty = isSeq(value) ? value.items.length === 0 : isScalar(value) && value.value === null;
  if (options.required && empty) {
    ctx.report.error('pipeline.no-steps', `job "${options.jobId}" has no steps`, entry.keyNode);
    return undefined;
  }
  if (!isSeq(value)) return reportType(ctx, entry, 'a list of steps');
  const steps: StepSpec[] = [];
  let valid = true;
  value.items.forEach((item, index) => {
    // Only a broken alias resolves to nothing, and it is reported already.
    const node = ctx.tree.resolve(item);
    const step = node && readStep(ctx, node, index, stepIds);
    if (step) steps.push(step);
    else valid = false;
  });
  return valid ? steps : undefined;
}

/** `needs: [a, a]` is harmless but surely a slip: warn and keep one. */
function uniqueNeeds(ctx: ReadContext, needs: { text: string; node: Node }[]): { text: string; node: Node }[] {
  const seen = new Set<string>();
  return needs.filter((need) => {
    if (!seen.has(need.text)) return seen.add(need.text);
    ctx.report.warning('pipeline.duplicate-need', `"${need.text}" is listed twice in "needs"`, need.node);
    return false;
  });
}

const ARTIFACT_WHEN = ['on_success', 'on_failure', 'always'] as const;
// An artifact's name becomes a storage path segment and a file name (artifact-layout.ts): no separators, no leading dot.
const ARTIFACT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,99}$/;

function readArtifacts(ctx: ReadContext, entry: Entry): JobSpec['artifacts'] | undefined {
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping with "paths"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['paths', 'name', 'when', 'expire-in'] }));
  const paths = requiredPaths(ctx, entry, fields.get('paths'), 'paths');
  let valid = paths !== undefined;
  const artifacts: { paths: string[]; name?: string; when: (typeof ARTIFACT_WHEN)[number]; expireIn?: number | 'never' } = { paths: paths ?? [], when: 'on_success' };
  const nameEntry = fields.get('name');
  if (nameEntry) {
    const name = readText(ctx, nameEntry, { template: false });
    if (name !== undefined && !ARTIFACT_NAME.test(name)) {
      ctx.report.error('pipeline.invalid-value', `artifact name "${name}" must be letters, digits, . _ + - (at most 100, not starting with . or -)`, valueTarget(nameEntry));
      valid = false;
    } else if (name === undefined) valid = false;
    else artifacts.name = name;
  }
  const whenEntry = fields.get('when');
  if (whenEntry) {
    const when = readText(ctx, whenEntry, { template: false });
    if (when !== undefined && !(ARTIFACT_WHEN as readonly string[]).includes(when)) {
      ctx.report.error('pipeline.invalid-value', `"when" must be on_success, on_failure or always, got "${when}"`, valueTarget(whenEntry));
      valid = false;
    } else if (when === undefined) valid = false;
    else artifacts.when = when as (typeof ARTIFACT_WHEN)[number];
  }
  const expireEntry = fields.get('expire-in');
  if (expireEntry) {
    const value = expireEntry.value;
    const raw = isScalar(value) && (typeof value.value === 'string' || typeof value.value === 'number') ? value.value : undefined;
    const expireIn = raw === undefined ? undefined : parseExpireIn(raw);
    if (expireIn === undefined) {
      ctx.report.error(
        'pipeline.invalid-duration',
        `"expire-in" must be a duration such as "30 days", "2h" or "1 week and 2 days", or "never", got ${describeNode(value)}`,
        valueTarget(expireEntry),
      );
      valid = false;
    } else artifacts.expireIn = expireIn;
  }
  return valid ? artifacts : undefined;
}

function readCache(ctx: ReadContext, entry: Entry): JobSpec['cache'] | undefined {
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping with "key" and "paths"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: ['key', 'paths', 'restore-keys'] }));
  const keyEntry = fields.get('key');
  if (!keyEntry) ctx.report.error('pipeline.missing-key', '"cache" needs "key"', entry.keyNode);
  const key = keyEntry && readText(ctx, keyEntry);
  const paths = requiredPaths(ctx, entry, fields.get('paths'), 'paths');
  const restoreEntry = fields.get('restore-keys');
  const restoreKeys = restoreEntry ? readTextList(ctx, restoreEntry, 'a key prefix or a list of them')?.map((item) => item.text) : [];
  if (key === undefined || paths === undefined || restoreKeys === undefined) return undefined;
  return { key, paths, restoreKeys };
}

function requiredPaths(ctx: ReadContext, parent: Entry, entry: Entry | undefined, key: string): string[] | undefined {
  if (!entry) {
    ctx.report.error('pipeline.missing-key', `"${parent.key}" needs "${key}"`, parent.keyNode);
    return undefined;
  }
  const paths = readTextList(ctx, entry, 'a glob or a list of globs')?.map((item) => item.text);
  if (paths?.length === 0) {
    ctx.report.error('pipeline.invalid-value', `"${key}" must list at least one glob`, entry.keyNode);
    return undefined;
  }
  return paths;
}
