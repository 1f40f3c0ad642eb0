import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { GitMirrors } from '../../../../src/server/git/git-mirror.js';
import { readProjectPipelines } from '../../../../src/server/runs/project-pipelines.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'mirror-diffs-'));

/** A repository whose commits are made with `commit({ path: text })`; returns each commit id. */
function repository() {
  const path = temp();
  const git = (...args: string[]) => execFileSync('git', ['-C', path, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  const commit = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(path, name)), { recursive: true });
      writeFileSync(join(path, name), text);
    }
    git('add', '-A');
    git('commit', '--quiet', '-m', 'change');
    return git('rev-parse', 'HEAD');
  };
  return { path, git, commit };
}

const WORKFLOW = 'on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - run: make\n';

test('a folder pipeline path lists the workflows directly in it, sorted, skipping other files and subfolders', async () => {
  const repo = repository();
  const sha = repo.commit({
    '.github/workflows/web.yml': WORKFLOW,
    '.github/workflows/api.yaml': WORKFLOW,
    '.github/workflows/README.md': 'notes',
    '.github/workflows/templates/x.yml': WORKFLOW,
  });
  const mirrors = new GitMirrors(temp());
  await mirrors.resolve(1, repo.path, 'main');
  const found = await readProjectPipelines(mirrors, 1, sha, '.github/workflows/');
  assert.equal(found.kind, 'found');
  assert.deepEqual(found.kind === 'found' && found.files.map((entry) => [entry.file, entry.compiled.workflow !== undefined]), [
    ['.github/workflows/api.yaml', true],
    ['.github/workflows/web.yml', true],
  ]);
  const missing = await readProjectPipelines(mirrors, 1, sha, 'ci/');
  assert.deepEqual(missing, { kind: 'missing', reason: `the pipeline file ci/ does not exist at ${sha.slice(0, 12)}` });
});

test('changed files: two-dot for a push, three-dot (since the merge base) for a pull request, undefined for an unknown commit', async () => {
  const repo = repository();
  const base = repo.commit({ 'README.md': 'hi' });
  repo.git('checkout', '--quiet', '-b', 'topic');
  const head = repo.commit({ 'api/a.ts': 'a' });
  repo.git('checkout', '--quiet', 'main');
  const moved = repo.commit({ 'web/b.html': 'b' });
  const mirrors = new GitMirrors(temp());
  await mirrors.resolve(1, repo.path, 'main');
  assert.deepEqual(await mirrors.changedFiles(1, base, moved), ['web/b.html']);
  assert.deepEqual(await mirrors.changedFiles(1, moved, head, true), ['api/a.ts']);
  assert.deepEqual((await mirrors.changedFiles(1, moved, head))?.sort(), ['api/a.ts', 'web/b.html']);
  assert.equal(await mirrors.changedFiles(1, 'f'.repeat(40), head), undefined);
});
