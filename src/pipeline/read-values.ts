import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import { parseDuration } from '../core/index.js';
import type { DiagnosticTarget } from './diagnostic-collector.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { readEntries } from './read-mapping.js';

/**
 * Typed readers for the values of mapping entries. Each reports a wrong type at the value
 * (or at the key when the value is empty) and returns undefined, so the caller can go on
 * checking the rest of the file.
 */

/** `"123"`, `a mapping`, `nothing`: how a wrong value is named in a message. */
export function describeNode(node: Node | undefined): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node) || node.value === null) return 'nothing';
  if (typeof node.value === 'string') {
    const text = node.value.length > 40 ? `${node.value.slice(0, 37)}...` : node.value;
    return JSON.stringify(text);
  }
  return scalarText(node);
}

/** Where a problem with an entry's value is shown: the value, or the key when it is empty. */
export function valueTarget(entry: Entry): DiagnosticTarget {
  const { value } = entry;
  if (!value || (isScalar(value) && value.value === null && !value.source)) return entry.keyNode;
  return value;
}

export function reportType(ctx: ReadContext, entry: Entry, expected: string): undefined {
  ctx.report.error('pipeline.invalid-type', `"${entry.key}" must be ${expected}, got ${describeNode(entry.value)}`, valueTarget(entry));
  return undefined;
}

/**
 * A scalar as text: strings as they are, numbers and booleans as YAML wrote them
 * (`1.10` stays "1.10", not "1.1"), null as "".
 */
export function scalarText(node: Node): string {
  if (!isScalar(node)) return '';
  if (typeof node.value === 'string') return node.value;
  if (node.value === null) return '';
  return node.source ?? String(node.value);
}

/** A string value (numbers and booleans are taken as written), checked for `${{ }}` syntax. */
export function readText(ctx: ReadContext, entry: Entry, options: { template?: boolean } = {}): string | undefined {
  const { value } = entry;
  if (!isScalar(value) || value.value === null) return reportType(ctx, entry, 'a string');
  const text = scalarText(value);
  if (options.template !== false) ctx.checkTemplateAt(text, entry.key, value);
  return text;
}

export function readBoolean(ctx: ReadContext, entry: Entry): boolean | undefined {
  const { value } = entry;
  if (isScalar(value) && typeof value.value === 'boolean') return value.value;
  return reportType(ctx, entry, 'true or false');
}

/** A duration (`90s`, `10m`, `1h30m`, or a number of seconds) in milliseconds. */
export function readDuration(ctx: ReadContext, entry: Entry, options: { positive?: boolean } = {}): number | undefined {
  const { value } = entry;
  const raw = isScalar(value) && (typeof value.value === 'string' || typeof value.value === 'number') ? value.value : undefined;
  const ms = raw === undefined ? undefined : parseDuration(raw);
  if (ms === undefined || !Number.isFinite(ms)) {
    ctx.report.error(
      'pipeline.invalid-duration',
      `"${entry.key}" must be a duration such as 90s or 10m, got ${describeNode(value)}`,
      valueTarget(entry),
    );
    return undefined;
  }
  if (options.positive && ms <= 0) {
    ctx.report.error('pipeline.invalid-duration', `"${entry.key}" must be longer than zero, got ${describeNode(value)}`, valueTarget(entry));
    return undefined;
  }
  return ms;
}

export function readInteger(ctx: ReadContext, entry: Entry, min: number): number | undefined {
  const { value } = entry;
  if (isScalar(value) && typeof value.value === 'number' && Number.isSafeInteger(value.value) && value.value >= min) {
    return value.value;
  }
  return reportType(ctx, entry, min === 1 ? 'a positive integer' : `an integer of ${min} or more`);
}

/** A string or a list of strings, each with its node for later diagnostics. */
export function readTextList(
  ctx: ReadContext,
  entry: Entry,
  expected: string,
  options: { template?: boolean } = {},
): { text: string; node: Node }[] | undefined {
  const { value } = entry;
  const items = isSeq(value) ? value.items.map((item) => ctx.tree.resolve(item)) : [value];
  if (!isSeq(value) && !(isScalar(value) && value.value !== null)) return reportType(ctx, entry, expected);
  const list: { text: string; node: Node }[] = [];
  for (const item of items) {
    if (!isScalar(item) || item.value === null) {
      ctx.report.error('pipeline.invalid-type', `"${entry.key}" must be ${expected}, but holds ${describeNode(item)}`, item ?? valueTarget(entry));
      continue;
    }
    const text = scalarText(item);
    if (options.template !== false) ctx.checkTemplateAt(text, entry.key, item);
    list.push({ text, node: item });
  }
  return list;
}

/**
 * A mapping of names to scalar values (`env`, `with`, `outputs`), values converted to
 * strings and checked for `${{ }}` syntax.
 */
export function readTextMap(
  ctx: ReadContext,
  entry: Entry,
  options: { checkName?: (name: string) => string | undefined } = {},
): Record<string, string> | undefined {
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping of names to values');
  const result: Record<string, string> = {};
  for (const item of readEntries(ctx, entry.value)) {
    const problem = options.checkName?.(item.key);
    if (problem !== undefined) {
      ctx.report.error('pipeline.invalid-name', problem, item.keyNode);
      continue;
    }
    const { value } = item;
    if (!isScalar(value)) {
      ctx.report.error(
        'pipeline.invalid-type',
        `"${entry.key}.${item.key}" must be a string, number or boolean, got ${describeNode(value)}`,
        valueTarget(item),
      );
      continue;
    }
    const text = scalarText(value);
    ctx.checkTemplateAt(text, `${entry.key}.${item.key}`, value);
    setOwn(result, item.key, text);
  }
  return result;
}

/** Sets a property even when the key is `__proto__`, which plain assignment would swallow. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
