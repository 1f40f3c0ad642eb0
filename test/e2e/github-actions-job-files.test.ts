// The built-in actions/cache, actions/upload-artifact and actions/download-artifact of GitHub Actions workflows,
// run by the built CLI in a Git checkout: they map onto the job's cache and artifacts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';

const WORKFLOW = '.github/workflows/ci.yml';

test("actions/cache's cache-hit is false on the first run, which installs and saves, and true on the next, which restores", async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - id: deps
              uses: actions/cache@v4
              with:
                path: |
                  deps
                key: deps-\${{ hashFiles('deps.lock') }}
                restore-keys: |
                  deps-
            - if: steps.deps.outputs.cache-hit != 'true'
              run: mkdir -p deps && cp deps.lock deps/installed && echo installing
            - run: echo "hit=\${{ steps.deps.outputs.cache-hit }} $(cat deps/installed)" >> results.txt
    `,
    'deps.lock': 'left-pad@1\n',
  });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const first = await runCli(['run', WORKFLOW], { cwd: dir, timeoutMs: 30_000 });
  assertExit(first, 0);
  assert.match(first.stdout, /\[build\] installing/);
  assert.match(first.stdout, /cache saved: deps-[0-9a-f]{64}/);

  rmSync(join(dir, 'deps'), { recursive: true });
  const second = await runCli(['run', WORKFLOW], { cwd: dir, timeoutMs: 30_000 });
  assertExit(second, 0);
  assert.doesNotMatch(second.stdout, /installing/);
  assert.equal(readFileSync(join(dir, 'results.txt'), 'utf8'), 'hit=false left-pad@1\nhit=true left-pad@1\n');
});

test('upload-artifact keeps the files after the job; a job that needs it downloads them by name', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - run: mkdir -p dist && echo app > dist/app.js
            - uses: actions/upload-artifact@v4
              with: { name: dist, path: dist/, retention-days: 1 }
        deploy:
          needs: build
          runs-on: ubuntu-latest
          steps:
            - id: get
              uses: actions/download-artifact@v4
              with: { name: dist, path: dist }
            - run: test "$(cat dist/app.js)" = app && echo "deployed from \${{ steps.get.outputs.download-path }}"
    `,
  });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const result = await runCli(['run', WORKFLOW], { cwd: dir, timeoutMs: 30_000 });
  assertExit(result, 0);
  assert.match(result.stdout, /\[build\] artifact dist: 1 file, \d+ bytes, sha256:[0-9a-f]{64}/);
  assert.ok(result.stdout.includes(`[deploy] deployed from ${dir}/dist`), result.stdout);
});
