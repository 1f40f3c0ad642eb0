import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookProvider } from './trigger-event.js';

type Headers = Readonly<Record<string, string | undefined>>;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Why a delivery is not authentic, or undefined when it is. GitHub signs the raw body with
 * HMAC-SHA256 in `X-Hub-Signature-256: sha256=<hex>`; Gitea sends the same HMAC as bare hex
 * in `X-Gitea-Signature` and also GitHub's header, either is accepted; GitLab sends the
 * shared secret itself in `X-Gitlab-Token`. Every comparison is constant-time over
 * fixed-length digests, so neither the secret's bytes nor its length leak through timing.
 * Reasons name headers, never the secret or the expected signature.
 */
export function verifySignature(provider: WebhookProvider, headers: Headers, body: Buffer, secret: string): string | undefined {
  // An empty key would make every signature computable by anyone.
  if (secret === '') return 'the project has no webhook secret';
  if (provider === 'gitlab') {
    const token = headers['x-gitlab-token'];
    if (!token) return 'the X-Gitlab-Token header is missing';
    return digestsEqual(sha256(Buffer.from(token)), sha256(Buffer.from(secret))) ? undefined : 'the X-Gitlab-Token does not match the project secret';
  }
  const gitea = provider === 'gitea' ? headers['x-gitea-signature']?.trim() : undefined;
  const hub = headers['x-hub-signature-256']?.trim();
  if (!gitea && !hub) {
    return provider === 'github' ? 'the X-Hub-Signature-256 header is missing' : 'the X-Gitea-Signature (or X-Hub-Signature-256) header is missing';
  }
  const hex = gitea || (hub?.startsWith('sha256=') ? hub.slice('sha256='.length) : '');
  if (!HEX_SHA256.test(hex)) return gitea ? 'the X-Gitea-Signature header is not a hex SHA-256 HMAC' : 'the X-Hub-Signature-256 header is not "sha256=" and a hex SHA-256 HMAC';
  const expected = createHmac('sha256', secret).update(body).digest();
  return digestsEqual(Buffer.from(hex, 'hex'), expected) ? undefined : 'the signature does not match the body and the project secret';
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** timingSafeEqual throws on different lengths; both digests here are 32 bytes, checked anyway. */
function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
