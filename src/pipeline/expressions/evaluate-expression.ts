import { data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { BoundedEvaluator } from './bounded-evaluator.js';
import { ExpressionError } from './expression-error.js';
import { fromExpressionData, toDictionary, toExpressionData } from './expression-data.js';
import type { ParsedExpression } from './parse-expression.js';
import { KNOWN_CONTEXTS, parseExpression } from './parse-expression.js';

/** Plain JS values (objects, arrays, strings, numbers, booleans, null) by context name. */
export type Contexts = Readonly<Record<string, unknown>>;

/** What the engine lends to the evaluator: job/step status and file access. */
export interface ExpressionHost {
  /** Status of the current job/step sequence; defaults: success()=true, failure()=false, cancelled()=false. */
  readonly status?: { success(): boolean; failure(): boolean; cancelled(): boolean };
  /** Provided by the engine (it does I/O). When absent, hashFiles() is an evaluation error. */
  readonly hashFiles?: (patterns: string[]) => string;
}

const KNOWN = new Set(KNOWN_CONTEXTS);

/** The host used when the caller passes none: default statuses, no hashFiles(). */
export const NO_HOST: ExpressionHost = Object.freeze({});

/** Evaluates one expression body (no `${{ }}`) to a plain JS value. Throws ExpressionError. */
export function evaluateExpression(source: string, contexts: Contexts, host: ExpressionHost = NO_HOST): unknown {
  return fromExpressionData(evaluateToData(source, contexts, host));
}

/** Parses (cached) or throws `expression.invalid`; contexts the caller passes count as known. */
export function parseOrThrow(source: string, contexts: Contexts): ParsedExpression {
  const result = parseExpression(source, extraContextNames(contexts));
  if (!result.ok) throw new ExpressionError('expression.invalid', result.message);
  return result.parsed;
}

export function evaluateToData(source: string, contexts: Contexts, host: ExpressionHost): data.ExpressionData {
  return evaluateParsed(parseOrThrow(source, contexts), source, contexts, host);
}

export function evaluateParsed(parsed: ParsedExpression, source: string, contexts: Contexts, host: ExpressionHost): data.ExpressionData {
  if (parsed.ast === undefined) return new data.Null();
  try {
    return new BoundedEvaluator(parsed.ast, contextDictionary(parsed, contexts), functionsFor(host)).evaluate();
  } catch (error) {
    throw new ExpressionError('expression.evaluation', `${reasonOf(error)}. Located within expression: ${source}`);
  }
}

/** Names (lower-cased) of caller-provided contexts that are not among KNOWN_CONTEXTS, sorted for a stable cache key. */
function extraContextNames(contexts: Contexts): string[] {
  const extra: string[] = [];
  for (const name of Object.keys(contexts)) {
    const lower = name.toLowerCase();
    if (!KNOWN.has(lower)) extra.push(lower);
  }
  return extra.sort();
}

/**
 * Only the contexts the expression reads are converted: `matrix.node` should not pay for
 * converting a large `github.event` payload. A known context the caller did not provide is
 * an empty mapping, so `vars.X` is null and `toJSON(needs)` is `{}` rather than an error.
 */
function contextDictionary(parsed: ParsedExpression, contexts: Contexts): data.Dictionary {
  const dictionary = new data.Dictionary();
  for (const name of parsed.contexts) {
    const value = lookUp(contexts, name);
    dictionary.add(name, value === undefined ? toDictionary({}) : toExpressionData(value));
  }
  return dictionary;
}

/** Case-insensitive: callers spell context names in lower case, expressions may not. */
function lookUp(contexts: Contexts, lowerName: string): unknown {
  if (Object.hasOwn(contexts, lowerName)) return contexts[lowerName];
  for (const key of Object.keys(contexts)) if (key.toLowerCase() === lowerName) return contexts[key];
  return undefined;
}

/** Built once per host: the engine evaluates many expressions with the same host. */
const functionsByHost = new WeakMap<ExpressionHost, Map<string, FunctionDefinition>>();

function functionsFor(host: ExpressionHost): Map<string, FunctionDefinition> {
  let functions = functionsByHost.get(host);
  if (functions === undefined) {
    functions = createFunctions(host);
    functionsByHost.set(host, functions);
  }
  return functions;
}

function createFunctions(host: ExpressionHost): Map<string, FunctionDefinition> {
  const status = host.status;
  const bool = (value: boolean) => new data.BooleanData(value);
  return new Map<string, FunctionDefinition>([
    ['success', { name: 'success', minArgs: 0, maxArgs: 0, call: () => bool(status ? status.success() : true) }],
    ['failure', { name: 'failure', minArgs: 0, maxArgs: 0, call: () => bool(status ? status.failure() : false) }],
    ['cancelled', { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => bool(status ? status.cancelled() : false) }],
    ['always', { name: 'always', minArgs: 0, maxArgs: 0, call: () => bool(true) }],
    ['hashfiles', { name: 'hashFiles', minArgs: 1, maxArgs: 255, call: (...args) => callHashFiles(host, args) }],
  ]);
}

function callHashFiles(host: ExpressionHost, args: data.ExpressionData[]): data.ExpressionData {
  if (!host.hashFiles) throw new Error('hashFiles() is not available here (it needs a workspace)');
  const patterns = args.map((arg) => arg.coerceString());
  try {
    return new data.StringData(host.hashFiles(patterns));
  } catch (error) {
    throw new Error(`hashFiles() failed: ${(error as Error).message}`);
  }
}

/**
 * A reason safe to show: some library messages embed evaluated values (format() quotes the
 * format string, JSON.parse quotes its input), and those may be secrets.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'evaluation failed';
  const message = error.message;
  if (message.startsWith('could not evaluate index') && error.cause !== undefined) return reasonOf(error.cause);
  if (message.startsWith('The following format string')) return message.slice(0, message.indexOf(':'));
  if (message === 'empty input') return 'fromJSON() was given an empty string';
  if (message.startsWith('Error parsing JSON')) return 'fromJSON() was given a string that is not valid JSON';
  return message;
}
