import type { Document, Node } from 'yaml';
import { isAlias, isCollection, isNode, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import { DiagnosticCollector } from './diagnostic-collector.js';

/**
 * How far aliases may multiply a document when expanded (the yaml library's `maxAliasCount`):
 * a "billion laughs" file of nested aliases is refused instead of exhausting memory.
 */
export const MAX_ALIAS_COUNT = 100;

/** A parsed pipeline file: its root node and the means to follow aliases and report problems. */
export interface YamlTree {
  /** Undefined when the file holds no document (empty or only comments). */
  readonly root: Node | undefined;
  readonly collector: DiagnosticCollector;
  /** The node an alias stands for (following chains); any other node as is. */
  resolve(node: unknown): Node | undefined;
  /** The plain JavaScript value of a node (aliases expanded). */
  toValue(node: Node): unknown;
}

export interface ParseYamlResult {
  readonly tree?: YamlTree;
  readonly collector: DiagnosticCollector;
}

/**
 * Parses YAML with the `yaml` library, keeping source ranges on every node. Syntax errors
 * become diagnostics and leave `tree` unset: what follows a syntax error is too uncertain
 * to lint without a cascade of misleading reports.
 *
 * Duplicate keys are left to the readers (`uniqueKeys: false`): they report them with
 * context ("duplicate job id") in linear time, where the library's check compares every
 * key with every other and dominates the parse of a file with a thousand jobs.
 */
export function parseYaml(source: string, file: string): ParseYamlResult {
  const lineCounter = new LineCounter();
  const collector = new DiagnosticCollector(file, (offset) => lineCounter.linePos(offset));
  // logLevel 'error': the library would otherwise print its warnings to stderr itself.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false, logLevel: 'error' });

  const seen = new Set<string>();
  let syntaxErrors = 0;
  for (const error of doc.errors) {
    const offset = error.pos[0];
    // A deeply nested file makes the library repeat one error hundreds of times.
    const key = `${offset}:${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    syntaxErrors++;
    collector.error('pipeline.yaml-syntax', `invalid YAML: ${syntaxMessage(error.code, error.message)}`, offset);
  }
  for (const warning of doc.warnings) {
    collector.warning('pipeline.yaml-warning', `YAML: ${lowerFirst(warning.message)}`, warning.pos[0]);
  }

  if (syntaxErrors > 0) return { collector };

  const root = isNode(doc.contents) ? doc.contents : undefined;
  // Every alias is written with `*`: a file without one needs no walk to link aliases.
  const aliasTargets = root && source.includes('*') ? linkAliases(root, collector) : new Map<Node, Node>();
  if (aliasTargets.size > 0 && !withinAliasLimit(doc)) {
    const firstAlias = aliasTargets.keys().next().value as Node;
    collector.error(
      'pipeline.alias-limit',
      `too many alias expansions: the aliases in this file would expand beyond the limit of ${MAX_ALIAS_COUNT} (a resource exhaustion guard)`,
      firstAlias,
    );
    return { collector };
  }

  const tree: YamlTree = {
    root,
    collector,
    resolve(node) {
      let current: unknown = node;
      // Alias targets are never aliases themselves, but stay safe against a malformed link.
      for (let hops = 0; isAlias(current) && hops < 64; hops++) current = aliasTargets.get(current);
      return isNode(current) && !isAlias(current) ? current : undefined;
    },
    toValue(node) {
      return node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    },
  };
  return { tree, collector };
}

/**
 * Maps every alias to the node its anchor names: the closest anchor of that name before
 * it, as YAML defines. Iterative, so a deep but valid document cannot overflow the stack.
 */
function linkAliases(root: Node, collector: DiagnosticCollector): Map<Node, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isPair(item)) {
      stack.push(item.value, item.key);
      continue;
    }
    if (isAlias(item)) {
      const target = anchors.get(item.source);
      if (target) targets.set(item, target);
      else collector.error('pipeline.unknown-alias', `unknown alias "*${item.source}": an anchor "&${item.source}" must come before its alias`, item);
      continue;
    }
    if (isScalar(item) || isCollection(item)) {
      if (item.anchor) anchors.set(item.anchor, item);
      if (isCollection(item)) for (let i = item.items.length - 1; i >= 0; i--) stack.push(item.items[i]);
    }
  }
  return targets;
}

/** Lets the library count alias expansions, refusing a document that multiplies itself. */
function withinAliasLimit(doc: Document): boolean {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return true;
  } catch (thrown) {
    // Unknown aliases and bad merge sources are reported by the readers, with positions.
    return !(thrown instanceof Error && /excessive alias count/i.test(thrown.message));
  }
}

function syntaxMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'a pipeline file holds one YAML document, but this one has several (remove the extra "---")';
  return lowerFirst(message);
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
