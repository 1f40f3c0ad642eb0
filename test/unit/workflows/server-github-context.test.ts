import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WorkflowEvent } from '../../../src/workflows/index.js';
import { isWorkflowEvent, serverRunContext, storedPayload } from '../../../src/workflows/index.js';

const fixture = (name: string) => JSON.parse(readFileSync(join('test/fixtures/webhooks/github', name), 'utf8')) as Record<string, unknown>;

const facts = (event: WorkflowEvent, ref: string) => ({ event, runId: 42, attempt: 2, workflowName: 'CI', workflowPath: '.github/workflows/ci.yml', sha: 'c'.repeat(40), ref });

test('a pull request run: event payload under github.event, head and base branches, the host\'s head ref', () => {
  const payload = fixture('pull_request-opened.json');
  const event: WorkflowEvent = { name: 'pull_request', payload, actor: 'Codertocat', repository: 'Codertocat/Hello-World', inputs: {} };
  const { contexts, env } = serverRunContext(facts(event, 'refs/pull/2/head'));
  const github = contexts.github as Record<string, unknown>;
  assert.equal(github.event, payload);
  assert.deepEqual([github.event_name, github.head_ref, github.base_ref, github.ref_name, github.ref_type], ['pull_request', 'changes', 'master', '2/head', 'branch']);
  assert.deepEqual([env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_REPOSITORY_OWNER], ['42', '2', 'Codertocat']);
  assert.equal(env.GITHUB_WORKFLOW_REF, 'Codertocat/Hello-World/.github/workflows/ci.yml@refs/pull/2/head');
});

test('a manual run on a bare branch name is a branch ref; its inputs are the inputs context', () => {
  const event: WorkflowEvent = { name: 'workflow_dispatch', payload: {}, actor: 'ana', repository: 'acme/app', inputs: { target: 'staging', dry: true } };
  const { contexts, env } = serverRunContext(facts(event, 'main'));
  assert.deepEqual(contexts.inputs, { target: 'staging', dry: true });
  assert.deepEqual([env.GITHUB_REF, env.GITHUB_REF_NAME, env.GITHUB_EVENT_NAME, env.GITHUB_ACTOR], ['refs/heads/main', 'main', 'workflow_dispatch', 'ana']);
});

test('a tag push is a tag ref; the stored event is recognised when read back, anything else is not', () => {
  const event: WorkflowEvent = { name: 'push', payload: fixture('push-tag.json'), actor: 'Codertocat', repository: 'Codertocat/Hello-World', inputs: {} };
  const { env } = serverRunContext(facts(event, 'refs/tags/simple-tag'));
  assert.deepEqual([env.GITHUB_REF_TYPE, env.GITHUB_REF_NAME], ['tag', 'simple-tag']);
  assert.equal(isWorkflowEvent(JSON.parse(JSON.stringify(event))), true);
  assert.equal(isWorkflowEvent({ name: 'push' }), false);
  assert.equal(isWorkflowEvent(undefined), false);
});

test('a huge payload is stored without its commit list, a small one as it came', () => {
  const small = fixture('push.json');
  assert.equal(storedPayload(small), small);
  const huge = { ...small, commits: Array.from({ length: 20 }, () => ({ message: 'x'.repeat(20_000) })) };
  const stored = storedPayload(huge);
  assert.equal('commits' in stored, false);
  assert.deepEqual(stored.repository, small.repository);
});
