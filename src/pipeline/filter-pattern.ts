/**
 * GitHub Actions' filter patterns for branch and tag names (its "filter pattern cheat
 * sheet"): `*` matches any run of characters but `/`, `**` any run at all, `?` makes the
 * preceding character optional, `+` repeats it once or more, `[a-z0-9_]` matches one
 * character of a set (ranges of letters or digits), and `\` takes the next character
 * literally. Everything else matches itself, case-sensitively. A leading `!` belongs to the
 * list, not the pattern: see `matchesFilterPatterns`.
 */
export type CompiledFilterPattern = { readonly ok: true; readonly regexp: RegExp } | { readonly ok: false; readonly message: string };

export function compileFilterPattern(pattern: string): CompiledFilterPattern {
  if (pattern === '') return { ok: false, message: 'the pattern is empty' };
  let source = '';
  // Whether the last piece is one character (or a set) that `?` and `+` may apply to.
  let quantifiable = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return { ok: false, message: 'it ends with a lone "\\"' };
      source += escapeRegExp(next);
      quantifiable = true;
      i++;
    } else if (char === '*') {
      const double = pattern[i + 1] === '*';
      source += double ? '.*' : '[^/]*';
      if (double) i++;
      quantifiable = false;
    } else if (char === '?' || char === '+') {
      if (!quantifiable) return { ok: false, message: `"${char}" must follow a character it repeats (write "\\${char}" to match a literal "${char}")` };
      source += char;
      quantifiable = false;
    } else if (char === '[') {
      const set = readSet(pattern, i);
      if (!set.ok) return set;
      source += set.source;
      quantifiable = true;
      i = set.end;
    } else {
      source += escapeRegExp(char);
      quantifiable = true;
    }
  }
  return { ok: true, regexp: new RegExp(`^${source}$`, 'u') };
}

/**
 * Whether `name` is selected by a GitHub-style pattern list: patterns are applied in order,
 * a match selects the name and a match of a `!pattern` deselects it again, so the last
 * matching pattern wins (`['release/**', '!release/**-alpha']`). A pattern that does not
 * compile matches nothing; `compilePipeline` has already reported it.
 */
export function matchesFilterPatterns(patterns: readonly string[], name: string): boolean {
  let selected = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const compiled = compileFilterPattern(negated ? pattern.slice(1) : pattern);
    if (compiled.ok && compiled.regexp.test(name)) selected = !negated;
  }
  return selected;
}

type SetResult = { readonly ok: true; readonly source: string; readonly end: number } | { readonly ok: false; readonly message: string };

/** `[...]` starting at `start`: single characters and `a-z`-style ranges of letters or digits. */
function readSet(pattern: string, start: number): SetResult {
  const end = pattern.indexOf(']', start + 1);
  if (end === -1) return { ok: false, message: 'a "[" is never closed with "]"' };
  const body = [...pattern.slice(start + 1, end)];
  if (body.length === 0) return { ok: false, message: '"[]" holds no characters' };
  let source = '';
  for (let i = 0; i < body.length; i++) {
    const from = body[i] as string;
    const to = body[i + 2];
    if (body[i + 1] === '-' && to !== undefined) {
      if (!sameRangeClass(from, to) || from > to) {
        return { ok: false, message: `"${from}-${to}" is not a range (ranges go from a lower to a higher letter or digit, as in a-z or 0-9)` };
      }
      source += `${from}-${to}`;
      i += 2;
    } else {
      source += escapeInSet(from);
    }
  }
  return { ok: true, source: `[${source}]`, end };
}

function sameRangeClass(from: string, to: string): boolean {
  return [/^[a-z]$/, /^[A-Z]$/, /^[0-9]$/].some((range) => range.test(from) && range.test(to));
}

/** With the `u` flag a needless escape is an error, so only syntax characters are escaped. */
function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** Inside a set `-` is syntax too. */
function escapeInSet(char: string): string {
  return char === '-' ? '\\-' : escapeRegExp(char);
}
