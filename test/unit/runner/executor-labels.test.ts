import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executorLabels, requiredExecutorLabels } from '../../../src/protocol/index.js';

test('a runner advertises its executor and what it can do', () => {
  assert.deepEqual(executorLabels('local', undefined), ['executor:local']);
  assert.deepEqual(executorLabels('sandbox', { networkIsolation: true }), ['executor:sandbox', 'executor:network-none']);
  assert.deepEqual(executorLabels('docker', { images: true, networkIsolation: true }), ['executor:docker', 'executor:container', 'executor:network-none']);
});

test('a job needs the container label for an image and the network label for network: none, nothing otherwise', () => {
  assert.deepEqual(requiredExecutorLabels({}), []);
  assert.deepEqual(requiredExecutorLabels({ image: 'alpine' }), ['executor:container']);
  assert.deepEqual(requiredExecutorLabels({ image: 'alpine', network: 'none' }), ['executor:container', 'executor:network-none']);
});

test('a job with services needs a container runner even without an image of its own', () => {
  assert.deepEqual(requiredExecutorLabels({ services: [{ name: 'db' }] }), ['executor:container']);
  assert.deepEqual(requiredExecutorLabels({ services: [] }), []);
});
