import type { BasicExpressionToken, MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from '@actions/workflow-parser';
import { parse } from 'yaml';
import type { SourcePosition } from '../core/index.js';

/**
 * Reading GitHub's parsed template tokens as DeployLite values. The parser has already
 * checked every key and type against GitHub's schema, so these helpers only convert; a
 * shape they cannot convert is the caller's "not supported" diagnostic.
 */

/** 1-based line and column of a token (the parser's own positions); 1:1 when it has none. */
export function positionOf(token: TemplateToken | undefined): SourcePosition {
  const start = token?.range?.start;
  return start ? { line: start.line, col: start.column } : { line: 1, col: 1 };
}

/** A mapping's entries with their key text, in file order. */
export function entriesOf(mapping: MappingToken): { key: string; keyToken: TemplateToken; value: TemplateToken }[] {
  const entries: { key: string; keyToken: TemplateToken; value: TemplateToken }[] = [];
  for (const pair of mapping) {
    entries.push({ key: isString(pair.key) ? pair.key.value : pair.key.toString(), keyToken: pair.key, value: pair.value });
  }
  return entries;
}

/**
 * A scalar as the engine's template text: literals as GitHub coerces them to strings, and
 * an expression as written (`echo ${{ x }}`), so the engine's `${{ }}` layer evaluates it.
 * Undefined for a mapping or sequence.
 */
export function templateText(token: TemplateToken): string | undefined {
  if (isString(token)) return token.value;
  if (isBoolean(token) || isNumber(token)) return String(token.value);
  if (isBasicExpression(token)) return expressionTemplate(token);
  if (isMapping(token) || isSequence(token)) return undefined;
  // Null, and anything else scalar, coerces to the empty string as on GitHub.
  return token.isExpression ? undefined : '';
}

/**
 * A template as the engine's `${{ }}` layer reads it. The parser turns `a ${{ x }} b` into
 * `format('a {0} b', x)` (keeping the parts in `originalExpressions`); that is turned back
 * into `a ${{ x }} b`. (A single-line token's `source` is no help: it holds the YAML quotes.)
 */
export function expressionTemplate(token: BasicExpressionToken): string {
  return (
    multiLineValue(token) ??
    (token.originalExpressions && templateFromFormat(token.expression, token.originalExpressions)) ??
    `\${{ ${token.expression} }}`
  );
}

/**
 * A multi-line scalar decoded as YAML decodes it. For these the parser builds its format()
 * from the raw source, indentation included, which would break heredocs in `run: |`; the
 * source itself still holds the `${{ }}` as written, so decoding it gives the true template.
 */
function multiLineValue(token: BasicExpressionToken): string | undefined {
  const range = token.range;
  if (token.source === undefined || !range || range.start.line === range.end.line) return undefined;
  const document = token.blockScalarHeader === undefined ? `x: ${token.source}` : `x: ${token.blockScalarHeader}\n${token.source}`;
  try {
    const value = (parse(document) as { x?: unknown } | null)?.x;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const FORMAT_START = "format('";

/** `format('a {0} {{b}} ''c''', x)` with parts [x] → `a ${{ x }} {b} 'c'`; undefined when not of that form. */
function templateFromFormat(expression: string, parts: readonly BasicExpressionToken[]): string | undefined {
  if (!expression.startsWith(FORMAT_START)) return undefined;
  let text = '';
  for (let i = FORMAT_START.length; i < expression.length; ) {
    const char = expression[i] as string;
    const next = expression[i + 1];
    if (char === "'" && next !== "'") return text; // the end of the format string
    if ((char === "'" || char === '{' || char === '}') && next === char) {
      text += char;
      i += 2;
    } else if (char === '{') {
      const close = expression.indexOf('}', i);
      const part = close < 0 ? undefined : parts[Number(expression.slice(i + 1, close))];
      if (part === undefined) return undefined;
      text += `\${{ ${part.expression} }}`;
      i = close + 1;
    } else {
      text += char;
      i++;
    }
  }
  return undefined;
}

/**
 * A condition for the engine, without the `${{ }}` wrapper. A template mixing text and
 * expressions is the parser's format() call: a non-empty string, truthy as on GitHub.
 */
export function conditionText(token: TemplateToken): string | undefined {
  if (isBasicExpression(token)) return token.expression;
  if (isString(token)) return token.value.trim();
  if (isBoolean(token) || isNumber(token)) return String(token.value);
  return undefined;
}

/** Plain JSON-like value (matrix axes and entries); expressions become `${{ }}` strings. */
export function plainValue(token: TemplateToken): unknown {
  if (isString(token)) return token.value;
  if (isBoolean(token) || isNumber(token)) return token.value;
  if (isBasicExpression(token)) return expressionTemplate(token);
  if (isSequence(token)) return [...token].map(plainValue);
  if (isMapping(token)) return Object.fromEntries(entriesOf(token).map((entry) => [entry.key, plainValue(entry.value)]));
  return null;
}

/** Whether a token (or anything inside it, mapping keys such as `${{ insert }}` too) is an expression. */
export function holdsExpression(token: TemplateToken): boolean {
  if (token.isExpression) return true;
  if (isSequence(token)) return [...token].some(holdsExpression);
  if (isMapping(token)) return entriesOf(token).some((entry) => holdsExpression(entry.keyToken) || holdsExpression(entry.value));
  return false;
}
