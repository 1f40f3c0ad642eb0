import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greet } from '../dist/greet.js';

test('greet names whom it greets', () => {
  assert.equal(greet('DeployLite'), 'hello, DeployLite');
});
