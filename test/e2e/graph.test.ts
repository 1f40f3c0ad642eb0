import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, workdir } from './support/cli.js';

/** The critical path is a -> b -> c; d stands alone. */
const PIPELINE = `
  jobs:
    a: { steps: [{ run: echo a }] }
    b: { needs: a, steps: [{ run: echo b }] }
    c: { needs: b, steps: [{ run: echo c }] }
    d: { steps: [{ run: echo d }] }
`;

async function graph(format: string) {
  const dir = workdir({ 'ci.yml': PIPELINE });
  return runCli(['graph', 'ci.yml', '--format', format], { cwd: dir });
}

test('graph --format text marks the jobs of the critical path', async () => {
  const result = await graph('text');
  assertExit(result, 0);
  const marked = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('*'))
    .map((line) => line.slice(1).trim().split(/\s/)[0]);
  assert.deepEqual(marked, ['a', 'b', 'c']);
  assert.match(result.stdout, /critical path.*a -> b -> c/);
  assert.match(result.stdout, /^\s+d\s*$/m);
});

test('graph --format json lists the critical path and flags its jobs', async () => {
  const result = await graph('json');
  assertExit(result, 0);
  const json = JSON.parse(result.stdout) as { criticalPath: string[]; jobs: { id: string; needs: string[]; critical: boolean }[] };
  assert.deepEqual(json.criticalPath, ['a', 'b', 'c']);
  assert.deepEqual(
    Object.fromEntries(json.jobs.map((job) => [job.id, job.critical])),
    { a: true, b: true, c: true, d: false },
  );
  assert.deepEqual(json.jobs.find((job) => job.id === 'c')?.needs, ['b']);
});

test('graph --format dot draws the critical path\'s jobs and edges in bold red', async () => {
  const result = await graph('dot');
  assertExit(result, 0);
  assert.match(result.stdout, /^digraph /);
  for (const node of ['"a"', '"b"', '"c"']) assert.match(result.stdout, new RegExp(`^\\s*${node} \\[.*bold.*\\];$`, 'm'));
  assert.match(result.stdout, /^\s*"d";$/m);
  assert.match(result.stdout, /"a" -> "b" \[.*bold/);
  assert.match(result.stdout, /"b" -> "c" \[.*bold/);
});

test('graph --format mermaid draws critical edges thick and classes the critical jobs', async () => {
  const result = await graph('mermaid');
  assertExit(result, 0);
  assert.match(result.stdout, /^graph LR/);
  assert.match(result.stdout, /j_a ==> j_b/);
  assert.match(result.stdout, /j_b ==> j_c/);
  assert.match(result.stdout, /class j_a,j_b,j_c critical/);
});

test('graph with an unknown --format exits 2 naming the formats', async () => {
  const result = await graph('bogus');
  assertExit(result, 2);
  assert.match(result.stderr, /bogus/);
  assert.match(result.stderr, /text.*dot.*mermaid.*json/);
  assertNoStackTrace(result);
});
