import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExpressionHost } from '../../../src/pipeline/expressions/index.js';
import { evaluateCondition } from '../../../src/pipeline/expressions/index.js';

const afterFailure: ExpressionHost = { status: { success: () => false, failure: () => true, cancelled: () => false } };
const afterCancel: ExpressionHost = { status: { success: () => false, failure: () => false, cancelled: () => true } };
const contexts = { github: { ref: 'refs/heads/main' } };

test('a missing or empty condition means success()', () => {
  assert.equal(evaluateCondition(undefined, {}), true);
  assert.equal(evaluateCondition('  ', {}), true);
  assert.equal(evaluateCondition(undefined, {}, afterFailure), false);
});

test('a condition is accepted with or without the ${{ }} wrapper', () => {
  assert.equal(evaluateCondition("github.ref == 'refs/heads/main'", contexts), true);
  assert.equal(evaluateCondition("${{ github.ref == 'refs/heads/main' }}", contexts), true);
  assert.equal(evaluateCondition("${{ github.ref == 'refs/heads/dev' }}", contexts), false);
});

test('a condition without a status function is implicitly success() && (condition)', () => {
  assert.equal(evaluateCondition("github.ref == 'refs/heads/main'", contexts, afterFailure), false);
});

test('the implicit success() short-circuits: the condition is not evaluated after a failure', () => {
  assert.equal(evaluateCondition("fromJSON('not json')", {}, afterFailure), false);
});

test('always() runs after a failure and after a cancellation', () => {
  assert.equal(evaluateCondition('always()', {}, afterFailure), true);
  assert.equal(evaluateCondition('${{ always() }}', {}, afterCancel), true);
});

test('failure() holds only after a failure', () => {
  assert.equal(evaluateCondition('failure()', {}), false);
  assert.equal(evaluateCondition('failure()', {}, afterFailure), true);
});

test('cancelled() holds only after a cancellation', () => {
  assert.equal(evaluateCondition('cancelled()', {}), false);
  assert.equal(evaluateCondition('cancelled()', {}, afterCancel), true);
});

test('a status function anywhere in the condition disables the implicit success()', () => {
  assert.equal(evaluateCondition("failure() && github.ref == 'refs/heads/main'", contexts, afterFailure), true);
  assert.equal(evaluateCondition('!cancelled()', {}, afterFailure), true);
});

test('status function names are case-insensitive', () => {
  assert.equal(evaluateCondition('Always()', {}, afterFailure), true);
});

test('the result follows GitHub truthiness: empty string, 0 and null are false', () => {
  assert.equal(evaluateCondition("''", {}), false);
  assert.equal(evaluateCondition('0', {}), false);
  assert.equal(evaluateCondition('env.MISSING', { env: {} }), false);
  assert.equal(evaluateCondition("'false'", {}), true);
});

test('text around ${{ }} makes the condition a string, true when non-empty (as on GitHub)', () => {
  assert.equal(evaluateCondition('${{ false }} && true', {}), true);
  assert.equal(evaluateCondition('${{ false }} && true', {}, afterFailure), false);
});
