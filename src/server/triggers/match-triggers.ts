import type { TriggerEvent } from './parse-webhook.js';

/** The part of a pipeline's `on:` that webhooks are filtered by. */
export interface EventFilters {
  readonly push?: { readonly branches?: readonly string[]; readonly tags?: readonly string[] };
  readonly pullRequest?: { readonly branches?: readonly string[]; readonly types: readonly string[] };
}

/**
 * GitHub Actions' filters: an event kind not listed under `on:` does not run; `branches` and
 * `tags` are glob patterns (`*` within a path segment, `**` across them, `!` to exclude, the
 * last matching pattern wins); a push with only `branches` filters ignores tags and the other
 * way round; pull requests filter on the branch they target and on their action type.
 */
export function matchesTriggers(filters: EventFilters, event: TriggerEvent): boolean {
  if (event.name === 'push') {
    const push = filters.push;
    if (!push) return false;
    if (event.tag !== undefined) return push.tags ? matchesPatterns(push.tags, event.tag) : !push.branches;
    if (event.branch !== undefined) return push.branches ? matchesPatterns(push.branches, event.branch) : !push.tags;
    return !push.branches && !push.tags;
  }
  const pr = filters.pullRequest;
  if (!pr) return false;
  if (event.action && !pr.types.includes(event.action)) return false;
  return !pr.branches || matchesPatterns(pr.branches, event.baseBranch ?? '');
}

export function matchesPatterns(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) matched = !negated;
  }
  return matched;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
