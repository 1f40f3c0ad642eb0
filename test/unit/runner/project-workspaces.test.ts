// The runner's per-project workspace directories for `reuse-container` jobs (src/runner/project-workspaces.ts): the
// same directory for the project's next job (so a warm container bound to it serves that job), emptied in between.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ProjectWorkspaces } from '../../../src/runner/project-workspaces.js';

const root = mkdtempSync(join(tmpdir(), 'project-workspaces-'));
after(() => rmSync(root, { recursive: true, force: true }));

test("a project's next job gets the same directory, the same inode, emptied of the last job's files", async () => {
  const workspaces = new ProjectWorkspaces(join(root, 'same'));
  const first = await workspaces.acquire(7, 'refs/heads/main');
  const inode = statSync(first.dir).ino;
  writeFileSync(join(first.dir, 'left.txt'), 'secret');
  mkdirSync(join(first.dir, '.git', 'objects'), { recursive: true });
  await first.release();
  const second = await workspaces.acquire(7, 'refs/heads/main');
  assert.equal(second.dir, first.dir);
  assert.equal(statSync(second.dir).ino, inode, 'recreated: a warm container bound to the old directory would not see it');
  assert.deepEqual(readdirSync(second.dir), []);
  await second.release();
});

test('jobs of one project at the same time, and jobs of other projects, get different directories', async () => {
  const workspaces = new ProjectWorkspaces(join(root, 'apart'));
  const main = 'refs/heads/main';
  const [a1, a2, b1] = [await workspaces.acquire(1, main), await workspaces.acquire(1, main), await workspaces.acquire(2, main)];
  assert.equal(new Set([a1.dir, a2.dir, b1.dir]).size, 3);
  assert.ok(!b1.dir.startsWith(join(root, 'apart', 'p1')));
  await Promise.all([a1.release(), a2.release(), b1.release()]);
});

test("a pull request's jobs never get the directory (and so the warm containers) of the project's main branch", async () => {
  const workspaces = new ProjectWorkspaces(join(root, 'refs'));
  const main = await workspaces.acquire(1, 'refs/heads/main');
  await main.release();
  const pull = await workspaces.acquire(1, 'refs/pull/5/head');
  assert.notEqual(pull.dir, main.dir);
  await pull.release();
  const mainAgain = await workspaces.acquire(1, 'refs/heads/main');
  assert.equal(mainAgain.dir, main.dir);
  await mainAgain.release();
});

test('files left by a killed runner are removed before the directory is lent again', async () => {
  const first = await new ProjectWorkspaces(join(root, 'killed')).acquire(3, 'refs/heads/main');
  writeFileSync(join(first.dir, 'from-before-the-crash'), 'x');
  // A new process (the restarted runner), the same directory on disk.
  const lease = await new ProjectWorkspaces(join(root, 'killed')).acquire(3, 'refs/heads/main');
  assert.equal(lease.dir, first.dir);
  assert.deepEqual(readdirSync(lease.dir), []);
  await lease.release();
});

test('a directory that cannot be emptied is never lent again', async () => {
  const workspaces = new ProjectWorkspaces(join(root, 'stuck'));
  const first = await workspaces.acquire(4, 'refs/heads/main');
  // An immutable file (chattr +i: even root cannot delete it) stands for files a job made that the runner may not delete.
  const stuck = join(first.dir, 'stuck');
  writeFileSync(stuck, 'x');
  execFileSync('chattr', ['+i', stuck]);
  try {
    await first.release();
    const second = await workspaces.acquire(4, 'refs/heads/main');
    assert.notEqual(second.dir, first.dir);
    assert.deepEqual(readdirSync(second.dir), []);
    await second.release();
  } finally {
    execFileSync('chattr', ['-i', stuck]);
  }
});
