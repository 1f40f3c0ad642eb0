import { splitTemplate } from './split-template.js';

/**
 * How an `if:` value reads. GitHub accepts the expression bare (`if: failure()`) or wrapped
 * (`if: ${{ failure() }}`). Text around a `${{ }}` makes it a template whose result is a
 * string, true whenever non-empty: GitHub behaves the same way, which is why
 * `if: ${{ false }} && x` runs.
 */
export type ConditionForm =
  | { readonly kind: 'default' }
  | { readonly kind: 'expression'; readonly source: string }
  | { readonly kind: 'template'; readonly template: string };

export function conditionForm(condition: string | undefined): ConditionForm {
  const trimmed = condition?.trim() ?? '';
  if (trimmed === '') return { kind: 'default' };
  if (!trimmed.includes('${{')) return { kind: 'expression', source: trimmed };
  const split = splitTemplate(trimmed);
  if (split.ok && split.segments.length === 1 && split.segments[0]?.kind === 'expression') {
    const source = split.segments[0].source.trim();
    // `if: ${{ }}` is an empty expression in a template: report it rather than run.
    if (source !== '') return { kind: 'expression', source };
  }
  return { kind: 'template', template: trimmed };
}
