// `deploylite run --executor kubernetes`: the bundled CLI runs each job as one batch/v1 Job, its steps exec'd in the
// Job's pod, on the API server its KUBECONFIG names — here the fake API server (test/e2e/support/fake-kubernetes.ts), not a real cluster.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, workdir } from './support/cli.js';
import { FakeKubernetes } from './support/fake-kubernetes.js';

let fake: FakeKubernetes;
let env: Record<string, string>;
before(async () => {
  fake = await FakeKubernetes.start();
  const dir = workdir();
  env = { KUBECONFIG: fake.writeKubeconfig(dir) };
});
after(async () => {
  await fake?.stop();
});

const PIPELINE = `
  jobs:
    build:
      image: busybox:1.36
      steps:
        - id: version
          run: |
            echo "building in $(pwd)"
            cat input.txt
            echo "version=1.2.3" >> "$DEPLOYLITE_OUTPUT"
            echo "left by step one" > built.txt
        - run: echo "second step sees \${{ steps.version.outputs.version }} and $(cat built.txt)"
      outputs: { version: '\${{ steps.version.outputs.version }}' }
    deploy:
      needs: build
      image: busybox:1.36
      steps:
        - run: echo "deploying \${{ needs.build.outputs.version }}"
        - run: exit 4
`;

test('each job is one Kubernetes Job, files and outputs pass between steps and jobs, a failing step fails the run, nothing is left', async () => {
  const dir = workdir({ 'pipeline.yml': PIPELINE, 'input.txt': 'checked out\n' });
  const result = await runCli(['run', '--executor', 'kubernetes', 'pipeline.yml'], { cwd: dir, env, timeoutMs: 60_000 });
  assertNoStackTrace(result);
  assertExit(result, 1);
  const output = result.stdout + result.stderr;
  assert.match(output, /building in \/workspace/);
  assert.match(output, /checked out/);
  assert.match(output, /second step sees 1\.2\.3 and left by step one/);
  assert.match(output, /deploying 1\.2\.3/);
  assert.equal(fake.createdJobs.length, 2);
  for (const manifest of fake.createdJobs) {
    assert.equal(manifest.metadata.labels['deploylite.run'], '1');
    assert.match(manifest.metadata.labels['deploylite.runner'] as string, /^local-[0-9a-f]+$/);
  }
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('a broken KUBECONFIG is one clear line, no stack trace', async () => {
  const dir = workdir({ 'pipeline.yml': PIPELINE });
  const result = await runCli(['run', '--executor', 'kubernetes', 'pipeline.yml'], { cwd: dir, env: { KUBECONFIG: join(dir, 'nope') }, timeoutMs: 20_000 });
  assertNoStackTrace(result);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /cannot read the kubeconfig .*nope: no such file/);
});

test('a kubernetes job\'s artifacts come back from its pod: the job that needs it reads them, its artifact holds them', async () => {
  const pipeline = `
  jobs:
    build:
      image: busybox:1.36
      artifacts: { paths: [out/] }
      steps:
        - run: mkdir -p out && echo "made in the pod of build" > out/result.txt
    use:
      needs: build
      image: busybox:1.36
      steps:
        - run: cat out/result.txt
`;
  const dir = workdir({ 'pipeline.yml': pipeline });
  const result = await runCli(['run', '--executor', 'kubernetes', 'pipeline.yml'], { cwd: dir, env, timeoutMs: 60_000 });
  assertNoStackTrace(result);
  assertExit(result, 0);
  const output = result.stdout + result.stderr;
  assert.match(output, /artifact build: 1 file, \d+ bytes/);
  assert.match(output, /\[use\] made in the pod of build/);
});
