// How the run page's artifact list writes sizes and digests: as `deployctl artifacts list`
// writes sizes, and digests short enough to scan but still telling them apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, shortDigest } from '../../../web/src/lib/format.js';

test('sizes below a KiB are exact bytes, larger ones one decimal of the largest binary unit', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(10_752), '10.5 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3 + 1), '5.0 GiB');
  assert.equal(formatBytes(3 * 1024 ** 5), '3072.0 TiB');
});

test('a digest is shortened to its algorithm and 12 hex digits; anything shorter is left whole', () => {
  assert.equal(shortDigest(`sha256:${'ab'.repeat(32)}`), 'sha256:abababababab…');
  assert.equal(shortDigest('sha256:abc'), 'sha256:abc');
  assert.equal(shortDigest('0123456789abcdef'), '0123456789ab…');
});
