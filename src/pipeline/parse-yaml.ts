import type { CST, Document, Node } from 'yaml';
import { Composer, isAlias, isCollection, isNode, isPair, isScalar, LineCounter, Parser, YAMLParseError } from 'yaml';
import { DiagnosticCollector } from './diagnostic-collector.js';

/**
 * How far aliases may multiply a document when expanded (the yaml library's `maxAliasCount`):
 * a "billion laughs" file of nested aliases is refused instead of exhausting memory.
 */
export const MAX_ALIAS_COUNT = 100;

/** Syntax errors reported before the rest are summed up in one line. */
const MAX_SYNTAX_ERRORS = 20;

/**
 * Lists and mappings nested deeper than this are refused before the library composes them:
 * its composer recurses once per level, and near the stack limit V8 can abort the whole
 * process instead of throwing. A real pipeline nests a handful of levels.
 */
export const MAX_NESTING = 64;

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
  // The parser proper (text → CST) is iterative; only composing (CST → nodes) recurses.
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(source));
  const tooDeep = nestedTooDeepAt(tokens);
  if (tooDeep !== undefined) {
    collector.error('pipeline.too-deep', `the document nests lists and mappings more than ${MAX_NESTING} levels deep`, tooDeep);
    return { collector };
  }
  const doc = composeOneDocument(tokens, source.length);

  // A deeply nested file makes the library repeat one error many times: report each once.
  const unique = new Map<string, (typeof doc.errors)[number]>();
  for (const error of doc.errors) unique.set(`${error.pos[0]}:${error.message}`, error);
  const syntaxErrors = [...unique.values()].sort((a, b) => a.pos[0] - b.pos[0]);
  for (const error of syntaxErrors.slice(0, MAX_SYNTAX_ERRORS)) {
    collector.error('pipeline.yaml-syntax', `invalid YAML: ${syntaxMessage(error.code, error.message)}`, error.pos[0]);
  }
  const unreported = syntaxErrors[MAX_SYNTAX_ERRORS];
  if (unreported) {
    // Past the first few, syntax errors are mostly echoes of the first; a wall of them helps no one.
    const more = syntaxErrors.length - MAX_SYNTAX_ERRORS;
    collector.error('pipeline.yaml-syntax', `invalid YAML: ${more} more error${more === 1 ? '' : 's'} from here on; fix the ones above first`, unreported.pos[0]);
  }
  for (const warning of doc.warnings) {
    collector.warning('pipeline.yaml-warning', `YAML: ${lowerFirst(warning.message)}`, warning.pos[0]);
  }

  if (syntaxErrors.length > 0) return { collector };

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
 * Maps every alias to the node its anchor names: the closest anchor of that name before it.
 * An anchor counts once its node is complete, so `&a [*a]` is an unknown alias rather than
 * a structure that contains itself (which no pipeline needs, and readers would loop on).
 * Iterative, so a deep but valid document cannot overflow the stack.
 */
function linkAliases(root: Node, collector: DiagnosticCollector): Map<Node, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof AnchorDone) {
      anchors.set(item.anchor, item.node);
    } else if (isPair(item)) {
      stack.push(item.value, item.key);
    } else if (isAlias(item)) {
      const target = anchors.get(item.source);
      if (target) targets.set(item, target);
      else collector.error('pipeline.unknown-alias', `unknown alias "*${item.source}": an anchor "&${item.source}" must come before its alias`, item);
    } else if (isScalar(item)) {
      if (item.anchor) anchors.set(item.anchor, item);
    } else if (isCollection(item)) {
      if (item.anchor) stack.push(new AnchorDone(item.anchor, item));
      for (let i = item.items.length - 1; i >= 0; i--) stack.push(item.items[i]);
    }
  }
  return targets;
}

/** Marks the point of the walk where an anchored collection is complete. */
class AnchorDone {
  constructor(
    readonly anchor: string,
    readonly node: Node,
  ) {}
}

/** What `parseDocument` does, from tokens already parsed: the first document, and an error for any other. */
function composeOneDocument(tokens: readonly CST.Token[], length: number): Document.Parsed {
  // logLevel 'error': the library would otherwise print its warnings to stderr itself.
  const composer = new Composer({ prettyErrors: false, merge: true, uniqueKeys: false, logLevel: 'error' });
  let first: Document.Parsed | undefined;
  for (const doc of composer.compose(tokens, true, length)) {
    if (!first) first = doc;
    else {
      first.errors.push(new YAMLParseError([doc.range[0], doc.range[1]], 'MULTIPLE_DOCS', 'several documents'));
      break;
    }
  }
  // compose(…, forceDoc = true) always yields a document, for an empty source too.
  return first as Document.Parsed;
}

/** The offset of a collection nested deeper than MAX_NESTING, if any (an iterative walk of the CST). */
function nestedTooDeepAt(tokens: readonly CST.Token[]): number | undefined {
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as (typeof stack)[number];
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > MAX_NESTING) return token.offset;
      for (const item of token.items) {
        if ('key' in item) stack.push({ token: item.key, depth: depth + 1 });
        stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
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
