import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../../src/core/index.js';

test('durations accept ms, s, m, h, combinations and bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration(45), 45_000);
});

test('anything else is not a duration', () => {
  for (const text of ['', 'ten minutes', '10x', '-5s', 's', '5s5', '1h 30m']) assert.equal(parseDuration(text), undefined, text);
});

test('durations print short and human', () => {
  assert.equal(formatDuration(350), '350ms');
  assert.equal(formatDuration(1234), '1.2s');
  assert.equal(formatDuration(125_000), '2m05s');
});
