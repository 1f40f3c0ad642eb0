import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DiskBlobStore, DiskRefStore, unpackArtifact } from '../../src/artifacts/index.js';
import { assertExit, runCli, workdir } from './support/cli.js';

test('deploylite run stores each artifact under .deploylite and prints its name, files, size and sha256', async () => {
  const dir = workdir({
    'ci.yml': `jobs:
  build:
    artifacts: { paths: [dist], expire-in: 2 days }
    steps: [{ run: mkdir -p dist && echo one > dist/a.txt && echo two > dist/b.txt }]
  check:
    needs: build
    artifacts: { name: report, paths: report.txt, when: on_failure }
    steps: [{ run: cat dist/a.txt && echo broken > report.txt && exit 1 }]
`,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 1);
  const build = /\[build\] artifact build: 2 files, (\d+) bytes, (sha256:[0-9a-f]{64})/.exec(result.stdout);
  assert.ok(build, result.stdout);
  assert.match(result.stdout, /\[check\] one\n/, 'a local job sees the files of the jobs it needs in the shared workspace');
  assert.match(result.stdout, /\[check\] artifact report: 1 file, \d+ bytes, sha256:[0-9a-f]{64}/);
  assert.doesNotMatch(result.stderr, /ignored by local runs/);

  const root = join(dir, '.deploylite', 'artifacts');
  const digest = await new DiskRefStore({ root }).resolve('artifacts/local/run/1-build/build.tar');
  assert.equal(digest, build[2]);
  const out = workdir();
  await unpackArtifact(await new DiskBlobStore({ root }).get(build[2] as `sha256:${string}`), out);
  assert.equal(readFileSync(join(out, 'dist/b.txt'), 'utf8'), 'two\n');
});
