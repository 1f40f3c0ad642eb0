import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import type { MatrixSpec } from './model.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { readEntries } from './read-mapping.js';
import { describeNode, reportType, setOwn, valueTarget } from './read-values.js';

/**
 * `matrix:` as written: axes of values plus `include` / `exclude`. The whole matrix, or one
 * axis, may instead be a `${{ }}` expression (e.g. `fromJSON(needs.plan.outputs.targets)`)
 * that the engine evaluates once the job's needs are done.
 */
export function readMatrix(ctx: ReadContext, entry: Entry): MatrixSpec | undefined {
  const { value } = entry;
  const expression = expressionText(value);
  if (expression !== undefined) {
    ctx.checkTemplateAt(expression, entry.key, value as Node);
    return { axes: expression, include: [], exclude: [] };
  }
  if (!isMap(value)) return reportType(ctx, entry, 'a mapping of axes or a ${{ }} expression');

  const axes: Record<string, unknown> = {};
  let include: Record<string, unknown>[] = [];
  let exclude: Record<string, unknown>[] = [];
  let valid = true;
  for (const field of readEntries(ctx, value)) {
    if (field.key === 'include' || field.key === 'exclude') {
      const combinations = readCombinations(ctx, field);
      if (combinations === undefined) valid = false;
      else if (field.key === 'include') include = combinations;
      else exclude = combinations;
      continue;
    }
    const axis = readAxis(ctx, field);
    if (axis === undefined) valid = false;
    else setOwn(axes, field.key, axis);
  }
  if (!valid) return undefined;
  if (Object.keys(axes).length === 0 && include.length === 0) {
    ctx.report.error('pipeline.invalid-value', '"matrix" needs at least one axis or an "include" entry', valueTarget(entry));
    return undefined;
  }
  return { axes, include, exclude };
}

/** An axis: a non-empty list of values, or an expression giving the list at run time. */
function readAxis(ctx: ReadContext, field: Entry): unknown {
  const { value } = field;
  const expression = expressionText(value);
  if (expression !== undefined) {
    ctx.checkTemplateAt(expression, `matrix.${field.key}`, value as Node);
    return expression;
  }
  if (!isSeq(value)) {
    ctx.report.error(
      'pipeline.invalid-type',
      `matrix axis "${field.key}" must be a list of values or a \${{ }} expression, got ${describeNode(value)}`,
      valueTarget(field),
    );
    return undefined;
  }
  if (value.items.length === 0) {
    ctx.report.error('pipeline.invalid-value', `matrix axis "${field.key}" has no values`, valueTarget(field));
    return undefined;
  }
  return ctx.tree.toValue(value);
}

/** `include` / `exclude`: a list of mappings from axis names to values. */
function readCombinations(ctx: ReadContext, field: Entry): Record<string, unknown>[] | undefined {
  const { value } = field;
  if (!isSeq(value)) return reportType(ctx, field, 'a list of mappings');
  const combinations: Record<string, unknown>[] = [];
  let valid = true;
  for (const raw of value.items) {
    const item = ctx.tree.resolve(raw);
    if (!isMap(item)) {
      ctx.report.error('pipeline.invalid-type', `each "${field.key}" entry must be a mapping, got ${describeNode(item)}`, item ?? valueTarget(field));
      valid = false;
      continue;
    }
    const combination: Record<string, unknown> = {};
    for (const pair of readEntries(ctx, item)) {
      if (pair.value) setOwn(combination, pair.key, ctx.tree.toValue(pair.value));
    }
    combinations.push(combination);
  }
  return valid ? combinations : undefined;
}

/** The text of a scalar that holds `${{`, i.e. an expression to evaluate later. */
function expressionText(node: Node | undefined): string | undefined {
  return isScalar(node) && typeof node.value === 'string' && node.value.includes('${{') ? node.value : undefined;
}
