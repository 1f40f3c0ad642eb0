import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, REPO_ROOT, runCli, workdir } from './support/cli.js';
import { parseSummary } from './support/summary-table.js';

test('the bundled example pipeline runs to success and prints the summary table', async () => {
  const dir = workdir({ 'examples/hello.yml': readFileSync(join(REPO_ROOT, 'examples/hello.yml'), 'utf8') });
  const result = await runCli(['run', 'examples/hello.yml'], { cwd: dir });
  assertExit(result, 0);
  assert.match(result.stdout, /^JOB\s+STATUS\s+ATTEMPTS\s+DURATION\s+ROLLBACK$/m);
  const rows = parseSummary(result.stdout);
  assert.deepEqual(
    rows.map((row) => row.job),
    ['Plan the build', 'build (linux)', 'build (darwin)', 'test', 'report'],
  );
  for (const row of rows) assert.equal(row.status, 'success', `${row.job}: ${row.status}`);
  assert.match(result.stdout, /\[build \(darwin\)\] Hello from darwin, building version 1\.0\.\d+/);
});
