// The virtualised log draws only the rows its scroll box shows, plus a margin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtEnd, scrollTopToCentre, visibleRows } from '../../../web/src/logs/visible-rows.js';

test('the rows in view, with the margin, clamped to the list', () => {
  assert.deepEqual(visibleRows(0, 200, 20, 100_000, 5), { start: 0, end: 15 });
  assert.deepEqual(visibleRows(20_000, 200, 20, 100_000, 5), { start: 995, end: 1015 });
  assert.deepEqual(visibleRows(1_999_800, 200, 20, 100_000, 5), { start: 99_985, end: 100_000 });
});

test('an empty list or a box not laid out yet draws nothing or only the margin', () => {
  assert.deepEqual(visibleRows(0, 200, 20, 0, 5), { start: 0, end: 0 });
  assert.deepEqual(visibleRows(0, 0, 20, 50, 5), { start: 0, end: 5 });
});

test('a line is centred in the box, but never scrolled past either end', () => {
  assert.equal(scrollTopToCentre(500, 220, 20, 1000), 500 * 20 - 100);
  assert.equal(scrollTopToCentre(1, 220, 20, 1000), 0);
  assert.equal(scrollTopToCentre(999, 220, 20, 1000), 1000 * 20 - 220);
});

test('the end of the list is within one row of the bottom', () => {
  assert.equal(isAtEnd(780, 200, 1000, 20), true);
  assert.equal(isAtEnd(790, 200, 1000, 20), true);
  assert.equal(isAtEnd(700, 200, 1000, 20), false);
});
