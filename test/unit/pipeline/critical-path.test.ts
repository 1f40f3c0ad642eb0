import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineGraph } from '../../../src/pipeline/index.js';
import { buildGraph, criticalPath } from '../../../src/pipeline/index.js';

function graphOf(jobs: Record<string, string[]>): PipelineGraph {
  const { graph } = buildGraph(Object.entries(jobs).map(([id, needs]) => ({ id, needs })));
  assert.ok(graph);
  return graph;
}

test('the critical path is the longest chain of needs', () => {
  const graph = graphOf({ build: [], lint: [], test: ['build'], e2e: ['test'], ship: ['e2e', 'lint'] });
  assert.deepEqual(criticalPath(graph), ['build', 'test', 'e2e', 'ship']);
});

test('weights decide between chains of different length', () => {
  const graph = graphOf({ quick: [], slow: [], a: ['quick'], b: ['a'], done: ['b', 'slow'] });
  const minutes: Record<string, number> = { quick: 1, a: 1, b: 1, slow: 10, done: 1 };
  assert.deepEqual(criticalPath(graph, (id) => minutes[id] ?? 0), ['slow', 'done']);
});

test('among equal chains the first written wins', () => {
  assert.deepEqual(criticalPath(graphOf({ a: [], b: [] })), ['a']);
  assert.deepEqual(criticalPath(graphOf({ x: [], y: [], z: ['y', 'x'] })), ['y', 'z']);
});

test('an empty graph has an empty critical path', () => {
  assert.deepEqual(criticalPath(graphOf({})), []);
});
