import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';

// The step fails unless the cache brought deps/installed back: "installing" writes it, with the lock's content.
const PIPELINE = `
  name: cached
  jobs:
    build:
      cache:
        key: deps-\${{ hashFiles('deps.lock') }}
        restore-keys: [deps-]
        paths: [deps]
      steps:
        - run: |
            if [ -f deps/installed ]; then echo "restored: $(cat deps/installed)"; else echo fresh install; fi
            mkdir -p deps && cp deps.lock deps/installed
`;

function checkout(): string {
  const dir = workdir({ 'ci.yml': PIPELINE, 'deps.lock': 'left-pad@1\n' });
  execFileSync('git', ['init', '-q', '-b', 'feature', dir]);
  return dir;
}

test('deploylite run saves a cache on a miss, restores it on the exact key, and falls back to a restore key', async () => {
  const dir = checkout();
  const first = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(first, 0);
  assert.match(first.stdout, /cache miss: deps-[0-9a-f]{64}/);
  assert.match(first.stdout, /fresh install/);
  assert.match(first.stdout, /cache saved: deps-[0-9a-f]{64} \(\d+(\.\d)? (B|KiB)\)/);

  execFileSync('rm', ['-rf', join(dir, 'deps')]);
  const second = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(second, 0);
  assert.match(second.stdout, /cache hit: deps-[0-9a-f]{64}/);
  assert.match(second.stdout, /restored: left-pad@1/);
  assert.doesNotMatch(second.stdout, /cache saved/);

  execFileSync('rm', ['-rf', join(dir, 'deps')]);
  writeFileSync(join(dir, 'deps.lock'), 'left-pad@2\n');
  const third = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(third, 0);
  assert.match(third.stdout, /cache restored from deps-[0-9a-f]{64} \(restore key deps-\)/);
  assert.match(third.stdout, /restored: left-pad@1/);
  assert.match(third.stdout, /cache saved: deps-/);
});

test('a branch restores the default branch\'s cache, but never a sibling branch\'s', async () => {
  const dir = checkout();
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args]);
  git('checkout', '-q', '-b', 'main');
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  git('checkout', '-q', '-b', 'topic');
  execFileSync('rm', ['-rf', join(dir, 'deps')]);
  const fromMain = await runCli(['run', 'ci.yml'], { cwd: dir });
  assert.match(fromMain.stdout, /cache hit: deps-/);

  writeFileSync(join(dir, 'deps.lock'), 'left-pad@2\n');
  assert.match((await runCli(['run', 'ci.yml'], { cwd: dir })).stdout, /cache saved: deps-/); // on topic
  git('checkout', '-q', '-b', 'other');
  execFileSync('rm', ['-rf', join(dir, 'deps')]);
  const sibling = await runCli(['run', 'ci.yml'], { cwd: dir });
  assert.match(sibling.stdout, /cache restored from deps-[0-9a-f]{64} \(restore key deps-\)/, 'main\'s entry, not topic\'s exact key');
  assert.match(sibling.stdout, /restored: left-pad@1/);
});
