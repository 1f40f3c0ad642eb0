import { truthy } from '@actions/expressions/result';
import { conditionForm } from './condition-form.js';
import type { Contexts, ExpressionHost } from './evaluate-expression.js';
import { evaluateParsed, NO_HOST, parseOrThrow } from './evaluate-expression.js';
import { interpolate, segmentsOrThrow } from './interpolate.js';

/**
 * `if:` as on GitHub: an empty or missing condition means `success()`; a condition that
 * calls none of success(), failure(), always(), cancelled() is implicitly
 * `success() && (condition)`, so a step after a failure is skipped unless it asks otherwise.
 * The condition is not evaluated at all when that implicit success() is false, as GitHub
 * short-circuits the `&&`. Throws ExpressionError.
 */
export function evaluateCondition(condition: string | undefined, contexts: Contexts, host: ExpressionHost = NO_HOST): boolean {
  const succeeded = () => host.status?.success() ?? true;
  const form = conditionForm(condition);
  switch (form.kind) {
    case 'default':
      return succeeded();
    case 'expression': {
      const parsed = parseOrThrow(form.source, contexts);
      if (!parsed.callsStatusFunction && !succeeded()) return false;
      return truthy(evaluateParsed(parsed, form.source, contexts, host));
    }
    case 'template': {
      const sources = segmentsOrThrow(form.template).flatMap((s) => (s.kind === 'expression' ? [s.source.trim()] : []));
      const callsStatusFunction = sources.some((source) => source !== '' && parseOrThrow(source, contexts).callsStatusFunction);
      if (!callsStatusFunction && !succeeded()) return false;
      return interpolate(form.template, contexts, host) !== '';
    }
  }
}
