import type { Json } from './payload-fields.js';
import { branchName, commitId, isZeroSha, login, object, positiveInteger, previousCommit, pushedFiles, refParts, repositoryUrl, text } from './payload-fields.js';
import type { PullRequestAction, TriggerEvent } from './trigger-event.js';

/**
 * Pull request actions that start runs, by the name the host sends. Gitea sends
 * `synchronized` where GitHub sends `synchronize`; edits, labels, reviews and assignments
 * build nothing, as `on.pull_request.types` cannot ask for them.
 */
const PULL_REQUEST_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  opened: 'opened',
  synchronize: 'synchronize',
  synchronized: 'synchronize',
  reopened: 'reopened',
  closed: 'closed',
};

/**
 * A GitHub or Gitea `push` or `pull_request` payload (Gitea copies GitHub's shape) as a
 * TriggerEvent, or the reason it starts nothing.
 */
export function normalizeGithubEvent(name: string, body: Json): TriggerEvent | string {
  if (name === 'push') return normalizePush(body);
  if (name === 'pull_request') return normalizePullRequest(body);
  return `event "${name || '(none)'}" starts no run`;
}

function normalizePush(body: Json): TriggerEvent | string {
  const ref = text(body, 'ref');
  // A deleted branch or tag arrives as a push whose new commit is all zeros.
  if (body.deleted === true || isZeroSha(body.after)) return `${ref} was deleted; nothing to build`;
  const parts = refParts(ref);
  if (!parts) return `${ref} is neither a branch nor a tag`;
  const actor = login(body.sender) ?? login(body.pusher) ?? 'unknown';
  return { name: 'push', ref, sha: commitId(body, 'after'), ...parts, ...previousCommit(body), ...pushedFiles(body), actor, ...repositoryUrl(body.repository, 'clone_url') };
}

function normalizePullRequest(body: Json): TriggerEvent | string {
  const actionName = text(body, 'action');
  const action = Object.hasOwn(PULL_REQUEST_ACTIONS, actionName) ? PULL_REQUEST_ACTIONS[actionName] : undefined;
  if (!action) return `pull request action "${actionName}" starts no run`;
  const pullRequest = object(body, 'pull_request');
  const number = positiveInteger(body.number ?? pullRequest.number, 'number');
  const head = object(pullRequest, 'head');
  const base = object(pullRequest, 'base');
  return {
    name: 'pull_request',
    ref: `refs/pull/${number}/head`,
    sha: commitId(head, 'sha'),
    branch: branchName(head, 'ref'),
    baseBranch: branchName(base, 'ref'),
    ...(typeof base.sha === 'string' ? { baseSha: commitId(base, 'sha') } : {}),
    action,
    pullRequest: number,
    actor: login(body.sender) ?? 'unknown',
    ...repositoryUrl(body.repository, 'clone_url'),
  };
}
