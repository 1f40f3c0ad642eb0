import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineTriggers } from '../../../../src/pipeline/index.js';
import type { TriggerEvent } from '../../../../src/server/triggers/index.js';
import { matchesPathFilters, matchesTriggers, needsChangedFiles } from '../../../../src/server/triggers/index.js';
import { compileWorkflow } from '../../../../src/workflows/index.js';

// The examples of GitHub's "Workflow syntax" page (on.<push|pull_request>.<branches|tags|paths>
// and the filter pattern cheat sheet), run through GitHub's parser and our mapping.

const push = (ref: string): TriggerEvent => ({
  name: 'push',
  ref,
  sha: 'a'.repeat(40),
  actor: 'me',
  ...(ref.startsWith('refs/tags/') ? { tag: ref.slice('refs/tags/'.length) } : { branch: ref.slice('refs/heads/'.length) }),
});
const pullRequest = (baseBranch: string): TriggerEvent => ({
  name: 'pull_request',
  ref: 'refs/pull/1/head',
  sha: 'b'.repeat(40),
  branch: 'topic',
  baseBranch,
  action: 'opened',
  pullRequest: 1,
  actor: 'me',
});

/** The triggers of a GitHub workflow whose `on:` is `on` (YAML, indented under `on:`). */
async function triggersOf(on: string): Promise<PipelineTriggers> {
  const source = `on:\n${on}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n`;
  const result = await compileWorkflow(source, '.github/workflows/ci.yml');
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.pipeline);
  return result.pipeline.triggers;
}

/** Which of `files`, each changed alone, a single path pattern selects. */
const selected = (pattern: string, files: string[]) => files.filter((file) => matchesPathFilters([pattern], [file]));

test('path patterns of GitHub\'s cheat sheet select the files it lists and no others', () => {
  assert.deepEqual(selected('*', ['README.md', 'server.rb', 'docs/README.md']), ['README.md', 'server.rb']);
  assert.deepEqual(selected('*.jsx?', ['page.js', 'page.jsx', 'page.ts']), ['page.js', 'page.jsx']);
  assert.deepEqual(selected('*.js', ['app.js', 'index.js', 'js/index.js']), ['app.js', 'index.js']);
  assert.deepEqual(selected('**.js', ['index.js', 'js/index.js', 'src/js/app.js', 'app.ts']), ['index.js', 'js/index.js', 'src/js/app.js']);
  assert.deepEqual(selected('docs/*', ['docs/README.md', 'docs/file.txt', 'docs/mona/octocat.txt']), ['docs/README.md', 'docs/file.txt']);
  assert.deepEqual(selected('docs/**', ['docs/README.md', 'docs/mona/octocat.txt', 'src/docs.md']), ['docs/README.md', 'docs/mona/octocat.txt']);
});

test('"**/" in a path pattern also matches no folder at all', () => {
  assert.deepEqual(selected('docs/**/*.md', ['docs/README.md', 'docs/mona/hello-world.md', 'docs/a/markdown/file.md', 'docs/a.txt']), [
    'docs/README.md',
    'docs/mona/hello-world.md',
    'docs/a/markdown/file.md',
  ]);
  assert.deepEqual(selected('**/docs/**', ['docs/hello.md', 'dir/docs/my-file.txt', 'space/docs/plan/space.doc', 'mydocs/x']), [
    'docs/hello.md',
    'dir/docs/my-file.txt',
    'space/docs/plan/space.doc',
  ]);
  assert.deepEqual(selected('**/README.md', ['README.md', 'js/README.md', 'README.txt']), ['README.md', 'js/README.md']);
  assert.deepEqual(selected('**/*src/**', ['a/src/app.js', 'my-src/code/js/app.js', 'source/x']), ['a/src/app.js', 'my-src/code/js/app.js']);
  assert.deepEqual(selected('**/migrate-*.sql', ['migrate-10909.sql', 'db/migrate-v1.0.sql', 'db/sept/migrate-v1.sql', 'migrate.sql']), [
    'migrate-10909.sql',
    'db/migrate-v1.0.sql',
    'db/sept/migrate-v1.sql',
  ]);
});

