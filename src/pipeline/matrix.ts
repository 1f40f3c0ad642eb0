import { DeployliteError } from '../core/index.js';
import type { MatrixValues } from './model.js';
import { didYouMean } from './suggest.js';

/** GitHub's limit on the jobs one matrix may generate. */
export const MAX_MATRIX_COMBINATIONS = 256;

/** Above this the product is not even built: no plausible exclude list brings it under 256. */
const MAX_PRODUCT_BEFORE_EXCLUDE = 65_536;

export interface MatrixInput {
  readonly axes: Readonly<Record<string, unknown>>;
  readonly include?: readonly Readonly<Record<string, unknown>>[];
  readonly exclude?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * GitHub Actions' algorithm. The cartesian product of the axes in key order (the first axis
 * varies slowest); then `exclude` removes every combination matching all of an entry's
 * keys (a partial match: `{os: windows}` removes every Windows combination); then each
 * `include` entry is merged into every combination whose original axis values it does not
 * overwrite — values added by an earlier include may be overwritten — or, when it fits
 * none, appended as a new combination. Includes are processed after excludes, so an
 * include can bring back an excluded combination.
 */
export function expandMatrix(spec: MatrixInput): MatrixValues[] {
  const axisNames = Object.keys(spec.axes);
  const include = entries(spec.include, 'include');
  const exclude = entries(spec.exclude, 'exclude');
  for (const entry of exclude) {
    for (const key of Object.keys(entry)) {
      if (!axisNames.includes(key)) {
        throw invalid(`matrix exclude key "${key}" does not match any axis of the matrix${didYouMean(key, axisNames)}`);
      }
    }
  }

  const product = cartesianProduct(spec.axes, axisNames);
  const kept = product.filter((combination) => !exclude.some((entry) => matches(combination, entry)));
  if (axisNames.length > 0 && kept.length === 0 && include.length === 0) {
    throw invalid(
      product.length === 0
        ? `matrix has no combinations: axis "${axisNames.find((name) => (spec.axes[name] as unknown[]).length === 0)}" is empty`
        : 'matrix has no combinations: exclude removes all of them',
    );
  }
  if (axisNames.length === 0 && include.length === 0) throw invalid('matrix must define at least one axis or an include entry');

  const combinations = mergeIncludes(kept, axisNames, include);
  if (combinations.length > MAX_MATRIX_COMBINATIONS) {
    throw invalid(`matrix has ${combinations.length} combinations; at most ${MAX_MATRIX_COMBINATIONS} are allowed`);
  }
  return combinations;
}

/** Short label for display: values joined by `, ` (objects as JSON), e.g. `18, linux`. */
export function matrixLabel(values: MatrixValues): string {
  return Object.values(values)
    .map((value) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)))
    .join(', ');
}

function cartesianProduct(axes: Readonly<Record<string, unknown>>, axisNames: readonly string[]): Record<string, unknown>[] {
  let size = 1;
  for (const name of axisNames) {
    const values = axes[name];
    if (!Array.isArray(values)) {
      throw invalid(`matrix axis "${name}" must be a list of values, got ${describe(values)}`);
    }
    size *= values.length;
  }
  if (size > MAX_PRODUCT_BEFORE_EXCLUDE) {
    throw invalid(`matrix has ${size} combinations before exclusions; at most ${MAX_MATRIX_COMBINATIONS} are allowed`);
  }
  if (axisNames.length === 0) return [];
  let combinations: Record<string, unknown>[] = [{}];
  for (const name of axisNames) {
    const values = axes[name] as unknown[];
    combinations = combinations.flatMap((combination) => values.map((value) => ({ ...combination, [name]: value })));
  }
  return combinations;
}

/**
 * An include entry fits a combination when each of its keys that is an axis holds the same
 * value there. Only the combinations of the product are candidates, never ones appended by
 * an earlier include: GitHub's documented example appends `{fruit: banana}` and then
 * `{fruit: banana, animal: cat}` as two separate combinations.
 */
function mergeIncludes(
  kept: readonly Record<string, unknown>[],
  axisNames: readonly string[],
  include: readonly Readonly<Record<string, unknown>>[],
): MatrixValues[] {
  const merged = kept.map((combination) => ({ ...combination }));
  const appended: Record<string, unknown>[] = [];
  for (const entry of include) {
    const axisKeys = Object.keys(entry).filter((key) => axisNames.includes(key));
    let fitted = false;
    for (const combination of merged) {
      if (axisKeys.every((key) => sameValue(combination[key], entry[key]))) {
        Object.assign(combination, entry);
        fitted = true;
      }
    }
    // With no axes there is no product to merge into: every include is a combination.
    if (!fitted) appended.push({ ...entry });
  }
  return [...merged, ...appended];
}

function matches(combination: Readonly<Record<string, unknown>>, entry: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(entry).every(([key, value]) => sameValue(combination[key], value));
}

/** Deep equality of YAML/JSON values: `{os: linux}` in an exclude matches an equal object value. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return (
    aKeys.length === bKeys.length &&
    aKeys.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

function entries(list: unknown, name: 'include' | 'exclude'): Readonly<Record<string, unknown>>[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid(`matrix ${name} must be a list of mappings, got ${describe(list)}`);
  return list.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw invalid(`matrix ${name} entry ${index + 1} must be a mapping of axis values, got ${describe(entry)}`);
    }
    return entry as Readonly<Record<string, unknown>>;
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function invalid(message: string): DeployliteError {
  return new DeployliteError('matrix.invalid', message);
}
