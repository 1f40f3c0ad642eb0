import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { createAccessTokenSigner } from '../../../../src/server/auth/access-tokens.js';
import { hashPassword, needsRehash, verifyPassword } from '../../../../src/server/auth/passwords.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const key = Buffer.alloc(32, 7);
const NOW = Date.UTC(2026, 10, 30, 12);
const claims = { userId: 42, username: 'ada', sessionId: 'family-1' };

test('a password verifies against its own hash only, and equal passwords hash differently (salted)', async () => {
  const first = await hashPassword('correct horse battery', FAST);
  const second = await hashPassword('correct horse battery', FAST);
  assert.notEqual(first, second);
  assert.equal(await verifyPassword('correct horse battery', first), true);
  assert.equal(await verifyPassword('correct horse batterY', first), false);
  assert.equal(await verifyPassword('correct horse battery', 'not-a-hash'), false);
  assert.doesNotMatch(first, /correct/);
});

test('a hash made with weaker parameters than the default asks to be re-made', async () => {
  assert.equal(needsRehash(await hashPassword('correct horse battery', FAST)), true);
  assert.equal(needsRehash(await hashPassword('correct horse battery')), false);
});

test('an access token carries the user and session and expires after its lifetime', async () => {
  const signer = createAccessTokenSigner(key, 15 * 60 * 1000);
  const { token, expiresAt } = await signer.sign(claims, NOW);
  assert.equal(expiresAt, NOW + 15 * 60 * 1000);
  assert.deepEqual(await signer.verify(token, NOW + 60_000), claims);
  await assert.rejects(signer.verify(token, NOW + 16 * 60 * 1000), /has expired/);
});

test('tampered, foreign-key, unsigned (alg: none) and wrong-audience tokens are rejected', async () => {
  const signer = createAccessTokenSigner(key);
  const { token } = await signer.sign(claims, NOW);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const raised = base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(payload))), sub: '1' }));
  await assert.rejects(signer.verify(`${header}.${raised}.${signature}`, NOW), /not valid/);

  const other = await createAccessTokenSigner(Buffer.alloc(32, 8)).sign(claims, NOW);
  await assert.rejects(signer.verify(other.token, NOW), /not valid/);

  const unsigned = new UnsecuredJWT({ name: 'ada', sid: 's' }).setSubject('42').setIssuer('deploylite').setAudience('deploylite-api').setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 60).encode();
  await assert.rejects(signer.verify(unsigned, NOW), /not valid/);

  const wrongAudience = await new SignJWT({ name: 'ada', sid: 's' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setSubject('42').setIssuer('deploylite').setAudience('somebody-else').setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 60)
    .sign(key);
  await assert.rejects(signer.verify(wrongAudience, NOW), /not valid/);
});

test('a signing key shorter than 32 bytes is refused', () => {
  assert.throws(() => createAccessTokenSigner(Buffer.alloc(16)), /at least 32 bytes/);
});