test('with "!", the last matching path pattern wins', () => {
  const patterns = ['*.md', '!README.md'];
  assert.equal(matchesPathFilters(patterns, ['hello.md']), true);
  assert.equal(matchesPathFilters(patterns, ['README.md']), false);
  assert.equal(matchesPathFilters(patterns, ['docs/hello.md']), false);
  assert.equal(matchesPathFilters([...patterns, 'README*'], ['README.doc']), true);
  assert.equal(matchesPathFilters([...patterns, 'README*'], ['README.md']), true);
});

test('on.push.paths: a push runs when at least one changed file matches', async () => {
  const triggers = await triggersOf("  push:\n    paths:\n      - '**.js'");
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['README.md', 'src/app.js']), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['README.md', 'docs/a.md']), false);
});

test('on.push.paths-ignore: a push runs unless every changed file is ignored', async () => {
  const triggers = await triggersOf("  push:\n    paths-ignore:\n      - 'docs/**'");
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['docs/a.md', 'docs/b/c.md']), false);
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['docs/a.md', 'src/app.ts']), true);
});

test('paths with an excluded sub-folder: only sub-project changes outside its docs run', async () => {
  const triggers = await triggersOf("  push:\n    paths:\n      - 'sub-project/**'\n      - '!sub-project/docs/**'");
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['sub-project/src/main.c']), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['sub-project/docs/readme.md']), false);
});

test('branches and paths together: both must be satisfied', async () => {
  const triggers = await triggersOf("  push:\n    branches:\n      - 'releases/**'\n    paths:\n      - '**.js'");
  assert.equal(matchesTriggers(triggers, push('refs/heads/releases/10'), ['app.js']), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['app.js']), false);
  assert.equal(matchesTriggers(triggers, push('refs/heads/releases/10'), ['README.md']), false);
});

test('tag pushes ignore path filters, and unknown changes run rather than being lost', async () => {
  const triggers = await triggersOf("  push:\n    tags: ['v*']\n    paths: ['src/**']");
  assert.equal(needsChangedFiles(triggers, push('refs/tags/v1')), false);
  assert.equal(matchesTriggers(triggers, push('refs/tags/v1'), ['README.md']), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/main'), ['src/a.ts']), false, 'only tags are listed: branch pushes never run');
  const paths = await triggersOf("  push:\n    paths: ['src/**']");
  assert.equal(needsChangedFiles(paths, push('refs/heads/main')), true);
  assert.equal(matchesTriggers(paths, push('refs/heads/main'), undefined), true);
});

test('branches with an exclusion, and branches-ignore, as in GitHub\'s examples', async () => {
  const included = await triggersOf("  push:\n    branches:\n      - 'releases/**'\n      - '!releases/**-alpha'");
  assert.equal(matchesTriggers(included, push('refs/heads/releases/10')), true);
  assert.equal(matchesTriggers(included, push('refs/heads/releases/beta/3-alpha')), false);
  const ignored = await triggersOf("  pull_request:\n    branches-ignore:\n      - 'mona/octocat'\n      - 'releases/**-alpha'");
  assert.equal(matchesTriggers(ignored, pullRequest('main')), true);
  assert.equal(matchesTriggers(ignored, pullRequest('mona/octocat')), false);
  assert.equal(matchesTriggers(ignored, pullRequest('releases/beta/3-alpha')), false);
});

test('on.pull_request.paths judges the files the pull request changed', async () => {
  const triggers = await triggersOf("  pull_request:\n    branches: [main]\n    paths: ['api/**']");
  assert.equal(needsChangedFiles(triggers, pullRequest('main')), true);
  assert.equal(matchesTriggers(triggers, pullRequest('main'), ['api/v1/routes.ts']), true);
  assert.equal(matchesTriggers(triggers, pullRequest('main'), ['web/index.html']), false);
  assert.equal(matchesTriggers(triggers, pullRequest('dev'), ['api/v1/routes.ts']), false);
});
