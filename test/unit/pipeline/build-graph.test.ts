import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph } from '../../../src/pipeline/index.js';

const job = (id: string, ...needs: string[]) => ({ id, needs });

test('the order respects needs and picks the ready job written first', () => {
  const { graph } = buildGraph([job('deploy', 'test', 'lint'), job('lint'), job('test', 'build'), job('build'), job('docs')]);
  // Whenever several jobs are ready, the one written first goes next.
  assert.deepEqual(graph?.order, ['lint', 'build', 'test', 'deploy', 'docs']);
});

test('needs and dependents are both available per job', () => {
  const { graph } = buildGraph([job('build'), job('test', 'build'), job('lint', 'build'), job('ship', 'test', 'lint')]);
  assert.deepEqual(graph?.needs.get('ship'), ['test', 'lint']);
  assert.deepEqual(graph?.dependents.get('build'), ['test', 'lint']);
  assert.deepEqual(graph?.dependents.get('ship'), []);
});

test('a cycle is returned instead of a graph, each job needed by the next', () => {
  const result = buildGraph([job('a', 'c'), job('b', 'a'), job('c', 'b'), job('d', 'c')]);
  assert.equal(result.graph, undefined);
  assert.deepEqual(result.cycles, [['a', 'b', 'c']]);
});

test('separate cycles are returned separately, in file order', () => {
  const result = buildGraph([job('x', 'x'), job('ok'), job('p', 'q'), job('q', 'p')]);
  assert.deepEqual(result.cycles, [['x'], ['p', 'q']]);
});

test('tangled cycles sharing jobs give one cycle for the tangle', () => {
  const result = buildGraph([job('a', 'b', 'c'), job('b', 'a'), job('c', 'a')]);
  assert.deepEqual(result.cycles, [['a', 'b']]);
});

test('a long chain is ordered without recursion limits', () => {
  const jobs = Array.from({ length: 20_000 }, (_, i) => job(`j${i}`, ...(i === 0 ? [] : [`j${i - 1}`])));
  assert.equal(buildGraph(jobs).graph?.order.at(-1), 'j19999');
  jobs[0] = job('j0', 'j19999');
  assert.equal(buildGraph(jobs).cycles[0]?.length, 20_000);
});
