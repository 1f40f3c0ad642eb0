import { isScalar } from 'yaml';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { reportType, scalarText, valueTarget } from './read-values.js';

/**
 * An `if:` condition, stored without the optional `${{ }}` wrapper: GitHub Actions accepts
 * `if: success()` and `if: ${{ success() }}` alike, and so do we.
 */
export function readCondition(ctx: ReadContext, entry: Entry): string | undefined {
  const { value } = entry;
  if (!isScalar(value) || value.value === null) return reportType(ctx, entry, 'a condition such as success() or always()');
  const written = scalarText(value).trim();
  const condition = unwrapExpression(written);
  if (condition === '') {
    ctx.report.error('pipeline.invalid-expression', `"${entry.key}" must not be empty`, valueTarget(entry));
    return undefined;
  }
  ctx.checkConditionAt(written, entry.key, value);
  return condition;
}

/**
 * `${{ a && b }}` → `a && b`. Anything else stays as written: a bare expression, or a
 * template such as `${{ a }} && ${{ b }}` (true whenever non-empty, as on GitHub), which the
 * engine's condition evaluator tells apart the same way.
 */
export function unwrapExpression(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('${{') || !trimmed.endsWith('}}')) return trimmed;
  const inner = trimmed.slice(3, -2);
  // A `}}` or `${{` inside means several expressions (or a quoted brace): leave it whole.
  return inner.includes('}}') || inner.includes('${{') ? trimmed : inner.trim();
}
