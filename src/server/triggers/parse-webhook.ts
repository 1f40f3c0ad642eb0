import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookProvider = 'github' | 'gitea' | 'gitlab';

/** A push or pull request, the same whichever host sent it. */
export interface TriggerEvent {
  readonly name: 'push' | 'pull_request';
  /** `refs/heads/main`, `refs/tags/v1`, or for pull requests `refs/pull/<n>/head`. */
  readonly ref: string;
  /** The commit to build. */
  readonly sha: string;
  readonly branch?: string;
  readonly tag?: string;
  /** Pull requests: the branch they target. */
  readonly baseBranch?: string;
  readonly action?: PullRequestAction;
  readonly pullRequest?: number;
  readonly actor: string;
  readonly repositoryUrl?: string;
}

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'closed';

export type WebhookResult =
  | { readonly kind: 'rejected'; readonly status: 401; readonly reason: string }
  | { readonly kind: 'invalid'; readonly status: 400; readonly reason: string }
  | { readonly kind: 'ignored'; readonly status: 202; readonly reason: string; readonly deliveryId: string }
  | { readonly kind: 'event'; readonly deliveryId: string; readonly event: TriggerEvent };

type Headers = Readonly<Record<string, string | undefined>>;
type Json = Record<string, unknown>;

const ZERO_SHA = /^0+$/;
const GITLAB_MR_ACTIONS: Record<string, PullRequestAction> = { open: 'opened', update: 'synchronize', reopen: 'reopened', close: 'closed', merge: 'closed' };
const PR_ACTIONS = new Set<string>(['opened', 'synchronize', 'reopened', 'closed']);

/**
 * Verifies and normalizes a Git host's webhook. The signature is checked over the raw bytes
 * before the body is parsed (GitHub and Gitea: HMAC-SHA256 of the body; GitLab: the shared
 * token itself), always in constant time. Reasons never contain the secret.
 */
export function parseWebhook(provider: WebhookProvider, headers: Headers, rawBody: Buffer, secret: string): WebhookResult {
  const rejection = verify(provider, headers, rawBody, secret);
  if (rejection) return { kind: 'rejected', status: 401, reason: rejection };
  const deliveryId = deliveryIdOf(provider, headers);
  if (!deliveryId) return { kind: 'invalid', status: 400, reason: `the ${provider} delivery id header is missing` };
  let body: Json;
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    if (!isObject(parsed)) throw new Error('not an object');
    body = parsed;
  } catch {
    return { kind: 'invalid', status: 400, reason: 'the body is not a JSON object' };
  }
  const eventName = eventNameOf(provider, headers);
  const ignored = (reason: string): WebhookResult => ({ kind: 'ignored', status: 202, reason, deliveryId });
  try {
    const event = provider === 'gitlab' ? fromGitlab(eventName, body) : fromGithubLike(eventName, body);
    return typeof event === 'string' ? ignored(event) : { kind: 'event', deliveryId, event };
  } catch (thrown) {
    return { kind: 'invalid', status: 400, reason: (thrown as Error).message };
  }
}

function verify(provider: WebhookProvider, headers: Headers, body: Buffer, secret: string): string | undefined {
  if (provider === 'gitlab') {
    const token = headers['x-gitlab-token'];
    if (!token) return 'the X-Gitlab-Token header is missing';
    return constantTimeEqual(token, secret) ? undefined : 'the X-Gitlab-Token does not match the project secret';
  }
  const expected = createHmac('sha256', secret).update(body).digest('hex');
  const github = headers['x-hub-signature-256'];
  const gitea = provider === 'gitea' ? headers['x-gitea-signature'] : undefined;
  if (!github && !gitea) return `the ${provider === 'github' ? 'X-Hub-Signature-256' : 'X-Gitea-Signature'} header is missing`;
  const given = gitea ?? (github as string).replace(/^sha256=/, '');
  return constantTimeEqual(given.toLowerCase(), expected) ? undefined : 'the signature does not match the body and the project secret';
}

