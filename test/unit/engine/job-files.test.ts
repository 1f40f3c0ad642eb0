import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobFiles, JobFilesJob } from '../../../src/engine/index.js';
import { combineJobFiles } from '../../../src/engine/index.js';
import { FakeExecutor } from '../../../src/executors/fake/index.js';
import { runYaml } from '../../support/run-yaml.js';

/** A JobFiles that records what it was asked, in order, and fails where told to. */
function recordingFiles(fail: { restore?: string; save?: string } = {}) {
  const calls: string[] = [];
  const jobs: JobFilesJob[] = [];
  const files: JobFiles = {
    async restore(job) {
      calls.push(`restore ${job.jobKey}`);
      jobs.push(job);
      if (fail.restore) throw new Error(fail.restore);
    },
    async save(job, _workspace, status) {
      calls.push(`save ${job.jobKey} ${status}`);
      if (fail.save) throw new Error(fail.save);
    },
  };
  return { files, calls, jobs };
}

test('files are restored before the first step and saved after the last, with the final status', async () => {
  const executor = new FakeExecutor();
  const recorder = recordingFiles();
  const files: JobFiles = {
    restore: async (job, workspace) => {
      assert.equal(executor.ran.length, 0, 'restore runs before any step');
      await recorder.files.restore(job, workspace);
    },
    save: async (job, workspace, status) => {
      assert.equal(executor.ran.length, 4, 'save runs after both attempts of both steps');
      await recorder.files.save(job, workspace, status);
    },
  };
  const run = await runYaml(
    `
    jobs:
      build: { retry: { max: 1, delay: 1ms }, steps: [{ run: echo one }, { run: exit 3 }] }
  `,
    { executor, files },
  );
  assert.equal(run.job('build').status, 'failed');
  // Two attempts of the steps, but one restore and one save around them.
  assert.deepEqual(recorder.calls, ['restore build', 'save build failed']);
});

test('the cache key and restore keys reach the files with their expressions evaluated per matrix instance', async () => {
  const recorder = recordingFiles();
  await runYaml(
    `
    jobs:
      deps:
        matrix: { os: [linux, mac] }
        cache: { key: "npm-\${{ matrix.os }}-v1", restore-keys: ["npm-\${{ matrix.os }}-"], paths: [node_modules] }
        steps: [{ run: echo ok }]
  `,
    { files: recorder.files },
  );
  const caches = recorder.jobs.map((job) => job.cache).sort((a, b) => (a?.key ?? '').localeCompare(b?.key ?? ''));
  assert.deepEqual(caches, [
    { key: 'npm-linux-v1', restoreKeys: ['npm-linux-'], paths: ['node_modules'] },
    { key: 'npm-mac-v1', restoreKeys: ['npm-mac-'], paths: ['node_modules'] },
  ]);
});

test('a failed restore fails the job with its reason and runs none of its steps', async () => {
  const executor = new FakeExecutor();
  const { files } = recordingFiles({ restore: 'artifact "dist" of job build is missing' });
  const run = await runYaml(`jobs: { test: { steps: [{ run: echo never }] } }`, { executor, files });
  assert.equal(run.job('test').status, 'failed');
  assert.equal(run.job('test').error, `could not restore the job's files: artifact "dist" of job build is missing`);
  assert.equal(executor.ran.length, 0);
});

test('a failed save turns a successful job into a failed one, and the log says why', async () => {
  const { files } = recordingFiles({ save: 'upload refused: 507 Insufficient Storage' });
  const run = await runYaml(`jobs: { build: { steps: [{ run: echo built }] } }`, { files });
  assert.equal(run.job('build').status, 'failed');
  assert.match(run.job('build').error ?? '', /could not save the job's files: upload refused/);
  assert.ok((await run.log('build')).some((line) => line.includes('✖ could not save')));
});

test('combined files restore and save in the order given', async () => {
  const first = recordingFiles();
  const second = recordingFiles();
  const calls: string[] = [];
  const tag = (name: string, files: JobFiles): JobFiles => ({
    restore: async (job, workspace) => {
      calls.push(`${name} restore`);
      await files.restore(job, workspace);
    },
    save: async (job, workspace, status) => {
      calls.push(`${name} save`);
      await files.save(job, workspace, status);
    },
  });
  await runYaml(`jobs: { only: { steps: [{ run: echo ok }] } }`, { files: combineJobFiles(tag('artifacts', first.files), tag('cache', second.files)) });
  assert.deepEqual(calls, ['artifacts restore', 'cache restore', 'artifacts save', 'cache save']);
});

test("a restore's variables reach every step, below the job's own env, and combined parts merge them", async () => {
  const executor = new FakeExecutor();
  const part = (env: Record<string, string>): JobFiles => ({ restore: async () => ({ env }), save: async () => {} });
  const files = combineJobFiles(part({ DEPLOYLITE_CACHE_HIT: 'false', FROM: 'first' }), part({ DEPLOYLITE_CACHE_HIT: 'true' }), recordingFiles().files);
  await runYaml(
    `
    jobs:
      build: { env: { FROM: job }, steps: [{ run: echo one }, { run: echo two, if: "env.DEPLOYLITE_CACHE_HIT == 'true'" }] }
  `,
    { executor, files },
  );
  assert.deepEqual(
    executor.ran.map((step) => [step.script, step.env.DEPLOYLITE_CACHE_HIT, step.env.FROM]),
    [
      ['echo one', 'true', 'job'],
      ['echo two', 'true', 'job'],
    ],
  );
});
