import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import type { JobAssignment } from '../../../src/protocol/index.js';
import { MAX_STEP_SUMMARY_BYTES } from '../../../src/protocol/index.js';
import { compileWorkflow } from '../../../src/workflows/index.js';
import { dedent } from '../../support/dedent.js';
import { waitFor } from './support/protocol-stub.js';
import { withRunner } from './support/runner-fixture.js';

/** An assignment of a GitHub workflow's job `main`, as the server sends one: a `github` context with machine values left empty. */
async function workflowAssignment(steps: string, overrides: Partial<Omit<JobAssignment, 'leaseId'>> = {}): Promise<Omit<JobAssignment, 'leaseId'>> {
  const source = dedent(`
    on: push
    jobs:
      main:
        runs-on: self-hosted
        steps:
    `) + steps;
  const compiled = await compileWorkflow(source, '.github/workflows/ci.yml');
  assert.ok(compiled.pipeline, JSON.stringify(compiled.diagnostics));
  const job = compiled.pipeline.jobs.find((j) => j.id === 'main');
  return {
    runId: 7,
    jobKey: 'main',
    jobId: 'main',
    name: 'main',
    matrixIndex: null,
    matrix: null,
    pipeline: { file: '.github/workflows/ci.yml' },
    job: JSON.parse(JSON.stringify(job)) as Record<string, unknown>,
    contexts: { github: { event_name: 'push', event: { ref: 'refs/heads/main', pusher: { name: 'ada' } }, event_path: '', workspace: '' }, inputs: {} },
    env: { CI: 'true', GITHUB_ACTIONS: 'true' },
    retry: null,
    timeoutMs: null,
    checkout: null,
    mask: [],
    ...overrides,
  };
}

test('a workflow job on a runner gets RUNNER_TEMP, the event file, the runner context and brings back its step summary', () =>
  withRunner(async ({ stub, startAgent, workRoot }) => {
    startAgent();
    const steps = [
      '      - run: test -d "$RUNNER_TEMP" && test -d "$RUNNER_TOOL_CACHE" && touch "$RUNNER_TEMP/scratch"',
      '      - run: node -e \'const e = require(process.env.GITHUB_EVENT_PATH); console.log("pushed by " + e.pusher.name)\'',
      '      - run: echo "workspace ok=${{ github.workspace == env.GITHUB_WORKSPACE }} event=${{ github.event_path == env.GITHUB_EVENT_PATH }} runner=${{ runner.name }}/${{ runner.os }} temp=${{ runner.temp == env.RUNNER_TEMP }} pwd=$([ "$PWD" = "$GITHUB_WORKSPACE" ] && echo same)"',
      '      - run: echo "## Tests" >> "$GITHUB_STEP_SUMMARY"',
      '      - run: echo "- 3 passed" >> $GITHUB_STEP_SUMMARY',
      '',
    ].join('\n');
    const lease = stub.assign(await workflowAssignment(steps));
    const result = await waitFor('the result', () => stub.results.get(lease));
    const log = stub.logText(lease).join('\n');
    assert.equal(result.status, 'success', log);
    assert.match(log, /pushed by ada/);
    assert.match(log, /workspace ok=true event=true runner=test-runner\/Linux temp=true pwd=same/);
    assert.equal(result.summary, '## Tests\n- 3 passed\n');
    // The scratch folder went with the job's workspace.
    assert.deepEqual((await readdir(workRoot)).filter((name) => /^[rt]7-/.test(name)), []);
  }));

test("a workflow job's summary is masked, and dropped with a warning when over 1 MiB", () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const masked = stub.assign(await workflowAssignment('      - run: echo "token is $TOKEN" >> "$GITHUB_STEP_SUMMARY"\n', { env: { TOKEN: 's3cr3t-value' }, mask: ['s3cr3t-value'] }));
    const bytes = MAX_STEP_SUMMARY_BYTES + 1;
    const large = stub.assign(await workflowAssignment(`      - run: head -c ${bytes} /dev/zero | tr '\\\\0' x >> "$GITHUB_STEP_SUMMARY"\n`, { runId: 8 }));
    const maskedResult = await waitFor('the masked result', () => stub.results.get(masked));
    assert.equal(maskedResult.summary, 'token is ***\n');
    const largeResult = await waitFor('the large result', () => stub.results.get(large));
    assert.equal(largeResult.status, 'success', stub.logText(large).join('\n'));
    assert.equal(largeResult.summary, undefined);
    assert.ok(stub.logText(large).some((line) => /^warning: the step summary was dropped: it is 1\.0 MiB, over the 1\.0 MiB limit$/.test(line)), stub.logText(large).join('\n'));
  }));

test('a native pipeline job gets no runner environment and no summary', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const assignment = await workflowAssignment('      - run: echo "temp=[${RUNNER_TEMP:-}] summary=[${GITHUB_STEP_SUMMARY:-}]"\n', { contexts: {} });
    const lease = stub.assign(assignment);
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'success');
    assert.ok(stub.logText(lease).includes('temp=[] summary=[]'), stub.logText(lease).join('\n'));
    assert.equal(result.summary, undefined);
  }));
