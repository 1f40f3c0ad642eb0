import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compiled, diagnosticsOf } from './compile-support.js';

test('network: none is kept on the job', () => {
  const pipeline = compiled('jobs:\n  offline:\n    network: none\n    steps: [{ run: make test }]\n');
  assert.equal(pipeline.jobs[0]?.network, 'none');
});

test('a job without network has none set', () => {
  assert.equal(compiled('jobs:\n  a:\n    steps: [{ run: a }]\n').jobs[0]?.network, undefined);
});

test('any network other than none is an error at the value', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    network: host\n    steps: [{ run: a }]\n'), [
    `p.yml:3:14: network must be "none" (leave it out for the runner's network), got "host"`,
  ]);
});
