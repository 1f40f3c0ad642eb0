import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveSecrets } from '../../../../src/server/runs/active-secrets.js';

test('values of runs still driven stay masked when another run with the same value ends', () => {
  const active = new ActiveSecrets();
  active.add(['shared-token-1', 'first-only-2']);
  active.add(['shared-token-1']);
  assert.equal(active.mask('a shared-token-1 b first-only-2'), 'a *** b ***');
  active.remove(['shared-token-1', 'first-only-2']);
  assert.equal(active.mask('a shared-token-1 b first-only-2'), 'a *** b first-only-2');
  active.remove(['shared-token-1']);
  assert.equal(active.mask('a shared-token-1'), 'a shared-token-1');
});
