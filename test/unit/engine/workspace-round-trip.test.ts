// Executors whose steps work on a copy of the workspace (kubernetes) are told when the runner's copy changed
// (pushWorkspace, after a restore) and when it must hold what the steps wrote (pullWorkspace, before a save).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobFiles, JobWorkspace } from '../../../src/engine/index.js';
import { FakeExecutor } from '../../../src/executors/fake/index.js';
import { runYaml } from '../../support/run-yaml.js';

/** A FakeExecutor with a workspace copy: records pushes and pulls among the steps, fails them where told to. */
class CopyingExecutor extends FakeExecutor {
  readonly calls: string[] = [];
  constructor(private readonly fail: { push?: string; pull?: string } = {}) {
    super();
  }
  async pushWorkspace(workspace: JobWorkspace): Promise<void> {
    this.calls.push(`push ${workspace.job.jobKey} after ${this.stepsOf(workspace)} steps`);
    if (this.fail.push) throw new Error(this.fail.push);
  }
  async pullWorkspace(workspace: JobWorkspace): Promise<{ warnings: string[] }> {
    this.calls.push(`pull ${workspace.job.jobKey} after ${this.stepsOf(workspace)} steps`);
    if (this.fail.pull) throw new Error(this.fail.pull);
    return { warnings: ['the pod\'s symbolic link "venv/python" -> "/usr/bin/python3" leads out of the workspace; not brought back'] };
  }
  private stepsOf(workspace: JobWorkspace): number {
    return this.ran.filter((step) => step.jobKey === workspace.job.jobKey).length;
  }
}

const files: JobFiles = { restore: async () => {}, save: async () => {} };

test('the workspace goes to the steps after a restore when the job needs others, and comes back before the save when it keeps artifacts', async () => {
  const executor = new CopyingExecutor();
  const run = await runYaml(
    `
    jobs:
      build: { artifacts: { paths: [dist/] }, steps: [{ run: echo built }] }
      test: { needs: build, steps: [{ run: echo tested }] }
  `,
    { executor, files },
  );
  assert.equal(run.job('test').status, 'success');
  assert.deepEqual(executor.calls, ['pull build after 1 steps', 'push test after 0 steps']);
  assert.ok((await run.log('build')).some((line) => line.includes('warning: the pod\'s symbolic link "venv/python"')));
});

test('a job with a cache has its workspace pushed and pulled; one with neither needs, cache nor artifacts has neither', async () => {
  const executor = new CopyingExecutor();
  await runYaml(
    `
    jobs:
      deps: { cache: { key: npm, paths: [node_modules] }, steps: [{ run: echo installed }] }
      lint: { steps: [{ run: echo linted }] }
  `,
    { executor, files },
  );
  assert.deepEqual(executor.calls, ['push deps after 0 steps', 'pull deps after 1 steps']);
});

test('a failed push fails the job before its steps; a failed pull fails a successful job like a failed save', async () => {
  const pushing = new CopyingExecutor({ push: 'the pod could not unpack them' });
  const pushed = await runYaml(`jobs: { b: { steps: [{ run: echo b }] }, a: { needs: b, steps: [{ run: echo never }] } }`, { executor: pushing, files });
  assert.equal(pushed.job('a').status, 'failed');
  assert.equal(pushed.job('a').error, 'could not bring the restored files to the job: the pod could not unpack them');
  assert.ok(!pushing.ran.some((step) => step.script === 'echo never'));

  const pulling = new CopyingExecutor({ pull: 'refusing the absolute path "/etc/passwd"' });
  const pulled = await runYaml(`jobs: { build: { artifacts: { paths: [dist/] }, steps: [{ run: echo built }] } }`, { executor: pulling, files });
  assert.equal(pulled.job('build').status, 'failed');
  assert.equal(pulled.job('build').error, 'could not save the job\'s files: refusing the absolute path "/etc/passwd"');
});
