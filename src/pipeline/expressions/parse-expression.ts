import type { Expr } from '@actions/expressions';
import { Lexer, Parser } from '@actions/expressions';
import { Binary, ContextAccess, FunctionCall, Grouping, IndexAccess, Literal, Logical, Star, Unary } from '@actions/expressions/ast';
import { MAX_EXPRESSION_LENGTH } from '@actions/expressions/errors';
import type { FunctionInfo } from '@actions/expressions/funcs/info';

/** Context names every DeployLite expression may use, present or not in a given evaluation. */
export const KNOWN_CONTEXTS: readonly string[] = Object.freeze([
  'env',
  'matrix',
  'needs',
  'steps',
  'secrets',
  'vars',
  'run',
  'job',
  'github',
  'inputs',
  'strategy',
  // On the server: what started the run (ref, sha, event…), for `concurrency.group`.
  'trigger',
]);

/** The functions GitHub's runner adds to the library's built-ins. */
export const STATUS_FUNCTIONS: readonly string[] = ['success', 'failure', 'always', 'cancelled'];

const EXTENSION_FUNCTIONS: FunctionInfo[] = [
  ...STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 })),
  { name: 'hashFiles', minArgs: 1, maxArgs: 255 },
];

/** A successfully parsed expression plus what evaluation needs to know about it. */
export interface ParsedExpression {
  /** Undefined for an empty expression, which evaluates to null. */
  readonly ast: Expr | undefined;
  /** Lower-cased names of the contexts it reads: only these are converted per evaluation. */
  readonly contexts: ReadonlySet<string>;
  /** Whether it calls success(), failure(), always() or cancelled() (disables the implicit success()). */
  readonly callsStatusFunction: boolean;
  /**
   * The secrets it reads by name (`secrets.TOKEN`, `secrets['TOKEN']`, upper-cased as secret
   * names are case-insensitive), or 'all' when it reads the context some other way
   * (`toJSON(secrets)`, `secrets[matrix.name]`) and any secret may be needed.
   */
  readonly secrets: ReadonlySet<string> | 'all';
}

export type ParseResult = { readonly ok: true; readonly parsed: ParsedExpression } | { readonly ok: false; readonly message: string };

/**
 * Parsed expressions by source text. The engine evaluates the same few strings for every
 * job and step; lexing and parsing them once keeps a 500-job run from doing it 500 times.
 * The text comes from pipeline files, so the number of distinct keys is small; the bound
 * only protects a long-lived server that sees many different pipelines.
 */
const cache = new Map<string, ParseResult>();
const CACHE_LIMIT = 20_000;

/**
 * Lexes and parses one expression body. `extraContexts` names contexts beyond KNOWN_CONTEXTS
 * that the caller provides (lower-cased); an unknown name is a parse error, as on GitHub.
 * Failures are cached too, so a bad expression evaluated many times is cheap to reject.
 */
export function parseExpression(source: string, extraContexts: readonly string[] = []): ParseResult {
  const key = extraContexts.length === 0 ? source : `${source}\u0000${extraContexts.join('\u0000')}`;
  let result = cache.get(key);
  if (result === undefined) {
    result = parseUncached(source, extraContexts);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, result);
  }
  return result;
}

function parseUncached(source: string, extraContexts: readonly string[]): ParseResult {
  let tokens;
  try {
    tokens = new Lexer(source).lex().tokens;
  } catch (error) {
    // The lexer's own messages already read `Unexpected symbol: 'x'. Located at position N within expression: ...`.
    const message = (error as Error).message;
    return { ok: false, message: message === 'ErrorExceededMaxLength' ? `Exceeded max expression length ${MAX_EXPRESSION_LENGTH}. Located within expression: ${truncate(source)}` : message };
  }
  try {
    const ast = new Parser(tokens, [...KNOWN_CONTEXTS, ...extraContexts], EXTENSION_FUNCTIONS).parse() as Expr | undefined;
    return { ok: true, parsed: describe(ast) };
  } catch (error) {
    return { ok: false, message: withPosition(error as Error & { pos?: { line: number; column: number } }, source) };
  }
}

/** GitHub's wording: `<reason>. Located at position N within expression: <source>` (N is 1-based). */
function withPosition(error: Error & { pos?: { line: number; column: number } }, source: string): string {
  if (error.pos === undefined) return `${error.message}. Located within expression: ${source}`;
  // The library reports line and column; GitHub's message counts characters from the start.
  let offset = 0;
  for (let line = 0; line < error.pos.line; line++) offset = source.indexOf('\n', offset) + 1;
  return `${error.message}. Located at position ${offset + error.pos.column + 1} within expression: ${source}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function describe(ast: Expr | undefined): ParsedExpression {
  const contexts = new Set<string>();
  const secrets = new Set<string>();
  let allSecrets = false;
  let callsStatusFunction = false;
  const visit = (node: Expr): void => {
    const secretName = namedSecret(node);
    if (secretName !== undefined) {
      contexts.add('secrets');
      secrets.add(secretName.toUpperCase());
    } else if (node instanceof ContextAccess) {
      const name = node.name.lexeme.toLowerCase();
      contexts.add(name);
      if (name === 'secrets') allSecrets = true;
    } else if (node instanceof FunctionCall) {
      if (STATUS_FUNCTIONS.includes(node.functionName.lexeme.toLowerCase())) callsStatusFunction = true;
      node.args.forEach(visit);
    } else if (node instanceof IndexAccess) {
      visit(node.expr);
      if (!(node.index instanceof Star)) visit(node.index);
    } else if (node instanceof Logical) {
      node.args.forEach(visit);
    } else if (node instanceof Binary) {
      visit(node.left);
      visit(node.right);
    } else if (node instanceof Unary) {
      visit(node.expr);
    } else if (node instanceof Grouping) {
      visit(node.group);
    }
  };
  if (ast !== undefined) visit(ast);
  return { ast, contexts, callsStatusFunction, secrets: allSecrets ? 'all' : secrets };
}

/** `secrets.NAME` and `secrets['NAME']`: the name, else undefined. */
function namedSecret(node: Expr): string | undefined {
  if (!(node instanceof IndexAccess) || !(node.expr instanceof ContextAccess) || node.expr.name.lexeme.toLowerCase() !== 'secrets') return undefined;
  if (!(node.index instanceof Literal)) return undefined;
  const value = (node.index.literal as { value?: unknown }).value;
  return typeof value === 'string' ? value : undefined;
}
