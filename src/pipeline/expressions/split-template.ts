/** A piece of a template: literal text, or the body of one `${{ }}` (untrimmed). */
export type TemplateSegment = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'expression'; readonly source: string };

/** On failure, `segments` holds what came before the unterminated `${{`, so a check can still report on it. */
export type SplitResult =
  | { readonly ok: true; readonly segments: readonly TemplateSegment[] }
  | { readonly ok: false; readonly message: string; readonly segments: readonly TemplateSegment[] };

const OPEN = '${{';

/**
 * Splits a template into text and `${{ }}` segments the way GitHub's template reader does:
 * the closing `}}` is searched outside single-quoted string literals, so
 * `${{ format('}}') }}` is one expression (an escaped quote `''` toggles twice and cancels).
 */
export function splitTemplate(template: string): SplitResult {
  let result = cache.get(template);
  if (result === undefined) {
    result = splitUncached(template);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(template, result);
  }
  return result;
}

/** Templates come from pipeline files and are interpolated once per job or step: split each once. */
const cache = new Map<string, SplitResult>();
const CACHE_LIMIT = 20_000;

function splitUncached(template: string): SplitResult {
  const segments: TemplateSegment[] = [];
  let position = 0;
  let start = template.indexOf(OPEN);
  while (start >= 0) {
    if (start > position) segments.push({ kind: 'text', text: template.slice(position, start) });
    const end = findClose(template, start + OPEN.length);
    if (end < 0) {
      return {
        ok: false,
        segments,
        message: `The expression is not closed. An unescaped \${{ sequence was found, but the closing }} sequence was not found: ${excerpt(template.slice(start))}`,
      };
    }
    segments.push({ kind: 'expression', source: template.slice(start + OPEN.length, end) });
    position = end + 2;
    start = template.indexOf(OPEN, position);
  }
  if (position < template.length) segments.push({ kind: 'text', text: template.slice(position) });
  return { ok: true, segments };
}

/** Index of the `}}` that closes an expression whose body starts at `from`, or -1. */
function findClose(template: string, from: number): number {
  let inString = false;
  for (let i = from; i < template.length; i++) {
    const c = template[i];
    if (c === "'") inString = !inString;
    else if (!inString && c === '}' && template[i + 1] === '}') return i;
  }
  return -1;
}

function excerpt(text: string): string {
  const firstLine = text.split('\n', 1)[0] as string;
  return firstLine.length > 40 ? `${firstLine.slice(0, 40)}…` : firstLine;
}
