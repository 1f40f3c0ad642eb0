import type { Json } from './payload-fields.js';
import { branchName, commitId, isZeroSha, login, object, positiveInteger, previousCommit, pushedFiles, refParts, repositoryUrl, text } from './payload-fields.js';
import type { PullRequestAction, TriggerEvent } from './trigger-event.js';

/** GitLab's merge request actions in GitHub's words; `update` is handled apart. */
const MERGE_REQUEST_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  open: 'opened',
  reopen: 'reopened',
  close: 'closed',
  merge: 'closed',
};

/** A GitLab `Push Hook`, `Tag Push Hook` or `Merge Request Hook` as a TriggerEvent, or why it starts nothing. */
export function normalizeGitlabEvent(name: string, body: Json): TriggerEvent | string {
  if (name === 'Push Hook' || name === 'Tag Push Hook') return normalizePush(body);
  if (name === 'Merge Request Hook') return normalizeMergeRequest(body);
  return `event "${name || '(none)'}" starts no run`;
}

function normalizePush(body: Json): TriggerEvent | string {
  const ref = text(body, 'ref');
  // Deleting a branch or tag sends all zeros as `after` and no `checkout_sha`.
  if (isZeroSha(body.after) || body.checkout_sha === null) return `${ref} was deleted; nothing to build`;
  const parts = refParts(ref);
  if (!parts) return `${ref} is neither a branch nor a tag`;
  // `checkout_sha` is the commit; for an annotated tag `after` is the tag object instead.
  const sha = commitId(body, typeof body.checkout_sha === 'string' ? 'checkout_sha' : 'after');
  const actor = typeof body.user_username === 'string' && body.user_username !== '' ? body.user_username : 'unknown';
  return { name: 'push', ref, sha, ...parts, ...previousCommit(body), ...pushedFiles(body), actor, ...repositoryUrl(body.project, 'git_http_url') };
}

function normalizeMergeRequest(body: Json): TriggerEvent | string {
  const attributes = object(body, 'object_attributes');
  const actionName = typeof attributes.action === 'string' ? attributes.action : '(none)';
  const action = mergeRequestAction(actionName, attributes);
  if (!action) return actionName === 'update' ? 'a merge request edit without new commits starts no run' : `merge request action "${actionName}" starts no run`;
  const iid = positiveInteger(attributes.iid, 'object_attributes.iid');
  return {
    name: 'pull_request',
    ref: `refs/merge-requests/${iid}/head`,
    sha: commitId(object(attributes, 'last_commit'), 'id'),
    branch: branchName(attributes, 'source_branch'),
    baseBranch: branchName(attributes, 'target_branch'),
    action,
    pullRequest: iid,
    actor: login(body.user) ?? 'unknown',
    ...repositoryUrl(body.project, 'git_http_url'),
  };
}

/**
 * GitLab sends `update` for new commits and for edits (title, labels, draft) alike; only new
 * commits carry `oldrev`, and only they are GitHub's `synchronize`.
 */
function mergeRequestAction(actionName: string, attributes: Json): PullRequestAction | undefined {
  if (actionName === 'update') return typeof attributes.oldrev === 'string' ? 'synchronize' : undefined;
  return Object.hasOwn(MERGE_REQUEST_ACTIONS, actionName) ? MERGE_REQUEST_ACTIONS[actionName] : undefined;
}
