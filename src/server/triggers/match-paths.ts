import { compileFilterPattern } from '../../pipeline/index.js';

/**
 * Whether some changed file is selected by GitHub's `on.<event>.paths` list (`paths-ignore`
 * arrives as `['**', '!pattern', …]`): patterns apply in order, a `!pattern` deselects
 * again, the last match wins, and one selected file is enough — GitHub's "if at least one
 * path matches a pattern in the paths filter, the workflow runs".
 *
 * Path patterns are the branch patterns (`*` stops at `/`, `**` crosses it) with one more
 * rule of GitHub's cheat sheet: `**` followed by `/` also matches no folder at all, so the
 * pattern `docs/**` `/*.md` (one pattern, split here) selects `docs/README.md`.
 */
export function matchesPathFilters(patterns: readonly string[], changedFiles: readonly string[]): boolean {
  const compiled = patterns.map((pattern) => {
    const negated = pattern.startsWith('!');
    return { negated, regexp: pathRegExp(negated ? pattern.slice(1) : pattern) };
  });
  return changedFiles.some((file) => {
    let selected = false;
    for (const { negated, regexp } of compiled) if (regexp?.test(file)) selected = !negated;
    return selected;
  });
}

/** A pattern that does not compile matches nothing: the workflow's parser has reported it. */
function pathRegExp(pattern: string): RegExp | undefined {
  const compiled = compileFilterPattern(pattern);
  if (!compiled.ok) return undefined;
  // `**` + `/` compiles to `.*\/`; GitHub lets it stand for no folder too.
  return new RegExp(compiled.regexp.source.replaceAll('.*\\/', '(?:.*\\/)?'), 'u');
}
