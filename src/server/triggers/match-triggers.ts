import type { PipelineTriggers } from '../../pipeline/index.js';
import { matchesFilterPatterns } from '../../pipeline/index.js';
import { matchesPathFilters } from './match-paths.js';
import type { TriggerEvent } from './trigger-event.js';

/** The part of a pipeline's `on:` that webhooks are filtered by. */
export type EventFilters = Pick<PipelineTriggers, 'push' | 'pullRequest'>;

/**
 * GitHub Actions' rules: an event kind not listed under `on:` starts nothing; without
 * filters every branch and tag matches; a push with only `branches` filters ignores tag
 * pushes and one with only `tags` ignores branch pushes; pull requests filter on the branch
 * they target (not their head branch) and on their action type. Patterns are GitHub's
 * (see `matchesFilterPatterns`), `!` excludes and the last matching pattern wins.
 *
 * `paths` must hold too when given ("both filters must be satisfied"), judged on
 * `changedFiles`: GitHub does not evaluate path filters for tag pushes, and when the changes
 * are unknown (undefined: the diff could not be computed) the event runs rather than being
 * lost, as GitHub runs a workflow whose diff is too large to compute.
 */
export function matchesTriggers(filters: EventFilters, event: TriggerEvent, changedFiles?: readonly string[]): boolean {
  if (event.name === 'push') {
    const push = filters.push;
    if (!push) return false;
    if (event.tag !== undefined) return push.tags ? matchesFilterPatterns(push.tags, event.tag) : !push.branches;
    const refMatches = event.branch !== undefined ? (push.branches ? matchesFilterPatterns(push.branches, event.branch) : !push.tags) : !push.branches && !push.tags;
    return refMatches && pathsMatch(push.paths, changedFiles);
  }
  const pr = filters.pullRequest;
  if (!pr) return false;
  if (event.action !== undefined && !pr.types.includes(event.action)) return false;
  const branchMatches = !pr.branches || (event.baseBranch !== undefined && matchesFilterPatterns(pr.branches, event.baseBranch));
  return branchMatches && pathsMatch(pr.paths, changedFiles);
}

/** Whether judging `event` against `filters` needs its changed files (a `paths` filter applies). */
export function needsChangedFiles(filters: EventFilters, event: TriggerEvent): boolean {
  if (event.name === 'push') return event.tag === undefined && filters.push?.paths !== undefined;
  return filters.pullRequest?.paths !== undefined;
}

function pathsMatch(paths: readonly string[] | undefined, changedFiles: readonly string[] | undefined): boolean {
  return paths === undefined || changedFiles === undefined || matchesPathFilters(paths, changedFiles);
}
