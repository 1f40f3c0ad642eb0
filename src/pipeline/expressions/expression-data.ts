import { data } from '@actions/expressions';
import type { Pair } from '@actions/expressions/data/expressiondata';

/**
 * Conversions between the plain JS values DeployLite passes around and the library's
 * ExpressionData, with the mapping of the library's own `reviver`/`replacer` (which work
 * one level at a time inside JSON.parse/stringify). Mappings convert lazily: `github.event.ref`
 * should not pay for converting the rest of a large event payload on every evaluation.
 */
export function toExpressionData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  switch (typeof value) {
    case 'string':
      return new data.StringData(value);
    case 'number':
      return new data.NumberData(value);
    case 'boolean':
      return new data.BooleanData(value);
    case 'bigint':
      return new data.NumberData(Number(value));
    case 'object':
      if (Array.isArray(value)) return new data.Array(...value.map(toExpressionData));
      return toDictionary(value as Record<string, unknown>);
    default:
      // Functions and symbols have no expression value.
      return new data.Null();
  }
}

export function toDictionary(object: Readonly<Record<string, unknown>>): data.Dictionary {
  return new LazyDictionary(object);
}

/**
 * A Dictionary whose entries are converted on first access, one level at a time. Keys
 * differing only in case collapse to the first one, as in GitHub's dictionaries. It lives
 * for one evaluation, so the plain object cannot change under it.
 */
class LazyDictionary extends data.Dictionary {
  private source: Readonly<Record<string, unknown>> | undefined;

  constructor(source: Readonly<Record<string, unknown>>) {
    super();
    this.source = source;
  }

  override get(key: string): data.ExpressionData | undefined {
    this.materialize();
    return super.get(key);
  }

  override values(): data.ExpressionData[] {
    this.materialize();
    return super.values();
  }

  override pairs(): Pair[] {
    this.materialize();
    return super.pairs();
  }

  private materialize(): void {
    if (this.source === undefined) return;
    const source = this.source;
    this.source = undefined;
    for (const [key, value] of Object.entries(source)) {
      if (value !== undefined) this.add(key, toExpressionData(value));
    }
  }
}

export function fromExpressionData(value: data.ExpressionData): unknown {
  switch (value.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Number:
      return value.number();
    case data.Kind.String:
      return value.coerceString();
    case data.Kind.Array:
      return (value as data.Array).values().map(fromExpressionData);
    case data.Kind.Dictionary:
      // fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
      return Object.fromEntries((value as data.Dictionary).pairs().map((p) => [p.key, fromExpressionData(p.value)]));
    default:
      return null;
  }
}

/**
 * GitHub's coercion of a value embedded in a string: null is empty, numbers use the
 * expression language's formatting (`1.5`, not `1.50000`), objects and arrays become
 * JSON as `toJSON()` prints them.
 */
export function coerceToString(value: data.ExpressionData): string {
  switch (value.kind) {
    case data.Kind.Null:
      return '';
    case data.Kind.Array:
    case data.Kind.Dictionary:
      return JSON.stringify(value, data.replacer, '  ');
    default:
      return value.coerceString();
  }
}
