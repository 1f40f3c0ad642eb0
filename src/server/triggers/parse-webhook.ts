import { createHash } from 'node:crypto';
import { normalizeGithubEvent } from './normalize-github-event.js';
import { normalizeGitlabEvent } from './normalize-gitlab-event.js';
import type { Json } from './payload-fields.js';
import { isObject, PayloadError } from './payload-fields.js';
import type { TriggerEvent, WebhookProvider } from './trigger-event.js';
import { verifySignature } from './verify-signature.js';

/** What the webhook route answers; `status` is the HTTP status to reply with. */
export type WebhookResult =
  | { readonly kind: 'rejected'; readonly status: 401; readonly reason: string }
  | { readonly kind: 'invalid'; readonly status: 400; readonly reason: string }
  | { readonly kind: 'ignored'; readonly status: 202; readonly reason: string; readonly deliveryId: string }
  | { readonly kind: 'event'; readonly deliveryId: string; readonly event: TriggerEvent; readonly eventName: string; readonly payload: Json };

type Headers = Readonly<Record<string, string | undefined>>;

/**
 * Authenticates and normalizes one delivery from a Git host. `headers` have lower-case
 * names; `rawBody` is the body exactly as received, since the signature covers its bytes.
 * Order matters: nothing in the body is read before the signature is checked, so an
 * unauthenticated caller learns only "401". Pings, other events, deletions and pull request
 * actions that build nothing are `ignored` (202: hosts treat it as delivered and do not
 * retry). Reasons are short sentences for the host's delivery log and never hold the secret.
 */
export function parseWebhook(provider: WebhookProvider, headers: Headers, rawBody: Buffer, secret: string): WebhookResult {
  const rejection = verifySignature(provider, headers, rawBody, secret);
  if (rejection !== undefined) return { kind: 'rejected', status: 401, reason: rejection };
  const body = parseJsonObject(rawBody);
  if (!body) return { kind: 'invalid', status: 400, reason: 'the body is not a JSON object' };
  const deliveryId = deliveryIdOf(provider, headers, rawBody);
  const name = eventNameOf(provider, headers);
  try {
    const event = provider === 'gitlab' ? normalizeGitlabEvent(name, body) : normalizeGithubEvent(name, body);
    // The host's event name and whole payload go on to a GitHub workflow's `github.event_name` and `github.event`.
    return typeof event === 'string' ? { kind: 'ignored', status: 202, reason: event, deliveryId } : { kind: 'event', deliveryId, event, eventName: name, payload: body };
  } catch (thrown) {
    if (thrown instanceof PayloadError) return { kind: 'invalid', status: 400, reason: thrown.message };
    throw thrown;
  }
}

function parseJsonObject(rawBody: Buffer): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host's id for this delivery, which the server records so a redelivery starts nothing
 * twice. GitLab added its UUID headers late (and self-managed instances may be older); a
 * redelivery repeats the same bytes, so a digest of the body stands in for a missing id.
 */
function deliveryIdOf(provider: WebhookProvider, headers: Headers, rawBody: Buffer): string {
  const id = deliveryHeader(provider, headers)?.trim();
  return id ? id.slice(0, 200) : `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

function deliveryHeader(provider: WebhookProvider, headers: Headers): string | undefined {
  switch (provider) {
    case 'github':
      return headers['x-github-delivery'];
    case 'gitea':
      return headers['x-gitea-delivery'] ?? headers['x-github-delivery'];
    case 'gitlab':
      return headers['x-gitlab-event-uuid'] ?? headers['x-gitlab-webhook-uuid'] ?? headers['idempotency-key'];
  }
}

/** Gitea's X-Gitea-Event groups its subtypes: a synchronize or a label change are both `pull_request`. */
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
