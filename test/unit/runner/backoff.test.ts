import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../src/runner/backoff.js';

test('retries wait 250 ms doubling up to 5 s, jitter taking at most half of each wait', () => {
  const longest = [1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => backoffDelay(attempt, () => 1));
  const shortest = [1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => backoffDelay(attempt, () => 0));
  assert.deepEqual(longest, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.deepEqual(shortest, [125, 250, 500, 1000, 2000, 2500, 2500, 2500]);
});
