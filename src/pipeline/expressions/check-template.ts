import { EMPTY_EXPRESSION } from './interpolate.js';
import { parseExpression } from './parse-expression.js';
import { splitTemplate } from './split-template.js';
import { conditionForm } from './condition-form.js';

/**
 * Syntax check of one expression body (no `${{ }}`) against DeployLite's contexts and
 * functions. Returns error messages, empty when fine.
 */
export function checkExpression(source: string): string[] {
  const result = parseExpression(source.trim());
  return result.ok ? [] : [result.message];
}

/** Checks every `${{ }}` in a template string, including an unterminated `${{`. */
export function checkTemplate(template: string): string[] {
  const split = splitTemplate(template);
  const messages: string[] = [];
  for (const segment of split.segments) {
    if (segment.kind !== 'expression') continue;
    if (segment.source.trim() === '') messages.push(EMPTY_EXPRESSION);
    else messages.push(...checkExpression(segment.source));
  }
  if (!split.ok) messages.push(split.message);
  return messages;
}

/** A condition (`if:`) with or without the `${{ }}` wrapper. */
export function checkCondition(condition: string): string[] {
  const form = conditionForm(condition);
  switch (form.kind) {
    case 'default':
      return [];
    case 'expression':
      return checkExpression(form.source);
    case 'template':
      return checkTemplate(form.template);
  }
}

/**
 * The contexts (lower-cased) that a template's expressions read, for keys evaluated where
 * only some contexts exist. Expressions that do not parse are left out: `checkTemplate`
 * reports them.
 */
export function templateContexts(template: string): Set<string> {
  const contexts = new Set<string>();
  for (const segment of splitTemplate(template).segments) {
    if (segment.kind !== 'expression' || segment.source.trim() === '') continue;
    const result = parseExpression(segment.source.trim());
    if (result.ok) result.parsed.contexts.forEach((name) => contexts.add(name));
  }
  return contexts;
}

/** Secrets a template (`${{ }}` parts) or a condition (`if:`) reads: names, or 'all'. */
export function secretsRead(text: string, kind: 'template' | 'condition'): ReadonlySet<string> | 'all' {
  const names = new Set<string>();
  for (const source of kind === 'condition' ? conditionSources(text) : templateSources(text)) {
    const result = parseExpression(source.trim());
    if (!result.ok) continue;
    if (result.parsed.secrets === 'all') return 'all';
    result.parsed.secrets.forEach((name) => names.add(name));
  }
  return names;
}

function templateSources(template: string): string[] {
  return splitTemplate(template).segments.flatMap((segment) => (segment.kind === 'expression' && segment.source.trim() !== '' ? [segment.source] : []));
}

function conditionSources(condition: string): string[] {
  const form = conditionForm(condition);
  if (form.kind === 'expression') return [form.source];
  return form.kind === 'template' ? templateSources(form.template) : [];
}
