import type { data } from '@actions/expressions';
import { ExpressionError } from './expression-error.js';
import { coerceToString, fromExpressionData } from './expression-data.js';
import type { Contexts, ExpressionHost } from './evaluate-expression.js';
import { evaluateToData, NO_HOST } from './evaluate-expression.js';
import type { TemplateSegment } from './split-template.js';
import { splitTemplate } from './split-template.js';

const OPEN = '${{';

export function containsExpression(template: string): boolean {
  return template.includes(OPEN);
}

/**
 * Replaces every `${{ }}` in the template with its value coerced to a string as GitHub
 * does: null is empty, booleans and numbers print as in the expression language, objects
 * and arrays print as `toJSON()` would. Throws ExpressionError.
 */
export function interpolate(template: string, contexts: Contexts, host: ExpressionHost = NO_HOST): string {
  if (!containsExpression(template)) return template;
  let result = '';
  for (const segment of segmentsOrThrow(template)) {
    result += segment.kind === 'text' ? segment.text : coerceToString(evaluateSegment(segment.source, contexts, host));
  }
  return result;
}

/**
 * The raw value (object, array, number...) when the template is exactly one `${{ }}`,
 * otherwise the interpolated string. Whitespace around the single expression is ignored:
 * a YAML block scalar such as `matrix: |` leaves a trailing newline that no one means.
 */
export function evaluateTemplateValue(template: string, contexts: Contexts, host: ExpressionHost = NO_HOST): unknown {
  if (!containsExpression(template)) return template;
  const only = singleExpression(template);
  if (only !== undefined) return fromExpressionData(evaluateSegment(only, contexts, host));
  return interpolate(template, contexts, host);
}

/** The body of the template's only `${{ }}` when nothing but whitespace surrounds it. */
export function singleExpression(template: string): string | undefined {
  const segments = segmentsOrThrow(template).filter((s) => s.kind === 'expression' || s.text.trim() !== '');
  const [first] = segments;
  return segments.length === 1 && first?.kind === 'expression' ? first.source : undefined;
}

export function segmentsOrThrow(template: string): readonly TemplateSegment[] {
  const split = splitTemplate(template);
  if (!split.ok) throw new ExpressionError('expression.invalid', split.message);
  return split.segments;
}

/** `${{ }}` with nothing inside is an error in a template, as in GitHub's template reader. */
export function evaluateSegment(source: string, contexts: Contexts, host: ExpressionHost): data.ExpressionData {
  const trimmed = source.trim();
  if (trimmed === '') throw new ExpressionError('expression.invalid', EMPTY_EXPRESSION);
  return evaluateToData(trimmed, contexts, host);
}

export const EMPTY_EXPRESSION = 'An expression was expected inside ${{ }}';
