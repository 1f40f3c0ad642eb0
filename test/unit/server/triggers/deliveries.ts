import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../e2e/support/cli.js';
import type { TriggerEvent, WebhookProvider, WebhookResult } from '../../../../src/server/triggers/index.js';
import { parseWebhook } from '../../../../src/server/triggers/index.js';

/** The project secret the tests sign with. */
export const SECRET = 'project-webhook-secret';

/** A recorded payload from test/fixtures/webhooks, byte for byte. */
export const fixture = (path: string): Buffer => readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks', path));

export const hmac = (body: Buffer, secret = SECRET): string => createHmac('sha256', secret).update(body).digest('hex');

/** The headers each host sends with a delivery of `event`, signed over `body` with SECRET. */
export function signedHeaders(provider: WebhookProvider, event: string, body: Buffer): Record<string, string | undefined> {
  switch (provider) {
    case 'github':
      return { 'x-github-event': event, 'x-github-delivery': 'delivery-1', 'x-hub-signature-256': `sha256=${hmac(body)}` };
    case 'gitea':
      return { 'x-gitea-event': event, 'x-gitea-delivery': 'delivery-1', 'x-gitea-signature': hmac(body), 'x-hub-signature-256': `sha256=${hmac(body)}` };
    case 'gitlab':
      return { 'x-gitlab-event': event, 'x-gitlab-event-uuid': 'delivery-1', 'x-gitlab-token': SECRET };
  }
}

/** Parses a delivery of `body` as the host would send it, with header `overrides` (undefined removes one). */
export function deliver(provider: WebhookProvider, event: string, body: Buffer, overrides: Record<string, string | undefined> = {}): WebhookResult {
  return parseWebhook(provider, { ...signedHeaders(provider, event, body), ...overrides }, body, SECRET);
}

/** The normalized event of a delivery that must start a run. */
export function eventOf(result: WebhookResult): TriggerEvent {
  if (result.kind !== 'event') throw new Error(`expected an event, got ${result.kind}: ${'reason' in result ? result.reason : ''}`);
  return result.event;
}

/** `kind status: reason` of a delivery that must not start a run. */
export function refusalOf(result: WebhookResult): string {
  if (result.kind === 'event') throw new Error(`expected a refusal, got a ${result.event.name} event`);
  return `${result.kind} ${result.status}: ${result.reason}`;
}
