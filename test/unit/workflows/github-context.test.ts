import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { WorkflowRunFacts } from '../../../src/workflows/index.js';
import { defaultEnv, githubContext, isGitHubWorkflow, repositoryOf, resolveInputs } from '../../../src/workflows/index.js';

const FACTS: WorkflowRunFacts = {
  checkout: { sha: 'a'.repeat(40), branch: 'feature/x', repository: 'acme/widgets', actor: 'octocat', workspace: '/work/widgets' },
  event: 'push',
  workflowName: 'CI',
  workflowPath: '.github/workflows/ci.yml',
  runId: 7,
  inputs: {},
  runnerTemp: '/tmp/r',
  eventPath: '/tmp/r/event.json',
  stepSummaryPath: '/tmp/r/summary.md',
};

test('a file under .github/workflows is a workflow whatever it holds', () => {
  assert.equal(isGitHubWorkflow('repo/.github/workflows/ci.yml', 'jobs: {}'), true);
  assert.equal(isGitHubWorkflow('.github/workflows/ci.yaml', ''), true);
});

test('elsewhere, a workflow is recognised by on: and a job with runs-on', () => {
  assert.equal(isGitHubWorkflow('ci.yml', 'on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n'), true);
  assert.equal(isGitHubWorkflow('ci.yml', 'on: push\njobs:\n  a:\n    steps: [{ run: echo runs-on }]\n'), false);
  assert.equal(isGitHubWorkflow('ci.yml', 'jobs:\n  a:\n    runs-on: x\n'), false);
  assert.equal(isGitHubWorkflow('ci.yml', 'on: [runs-on\n'), false);
});

test('a DeployLite pipeline with on: and runs-on stays native when it uses keys only DeployLite has', () => {
  const job = (extra: string) => `on: push\njobs:\n  a:\n    runs-on: x\n${extra}    steps: [{ run: echo }]\n`;
  assert.equal(isGitHubWorkflow('ci.yml', job('')), true);
  assert.equal(isGitHubWorkflow('ci.yml', job('    timeout: 5m\n')), false);
  assert.equal(isGitHubWorkflow('ci.yml', job('    matrix: { n: [1] }\n')), false);
  assert.equal(isGitHubWorkflow('ci.yml', job('    rollback: [{ run: echo }]\n')), false);
  assert.equal(isGitHubWorkflow('ci.yml', `on: { manual: true }\njobs:\n  a:\n    runs-on: x\n    steps: []\n`), false);
  assert.equal(isGitHubWorkflow('ci.yml', `on: push\ndefaults: { timeout: 5m }\njobs:\n  a:\n    runs-on: x\n    steps: []\n`), false);
});

test('the repository fixture using every native key is not taken for a workflow', () => {
  const source = readFileSync(new URL('../../fixtures/pipelines/valid/every-key.yml', import.meta.url), 'utf8');
  assert.equal(isGitHubWorkflow('every-key.yml', source), false);
});

test('the github context and GITHUB_* variables describe the checkout and the event', () => {
  const github = githubContext(FACTS);
  assert.equal(github.ref, 'refs/heads/feature/x');
  assert.equal(github.ref_name, 'feature/x');
  assert.equal(github.repository_owner, 'acme');
  assert.equal(github.run_id, '7');
  const env = defaultEnv(FACTS);
  assert.equal(env.GITHUB_REF, 'refs/heads/feature/x');
  assert.equal(env.GITHUB_SHA, 'a'.repeat(40));
  assert.equal(env.GITHUB_ACTIONS, 'true');
  assert.equal(env.CI, 'true');
  assert.equal(env.RUNNER_OS, 'Linux');
  assert.equal(env.RUNNER_TEMP, '/tmp/r');
  assert.equal(env.GITHUB_STEP_SUMMARY, '/tmp/r/summary.md');
});

test('workflow_ref names the repository, the workflow file and the ref; workflow_sha the commit', () => {
  const github = githubContext(FACTS);
  assert.equal(github.workflow_ref, 'acme/widgets/.github/workflows/ci.yml@refs/heads/feature/x');
  assert.equal(github.workflow_sha, 'a'.repeat(40));
  const env = defaultEnv(FACTS);
  assert.equal(env.GITHUB_WORKFLOW_REF, 'acme/widgets/.github/workflows/ci.yml@refs/heads/feature/x');
  assert.equal(env.GITHUB_WORKFLOW_SHA, 'a'.repeat(40));
});

test('a detached HEAD has an empty ref, as no branch was pushed', () => {
  const { branch: _branch, ...detached } = FACTS.checkout;
  assert.equal(defaultEnv({ ...FACTS, checkout: detached }).GITHUB_REF, '');
});

test('the origin remote names the repository, in SSH and HTTPS form', () => {
  assert.equal(repositoryOf('git@github.com:acme/widgets.git'), 'acme/widgets');
  assert.equal(repositoryOf('https://github.com/acme/widgets'), 'acme/widgets');
  assert.equal(repositoryOf('https://gitea.local/acme/widgets.git/'), 'acme/widgets');
});

const INPUTS = {
  level: { type: 'choice', required: false, default: 'low', options: ['low', 'high'] },
  force: { type: 'boolean', required: false },
  count: { type: 'number', required: false, default: 1 },
  who: { type: 'string', required: true },
} as const;

test('inputs take their defaults and typed values; booleans default to false', () => {
  assert.deepEqual(resolveInputs(INPUTS, { who: 'me', force: 'true', count: '3' }), {
    inputs: { level: 'low', force: true, count: 3, who: 'me' },
    problems: [],
  });
});

test('unknown, missing, mistyped and out-of-choice inputs are all reported', () => {
  const { problems } = resolveInputs(INPUTS, { level: 'mid', force: 'yes', count: 'many', typo: 'x' });
  assert.deepEqual(problems, [
    'unknown input "typo" (the workflow defines: level, force, count, who)',
    'input "level" must be one of: low, high',
    'input "force" is a boolean: give true or false, not "yes"',
    'input "count" is a number, not "many"',
    'input "who" is required',
  ]);
});
