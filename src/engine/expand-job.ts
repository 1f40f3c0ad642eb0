import type { Contexts, ExpressionHost, JobSpec, MatrixValues } from '../pipeline/index.js';
import { containsExpression, evaluateTemplateValue, expandMatrix, interpolate, matrixLabel } from '../pipeline/index.js';
import type { JobInstance } from './run-job.js';

/**
 * Turns a job into the instances the scheduler runs: itself, or one per matrix combination.
 * Matrices are expanded when the job becomes ready, so a matrix may come from a job it
 * needs (`${{ fromJSON(needs.plan.outputs.targets) }}`), as on GitHub.
 */
export function expandJobInstances(spec: JobSpec, contexts: Contexts, host: ExpressionHost): JobInstance[] {
  if (!spec.matrix) {
    return [{ spec, key: spec.id, matrixIndex: null, matrix: null, name: interpolate(spec.name, { ...contexts, strategy: strategyContext(spec, 0, 1) }, host) }];
  }
  const combinations = expandMatrix(evaluateMatrix(spec, contexts, host));
  return combinations.map((matrix, index) => ({
    spec,
    key: `${spec.id}[${index}]`,
    matrixIndex: index,
    matrix,
    name: instanceName(spec, matrix, { ...contexts, strategy: strategyContext(spec, index, combinations.length) }, host),
  }));
}

/**
 * GitHub's `strategy` context for instance `index` of `total`: its place among the job's instances (for sharding:
 * `--shard=${{ strategy.job-index }}/${{ strategy.job-total }}`) and the job's fail-fast and max-parallel, the latter
 * defaulting to every instance at once. A job without a matrix is instance 0 of 1.
 */
export function strategyContext(spec: JobSpec, index: number, total: number): Record<string, unknown> {
  return { 'fail-fast': spec.failFast, 'job-index': index, 'job-total': total, 'max-parallel': Math.min(spec.maxParallel ?? total, total) };
}

type MatrixInput = Parameters<typeof expandMatrix>[0];

function evaluateMatrix(spec: JobSpec, contexts: Contexts, host: ExpressionHost): MatrixInput {
  const matrix = spec.matrix as NonNullable<JobSpec['matrix']>;
  const resolve = (value: unknown): unknown =>
    typeof value === 'string' && containsExpression(value) ? evaluateTemplateValue(value, contexts, host) : value;
  const include = [...matrix.include.map((entry) => resolveEntries(entry, resolve))];
  const exclude = [...matrix.exclude.map((entry) => resolveEntries(entry, resolve))];
  let axes: Record<string, unknown>;
  if (typeof matrix.axes === 'string') {
    // The whole matrix from one expression may carry its own include/exclude lists.
    const whole = resolve(matrix.axes);
    if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) {
      throw new TypeError(`matrix expression must evaluate to a mapping of axes, got ${JSON.stringify(whole)}`);
    }
    const { include: moreInclude, exclude: moreExclude, ...rest } = whole as Record<string, unknown>;
    if (Array.isArray(moreInclude)) include.push(...(moreInclude as Record<string, unknown>[]));
    if (Array.isArray(moreExclude)) exclude.push(...(moreExclude as Record<string, unknown>[]));
    axes = rest;
  } else {
    axes = resolveEntries(matrix.axes, resolve);
  }
  return { axes, include, exclude };
}

function resolveEntries(entry: Readonly<Record<string, unknown>>, resolve: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, resolve(value)]));
}

/** A name with expressions is evaluated per combination; otherwise GitHub's `name (a, b)`. */
function instanceName(spec: JobSpec, matrix: MatrixValues, contexts: Contexts, host: ExpressionHost): string {
  if (containsExpression(spec.name)) return interpolate(spec.name, { ...contexts, matrix }, host);
  return `${spec.name} (${matrixLabel(matrix)})`;
}
