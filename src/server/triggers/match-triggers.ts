import type { PipelineTriggers } from '../../pipeline/index.js';
import { matchesFilterPatterns } from '../../pipeline/index.js';
import type { TriggerEvent } from './trigger-event.js';

/** The part of a pipeline's `on:` that webhooks are filtered by. */
export type EventFilters = Pick<PipelineTriggers, 'push' | 'pullRequest'>;

/**
 * GitHub Actions' rules: an event kind not listed under `on:` starts nothing; without
 * filters every branch and tag matches; a push with only `branches` filters ignores tag
 * pushes and one with only `tags` ignores branch pushes; pull requests filter on the branch
 * they target (not their head branch) and on their action type. Patterns are GitHub's
 * (see `matchesFilterPatterns`), `!` excludes and the last matching pattern wins.
 */
export function matchesTriggers(filters: EventFilters, event: TriggerEvent): boolean {
  if (event.name === 'push') {
    const push = filters.push;
    if (!push) return false;
    if (event.tag !== undefined) return push.tags ? matchesFilterPatterns(push.tags, event.tag) : !push.branches;
    if (event.branch !== undefined) return push.branches ? matchesFilterPatterns(push.branches, event.branch) : !push.tags;
    return !push.branches && !push.tags;
  }
  const pr = filters.pullRequest;
  if (!pr) return false;
  if (event.action !== undefined && !pr.types.includes(event.action)) return false;
  return !pr.branches || (event.baseBranch !== undefined && matchesFilterPatterns(pr.branches, event.baseBranch));
}
