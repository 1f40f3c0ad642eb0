// The run page's graph: columns by depth, edges that keep their ends on their jobs, the
// critical path by time taken, and one status for a matrix job's instances.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combinedStatus, criticalPath, layoutGraph } from '../../../web/src/graph/layout.js';

const SIZES = { nodeWidth: 100, nodeHeight: () => 40, gapX: 50, gapY: 10, padding: 5 };
const DIAMOND = [
  { id: 'checkout', needs: [] },
  { id: 'build', needs: ['checkout'] },
  { id: 'test', needs: ['checkout'] },
  { id: 'package', needs: ['build', 'test'] },
];

test('a job stands one column right of the deepest job it needs', () => {
  const { nodes } = layoutGraph(DIAMOND, SIZES);
  const column = Object.fromEntries(nodes.map((node) => [node.id, node.column]));
  assert.deepEqual(column, { checkout: 0, build: 1, test: 1, package: 2 });
});

test('jobs of one column do not overlap, and the drawing is as large as what it holds', () => {
  const layout = layoutGraph(DIAMOND, SIZES);
  const [build, test_] = ['build', 'test'].map((id) => layout.nodes.find((node) => node.id === id)!);
  assert.ok(test_!.y >= build!.y + build!.height + SIZES.gapY || build!.y >= test_!.y + test_!.height + SIZES.gapY);
  for (const node of layout.nodes) {
    assert.ok(node.x + node.width <= layout.width && node.y + node.height <= layout.height, node.id);
  }
});

test('each edge runs from the needed job to the job that needs it', () => {
  const layout = layoutGraph(DIAMOND, SIZES);
  const edge = layout.edges.find((e) => e.from === 'test' && e.to === 'package')!;
  const [from, to] = ['test', 'package'].map((id) => layout.nodes.find((node) => node.id === id)!);
  assert.ok(edge.d.startsWith(`M${from!.x + from!.width} ${from!.y + from!.height / 2}C`), edge.d);
  assert.ok(edge.d.endsWith(` ${to!.x} ${to!.y + to!.height / 2}`), edge.d);
  assert.equal(layout.edges.length, 4);
});

test('a need naming no job of the graph is left out instead of breaking the drawing', () => {
  const layout = layoutGraph([{ id: 'deploy', needs: ['gone'] }], SIZES);
  assert.deepEqual(layout.edges, []);
  assert.equal(layout.nodes[0]?.column, 0);
});

test('the critical path follows the slowest chain of needs', () => {
  const seconds: Record<string, number> = { checkout: 5, build: 60, test: 10, package: 1 };
  assert.deepEqual(criticalPath(DIAMOND, (id) => seconds[id] ?? 0), ['checkout', 'build', 'package']);
  seconds.test = 90;
  assert.deepEqual(criticalPath(DIAMOND, (id) => seconds[id] ?? 0), ['checkout', 'test', 'package']);
});

test('before anything ran, the critical path is the longest chain of needs', () => {
  assert.deepEqual(criticalPath([...DIAMOND, { id: 'lint', needs: [] }], () => 1), ['checkout', 'build', 'package']);
});

test("a matrix job shows work in progress first, then its worst outcome; with no instances it waits", () => {
  assert.equal(combinedStatus(['success', 'running', 'failed']), 'running');
  assert.equal(combinedStatus(['success', 'failed', 'cancelled']), 'failed');
  assert.equal(combinedStatus(['success', 'skipped']), 'success');
  assert.equal(combinedStatus(['skipped']), 'skipped');
  assert.equal(combinedStatus([]), 'waiting');
});
