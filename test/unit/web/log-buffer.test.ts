// A job's log in the browser arrives in pieces that may overlap (a stored page and the live
// stream, a stream resumed after a dropped connection): each line is shown once, in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newLines } from '../../../web/src/logs/log-buffer.js';

const lines = (...numbers: number[]) => numbers.map((lineNo) => ({ lineNo, text: `line ${lineNo}` }));

test('lines after the last one held are new', () => {
  assert.deepEqual(newLines(2, lines(3, 4)), lines(3, 4));
});

test('lines already held are dropped when a resumed stream repeats them', () => {
  assert.deepEqual(newLines(4, lines(3, 4, 5, 6)), lines(5, 6));
  assert.deepEqual(newLines(6, lines(5, 6)), []);
});

test('a line repeated within one batch is kept once', () => {
  assert.deepEqual(newLines(0, lines(1, 2, 2, 3)), lines(1, 2, 3));
});