/** Equal length first (that leaks only the length, which is public), then timingSafeEqual. */
function constantTimeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function deliveryIdOf(provider: WebhookProvider, headers: Headers): string | undefined {
  switch (provider) {
    case 'github':
      return headers['x-github-delivery'];
    case 'gitea':
      return headers['x-gitea-delivery'] ?? headers['x-github-delivery'];
    case 'gitlab':
      return headers['x-gitlab-event-uuid'] ?? headers['x-gitlab-webhook-uuid'] ?? headers['idempotency-key'];
  }
}

function eventNameOf(provider: WebhookProvider, headers: Headers): string {
  switch (provider) {
    case 'github':
      return headers['x-github-event'] ?? '';
    case 'gitea':
      return headers['x-gitea-event'] ?? headers['x-github-event'] ?? '';
    case 'gitlab':
      return headers['x-gitlab-event'] ?? '';
  }
}

/** GitHub and Gitea share the payload shape of push and pull_request. */
function fromGithubLike(name: string, body: Json): TriggerEvent | string {
  if (name === 'push') {
    const ref = text(body, 'ref');
    const sha = text(body, 'after');
    if (body.deleted === true || ZERO_SHA.test(sha)) return `${ref} was deleted; nothing to build`;
    return { name: 'push', ref, sha, ...refParts(ref), actor: login(body.sender) ?? login(body.pusher) ?? 'unknown', ...repositoryUrl(body.repository, 'clone_url') };
  }
  if (name === 'pull_request') {
    const action = text(body, 'action');
    if (!PR_ACTIONS.has(action)) return `pull request action "${action}" starts no run`;
    const pr = object(body, 'pull_request');
    const number = typeof body.number === 'number' ? body.number : Number(pr.number);
    const head = object(pr, 'head');
    const base = object(pr, 'base');
    return {
      name: 'pull_request',
      ref: `refs/pull/${number}/head`,
      sha: text(head, 'sha'),
      branch: text(head, 'ref'),
      baseBranch: text(base, 'ref'),
      action: action as PullRequestAction,
      pullRequest: number,
      actor: login(body.sender) ?? 'unknown',
      ...repositoryUrl(body.repository, 'clone_url'),
    };
  }
  return `event "${name || '(none)'}" is not one DeployLite builds`;
}

function fromGitlab(name: string, body: Json): TriggerEvent | string {
  if (name === 'Push Hook' || name === 'Tag Push Hook') {
    const ref = text(body, 'ref');
    const sha = typeof body.checkout_sha === 'string' ? body.checkout_sha : text(body, 'after');
    if (ZERO_SHA.test(text(body, 'after')) || !sha) return `${ref} was deleted; nothing to build`;
    const actor = typeof body.user_username === 'string' ? body.user_username : 'unknown';
    return { name: 'push', ref, sha, ...refParts(ref), actor, ...repositoryUrl(body.project, 'git_http_url') };
  }
  if (name === 'Merge Request Hook') {
    const attributes = object(body, 'object_attributes');
    const action = GITLAB_MR_ACTIONS[String(attributes.action)];
    if (!action) return `merge request action "${String(attributes.action)}" starts no run`;
    const iid = Number(attributes.iid);
    return {
      name: 'pull_request',
      ref: `refs/merge-requests/${iid}/head`,
      sha: text(object(attributes, 'last_commit'), 'id'),
      branch: text(attributes, 'source_branch'),
      baseBranch: text(attributes, 'target_branch'),
      action,
      pullRequest: iid,
      actor: login(body.user) ?? 'unknown',
      ...repositoryUrl(body.project, 'git_http_url'),
    };
  }
  return `event "${name || '(none)'}" is not one DeployLite builds`;
}

function refParts(ref: string): { branch?: string; tag?: string } {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { tag: ref.slice('refs/tags/'.length) };
  return {};
}

function repositoryUrl(repository: unknown, key: string): { repositoryUrl?: string } {
  return isObject(repository) && typeof repository[key] === 'string' ? { repositoryUrl: repository[key] } : {};
}

function login(user: unknown): string | undefined {
  if (!isObject(user)) return undefined;
  for (const key of ['login', 'username', 'name']) if (typeof user[key] === 'string' && user[key]) return user[key];
  return undefined;
}

function text(body: Json, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new Error(`the payload has no "${key}"`);
  return value;
}

function object(body: Json, key: string): Json {
  const value = body[key];
  if (!isObject(value)) throw new Error(`the payload has no "${key}" object`);
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
