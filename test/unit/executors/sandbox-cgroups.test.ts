// The sandbox's job cgroups on this machine (cgroup v1, the runner as root): made per job, gone afterwards,
// and the ones a killed runner left behind are removed when the next sandbox executor is created.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSandboxExecutor } from '../../../src/executors/index.js';

test('a job cgroup left by a runner that is gone is removed when a sandbox executor is created; a live runner keeps its own', async () => {
  // A pid that certainly belonged to a process that has exited.
  const deadPid = spawnSync('true').pid as number;
  const stale = join('/sys/fs/cgroup/pids', `deploylite-${deadPid}-1`);
  const live = join('/sys/fs/cgroup/pids', `deploylite-${process.pid}-999`);
  mkdirSync(stale);
  mkdirSync(live);
  try {
    await createSandboxExecutor({ killGraceMs: 100 });
    assert.deepEqual([existsSync(stale), existsSync(live)], [false, true]);
  } finally {
    spawnSync('rmdir', [stale, live]);
  }
});
