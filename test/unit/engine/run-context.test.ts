import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRequest, JobWorkspace } from '../../../src/engine/index.js';
import { runPipeline } from '../../../src/engine/index.js';
import { FakeExecutor } from '../../../src/executors/fake/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';
import { SqliteRunStore } from '../../../src/store/index.js';
import { dedent } from '../../support/dedent.js';

const SOURCE = dedent(`
  env:
    BASE: pipeline
  jobs:
    push-only:
      if: github.event_name == 'push'
      steps: [{ run: "echo \${{ github.sha }}" }]
    dispatch-only:
      if: github.event_name == 'workflow_dispatch'
      steps: [{ run: echo never }]
`);

test('runContext adds contexts to every job and variables under the pipeline env, knowing the run id', async () => {
  const { pipeline } = compilePipeline(SOURCE, 'ci.yml');
  assert.ok(pipeline);
  const executor = new FakeExecutor();
  const runIds: number[] = [];
  const result = await runPipeline({
    pipeline,
    source: SOURCE,
    store: new SqliteRunStore(':memory:'),
    jobs: { executor },
    workspaceDir: process.cwd(),
    parallel: 2,
    runContext: (runId) => {
      runIds.push(runId);
      return {
        contexts: { github: { event_name: 'push', sha: 'abc' } },
        env: { GITHUB_SHA: 'abc', BASE: 'overridden' },
      };
    },
  });
  assert.deepEqual(runIds, [result.run.id]);
  const statuses = Object.fromEntries(result.jobs.map((job) => [job.jobId, job.status]));
  assert.deepEqual(statuses, { 'push-only': 'success', 'dispatch-only': 'skipped' });
  assert.equal(executor.ran[0]?.script, 'echo abc');
  assert.equal(executor.ran[0]?.env.GITHUB_SHA, 'abc');
  assert.equal(executor.ran[0]?.env.BASE, 'pipeline');
});

test('runContext hostDirs reach every job\'s request, so container and sandbox executors can mount them', async () => {
  const { pipeline } = compilePipeline(SOURCE, 'ci.yml');
  assert.ok(pipeline);
  const requests: JobRequest[] = [];
  const executor = new (class extends FakeExecutor {
    override async prepareJob(job: JobRequest): Promise<JobWorkspace> {
      requests.push(job);
      return super.prepareJob(job);
    }
  })();
  await runPipeline({
    pipeline,
    source: SOURCE,
    store: new SqliteRunStore(':memory:'),
    jobs: { executor },
    workspaceDir: process.cwd(),
    parallel: 2,
    runContext: () => ({ contexts: { github: { event_name: 'push' } }, hostDirs: ['/tmp/deploylite-runner-x'] }),
  });
  assert.deepEqual(requests.map((job) => job.hostDirs), [['/tmp/deploylite-runner-x']]);
});
