import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretMasker } from '../../../src/core/index.js';

const masker = (...secrets: string[]) => {
  const m = new SecretMasker();
  for (const s of secrets) m.add(s);
  return m;
};

test('a secret is replaced by *** wherever it appears in a line', () => {
  assert.equal(masker('hunter2').mask('pw=hunter2, again hunter2'), 'pw=***, again ***');
});

test('each line of a multi-line secret is masked on its own line of output', () => {
  const key = '-----BEGIN KEY-----\nMIIBVwIBADANBgkq\n-----END KEY-----';
  const m = masker(key);
  assert.equal(m.mask('MIIBVwIBADANBgkq'), '***');
  assert.equal(m.mask('-----END KEY-----'), '***');
});

test('the base64 form is masked, also inside a longer base64 string at any offset', () => {
  const secret = 'correct horse battery staple';
  const m = masker(secret);
  for (const prefix of ['', 'a', 'ab', 'abc']) {
    const encoded = Buffer.from(`${prefix}${secret}`).toString('base64');
    assert.ok(!m.mask(encoded).includes(encoded.slice(8, 24)), `offset ${prefix.length}: ${m.mask(encoded)}`);
  }
});

test('URL-encoded and JSON-escaped forms are masked', () => {
  const m = masker('p@ss word/1', 'line1\nline2');
  assert.equal(m.mask('url: p%40ss%20word%2F1'), 'url: ***');
  assert.equal(m.mask('{"v":"line1\\nline2"}'), '{"v":"***"}');
});

test('a longer secret that contains a shorter one is masked whole', () => {
  assert.equal(masker('abc', 'abcdef').mask('x abcdef y'), 'x *** y');
});

test('an empty secret masks nothing', () => {
  assert.equal(masker('').mask('plain text'), 'plain text');
});
