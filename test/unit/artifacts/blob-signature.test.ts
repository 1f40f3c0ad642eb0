import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import {
  BlobDigestMismatchError,
  createProjectSigningKey,
  generateSigningKeyPair,
  openProjectSigningKey,
  publicKeyPemOf,
  SignatureMalformedError,
  SignatureMismatchError,
  signBlob,
  SigningKeyInvalidError,
  verifyBlobSignature,
} from '../../../src/artifacts/index.js';
import { DeployliteError } from '../../../src/core/index.js';
import { loadMasterKeys } from '../../../src/server/secrets/master-keys.js';
import { SecretVault } from '../../../src/server/secrets/secret-vault.js';
import { openControlStore } from '../../../src/store/index.js';

const keys = generateSigningKeyPair();
const CONTENT = Buffer.from('an artifact: app.tar.gz\n'.repeat(1000));
const streamOf = (bytes: Buffer) => Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]);
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function openssl(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

async function withDirectory(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'blob-signature-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a signed blob verifies under its public key, reporting the digest the signature covers', async () => {
  assert.match(keys.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.match(keys.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(publicKeyPemOf(keys.privateKeyPem), keys.publicKeyPem);

  const signed = await signBlob({ privateKeyPem: keys.privateKeyPem, blob: streamOf(CONTENT) });
  assert.equal(signed.digest, sha256(CONTENT));
  assert.equal(signed.size, CONTENT.length);
  assert.equal(Buffer.from(signed.signatureBase64, 'base64')[0], 0x30, 'a DER SEQUENCE');

  const verified = await verifyBlobSignature({
    publicKeyPem: keys.publicKeyPem,
    signatureBase64: `${signed.signatureBase64}\n`, // as a .sig file on disk ends
    blob: streamOf(CONTENT),
    expectedDigest: sha256(CONTENT),
  });
  assert.deepEqual(verified, { digest: sha256(CONTENT), size: CONTENT.length });
});

test('a large blob is signed and verified as a stream', async () => {
  const chunk = Buffer.alloc(1 << 20, 7);
  const chunks = function* (count: number) {
    for (let i = 0; i < count; i += 1) yield chunk;
  };
  const signed = await signBlob({ privateKeyPem: keys.privateKeyPem, blob: Readable.from(chunks(64)) });
  assert.equal(signed.size, 64 << 20);
  const verified = await verifyBlobSignature({ publicKeyPem: keys.publicKeyPem, signatureBase64: signed.signatureBase64, blob: Readable.from(chunks(64)) });
  assert.equal(verified.digest, signed.digest);
});

test('a changed blob, a changed signature or another key fail with a specific error', async () => {
  const { signatureBase64 } = await signBlob({ privateKeyPem: keys.privateKeyPem, blob: streamOf(CONTENT) });
  const tampered = Buffer.from(CONTENT);
  tampered.writeUInt8(tampered.readUInt8(500) ^ 1, 500);

  await assert.rejects(
    verifyBlobSignature({ publicKeyPem: keys.publicKeyPem, signatureBase64, blob: streamOf(tampered) }),
    (error: unknown) => error instanceof SignatureMismatchError && error.code === 'signature.mismatch' && error.digest === sha256(tampered),
  );
  // With the digest the manifest names, a changed blob is reported as what it is.
  await assert.rejects(
    verifyBlobSignature({ publicKeyPem: keys.publicKeyPem, signatureBase64, blob: streamOf(tampered), expectedDigest: sha256(CONTENT) }),
    (error: unknown) => error instanceof BlobDigestMismatchError && error.expected === sha256(CONTENT) && error.actual === sha256(tampered),
  );

  const der = Buffer.from(signatureBase64, 'base64');
  der.writeUInt8(der.readUInt8(der.length - 1) ^ 1, der.length - 1); // still well-formed DER, another number
  await assert.rejects(
    verifyBlobSignature({ publicKeyPem: keys.publicKeyPem, signatureBase64: der.toString('base64'), blob: streamOf(CONTENT) }),
    SignatureMismatchError,
  );

  const other = generateSigningKeyPair();
  await assert.rejects(verifyBlobSignature({ publicKeyPem: other.publicKeyPem, signatureBase64, blob: streamOf(CONTENT) }), SignatureMismatchError);
});

test('what is not a signature or not a P-256 key is refused as such, never echoing a key', async () => {
  const verify = (overrides: { publicKeyPem?: string; signatureBase64?: string }) =>
    verifyBlobSignature({ publicKeyPem: keys.publicKeyPem, signatureBase64: 'MEUCIQ==', blob: streamOf(CONTENT), ...overrides });

  await assert.rejects(verify({ signatureBase64: 'not base64!' }), (error: unknown) => error instanceof SignatureMalformedError && error.code === 'signature.malformed');
  await assert.rejects(verify({ signatureBase64: '' }), SignatureMalformedError);
  await assert.rejects(verify({ signatureBase64: Buffer.from('hello world, this is text').toString('base64') }), /not a DER-encoded ECDSA P-256 signature/);
  // A SEQUENCE that does not hold two INTEGERs, and one whose length is wrong.
  await assert.rejects(verify({ signatureBase64: Buffer.from([0x30, 0x06, 0x04, 0x01, 0x01, 0x04, 0x01, 0x01]).toString('base64') }), SignatureMalformedError);
  await assert.rejects(verify({ signatureBase64: Buffer.from([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]).toString('base64') }), SignatureMalformedError);

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await assert.rejects(verify({ publicKeyPem: rsa }), (error: unknown) => error instanceof SigningKeyInvalidError && /it is a rsa key/.test(error.message));
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await assert.rejects(verify({ publicKeyPem: p384 }), /on curve secp384r1, not P-256/);
  await assert.rejects(verify({ publicKeyPem: keys.privateKeyPem }), /expected a PEM "PUBLIC KEY" block/);

  const brokenPrivate = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END PRIVATE KEY-----\n';
  await assert.rejects(signBlob({ privateKeyPem: brokenPrivate, blob: streamOf(CONTENT) }), (error: unknown) => {
    assert.ok(error instanceof SigningKeyInvalidError);
    assert.equal(error.message, 'not an ECDSA P-256 private key: the PEM could not be read');
    return true;
  });
});

test('OpenSSL verifies our signatures and we verify its: the format cosign sign-blob/verify-blob --key use', async () => {
  await withDirectory(async (dir) => {
    const { signatureBase64 } = await signBlob({ privateKeyPem: keys.privateKeyPem, blob: streamOf(CONTENT) });
    await writeFile(join(dir, 'project.pub'), keys.publicKeyPem);
    await writeFile(join(dir, 'artifact.tar'), CONTENT);
    await writeFile(join(dir, 'artifact.sig.der'), Buffer.from(signatureBase64, 'base64'));
    const ours = openssl(['dgst', '-sha256', '-verify', 'project.pub', '-signature', 'artifact.sig.der', 'artifact.tar'], dir);
    assert.deepEqual(ours, { status: 0, output: 'Verified OK\n' });

    const tampered = Buffer.from(CONTENT);
    tampered.writeUInt8(tampered.readUInt8(0) ^ 1, 0);
    await writeFile(join(dir, 'artifact.tar'), tampered);
    const refused = openssl(['dgst', '-sha256', '-verify', 'project.pub', '-signature', 'artifact.sig.der', 'artifact.tar'], dir);
    assert.equal(refused.status, 1);
    assert.match(refused.output, /Verification failure/);

    // The other way: a key and signature made by OpenSSL alone.
    await writeFile(join(dir, 'artifact.tar'), CONTENT);
    assert.equal(openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'openssl.key'], dir).status, 0);
    assert.equal(openssl(['pkey', '-in', 'openssl.key', '-pubout', '-out', 'openssl.pub'], dir).status, 0);
    assert.equal(openssl(['dgst', '-sha256', '-sign', 'openssl.key', '-out', 'openssl.sig', 'artifact.tar'], dir).status, 0);
    const verified = await verifyBlobSignature({
      publicKeyPem: await readFile(join(dir, 'openssl.pub'), 'utf8'),
      signatureBase64: (await readFile(join(dir, 'openssl.sig'))).toString('base64'),
      blob: streamOf(CONTENT),
    });
    assert.equal(verified.digest, sha256(CONTENT));
    // And OpenSSL's private key signs here too (PKCS#8 PEM, what a project imports).
    const signed = await signBlob({ privateKeyPem: await readFile(join(dir, 'openssl.key'), 'utf8'), blob: streamOf(CONTENT) });
    await verifyBlobSignature({ publicKeyPem: await readFile(join(dir, 'openssl.pub'), 'utf8'), signatureBase64: signed.signatureBase64, blob: streamOf(CONTENT) });
  });
});

test("a project's private key is stored sealed by the secret vault, and opens only for that project", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'signing-key-vault-'));
  const store = await openControlStore({ sqlitePath: join(dir, 'db.sqlite') });
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  await store.migrate();
  const vault = new SecretVault(store.secrets, loadMasterKeys(dir), { now: () => 1_700_000_000_000 });

  const stored = await createProjectSigningKey(7, vault);
  assert.match(stored.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.doesNotMatch(stored.sealedPrivateKey, /PRIVATE KEY/);
  const privateKeyPem = await openProjectSigningKey(7, stored, vault);
  const signed = await signBlob({ privateKeyPem, blob: streamOf(CONTENT) });
  await verifyBlobSignature({ publicKeyPem: stored.publicKeyPem, signatureBase64: signed.signatureBase64, blob: streamOf(CONTENT) });

  await assert.rejects(openProjectSigningKey(8, stored, vault), (error: unknown) => error instanceof DeployliteError && error.code === 'secrets.undecryptable');
  const other = await createProjectSigningKey(7, vault);
  await assert.rejects(openProjectSigningKey(7, { ...stored, sealedPrivateKey: other.sealedPrivateKey }, vault), /does not match its public key/);
});
