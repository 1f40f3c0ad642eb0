import type { Node, Scalar } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import type { ReadContext } from './read-context.js';
import { didYouMean } from './suggest.js';

/** One `key: value` of a mapping, with the nodes diagnostics point at. */
export interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  /** The value with aliases followed; undefined only for a broken alias. */
  readonly value: Node | undefined;
}

export interface MappingRules {
  /** The keys this mapping accepts; anything else is reported with a suggestion. */
  readonly keys?: readonly string[];
  /** Extra advice for keys users bring from other CI systems (`timeout-minutes`). */
  readonly hints?: Readonly<Record<string, string>>;
  /** Keys accepted beyond `keys` and then ignored (e.g. `x-` keys that hold anchors). */
  readonly allow?: (key: string) => boolean;
  /** The message for a key written twice, given the line of its first use. */
  readonly duplicate?: (key: string, firstLine: number) => string;
  readonly duplicateCode?: string;
}

/**
 * The entries of a mapping in file order, after YAML merge keys (`<<: *defaults`) are applied
 * (explicit keys win over merged ones, as YAML 1.1 defines). Reports unknown keys, keys that
 * are not plain scalars, and duplicates.
 */
export function readEntries(ctx: ReadContext, map: Node, rules: MappingRules = {}): Entry[] {
  const explicit: Entry[] = [];
  const merged: Entry[] = [];
  const firstLine = new Map<string, number>();
  if (!isMap(map)) return explicit;

  for (const pair of map.items) {
    const keyNode = pair.key as Node | null;
    const value = ctx.tree.resolve(pair.value);
    if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
      merged.push(...mergeSources(ctx, value, pair.value as Node | null, keyNode));
      continue;
    }
    const key = keyText(keyNode);
    const at = keyNode ?? map;
    if (key === undefined) {
      ctx.report.error('pipeline.invalid-key', 'keys must be plain strings, not lists or mappings', at);
      continue;
    }
    const line = ctx.report.position(at).line;
    const first = firstLine.get(key);
    if (first !== undefined) {
      const message = rules.duplicate?.(key, first) ?? `duplicate key "${key}" (first used at line ${first})`;
      ctx.report.error(rules.duplicateCode ?? 'pipeline.duplicate-key', message, at);
      continue;
    }
    firstLine.set(key, line);
    if (rules.allow?.(key)) continue;
    if (rules.keys && !rules.keys.includes(key)) {
      // Own properties only: a key named `constructor` must not find Object's.
      const hint = rules.hints && Object.hasOwn(rules.hints, key) ? rules.hints[key] : undefined;
      const advice = hint === undefined ? didYouMean(key, rules.keys) : ` (${hint})`;
      ctx.report.error('pipeline.unknown-key', `unknown key "${key}"${advice}`, at);
      continue;
    }
    explicit.push({ key, keyNode: at, value });
  }
  for (const entry of merged) {
    if (firstLine.has(entry.key)) continue;
    firstLine.set(entry.key, ctx.report.position(entry.keyNode).line);
    if (rules.allow?.(entry.key)) continue;
    if (rules.keys && !rules.keys.includes(entry.key)) {
      ctx.report.error('pipeline.unknown-key', `unknown key "${entry.key}"${didYouMean(entry.key, rules.keys)}`, entry.keyNode);
      continue;
    }
    explicit.push(entry);
  }
  return explicit;
}

/** Entries as a lookup by key, for readers that take their keys one by one. */
export function entriesByKey(entries: readonly Entry[]): Map<string, Entry> {
  return new Map(entries.map((entry) => [entry.key, entry]));
}

/** A scalar key as text (`1: x` gives "1"); undefined for a collection or missing key. */
export function keyText(node: Node | null | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
}

function mergeSources(ctx: ReadContext, value: Node | undefined, raw: Node | null, keyNode: Scalar, depth = 0): Entry[] {
  const sources = isSeq(value) ? value.items.map((item) => ctx.tree.resolve(item)) : [value];
  const entries: Entry[] = [];
  const taken = new Set<string>();
  const take = (entry: Entry) => {
    // Earlier sources win over later ones, as in YAML's merge key definition.
    if (taken.has(entry.key)) return;
    taken.add(entry.key);
    entries.push(entry);
  };
  for (const source of sources) {
    if (!isMap(source)) {
      ctx.report.error('pipeline.invalid-merge', 'a merge key "<<" takes a mapping alias such as *defaults, or a list of them', raw ?? keyNode);
      continue;
    }
    const nested: Entry[] = [];
    for (const pair of source.items) {
      const pairKey = pair.key as Node | null;
      if (isScalar(pairKey) && typeof pairKey.value === 'symbol') {
        // A merged mapping may merge others in turn; the depth bound guards odd documents.
        if (depth < 16) nested.push(...mergeSources(ctx, ctx.tree.resolve(pair.value), pair.value as Node | null, pairKey, depth + 1));
        continue;
      }
      const key = keyText(pairKey);
      if (key !== undefined) take({ key, keyNode: pairKey ?? source, value: ctx.tree.resolve(pair.value) });
    }
    nested.forEach(take);
  }
  return entries;
}
