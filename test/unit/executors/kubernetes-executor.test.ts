// The kubernetes executor against the fake API server (test/e2e/support/fake-kubernetes.ts): a real HTTP server on
// loopback that validates the Job manifests against the Kubernetes OpenAPI schema and runs their pods with
// bubblewrap. Not a real cluster: see docs/executors.md.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { JobRequest, StepCommand, StepOutcome } from '../../../src/engine/index.js';
import { createExecutor } from '../../../src/executors/create-executor.js';
import type { KubernetesExecutor } from '../../../src/executors/kubernetes/index.js';
import { loadKubeConfig, openKubernetesExecutor } from '../../../src/executors/kubernetes/index.js';
import { FakeKubernetes } from '../../e2e/support/fake-kubernetes.js';

let fake: FakeKubernetes;
let dir: string;
let kubeconfig: string;
before(async () => {
  fake = await FakeKubernetes.start();
  dir = mkdtempSync(join(tmpdir(), 'kubernetes-executor-'));
  kubeconfig = fake.writeKubeconfig(dir);
});
after(async () => {
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let nextRun = 1;
function job(extra: Partial<JobRequest> = {}): JobRequest {
  const workspaceDir = mkdtempSync(join(dir, 'ws-'));
  writeFileSync(join(workspaceDir, 'checkout.txt'), 'from the runner\n');
  return { runId: nextRun++, jobKey: 'build', jobId: 'build', workspaceDir, image: 'busybox:1.36', ...extra };
}

async function open(runnerId = 'unit'): Promise<KubernetesExecutor> {
  return openKubernetesExecutor({ kubeConfig: await loadKubeConfig({ KUBECONFIG: kubeconfig }), runnerId, pollMs: 20, killGraceMs: 1000, tempRoot: dir });
}

async function run(executor: KubernetesExecutor, workspace: Awaited<ReturnType<KubernetesExecutor['prepareJob']>>, step: Partial<StepCommand> & { script: string }, signal = new AbortController().signal) {
  const lines: string[] = [];
  const outcome: StepOutcome = await executor.runStep(workspace, { env: {}, shell: 'sh', ...step }, { onLine: (_stream, line) => lines.push(line) }, signal);
  return { outcome, lines };
}

test('steps run as batch/v1 Jobs: output, per-step exit codes, env, outputs, the checkout in the workspace', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    const first = await run(executor, workspace, {
      script: 'echo "hello $GREETING"; cat checkout.txt; pwd; echo "answer=42" >> "$DEPLOYLITE_OUTPUT"; echo "NEXT=yes" >> "$DEPLOYLITE_ENV"; echo oops >&2',
      env: { GREETING: 'pod' },
    });
    assert.deepEqual(first.lines, ['hello pod', 'from the runner', '/workspace', 'oops']);
    assert.equal(first.outcome.exitCode, 0);
    assert.deepEqual(first.outcome.outputs, { answer: '42' });
    assert.deepEqual(first.outcome.env, { NEXT: 'yes' });

    const failing = await run(executor, workspace, { script: 'echo before; exit 3' });
    assert.deepEqual(failing.lines, ['before']);
    assert.equal(failing.outcome.exitCode, 3);
    assert.equal(failing.outcome.timedOut, false);

    const inSub = await run(executor, workspace, { script: 'pwd', workingDirectory: 'sub' });
    assert.equal(inSub.outcome.exitCode, 127);
    assert.match(inSub.lines.join('\n'), /working directory \/workspace\/sub does not exist in the pod/);
  } finally {
    await executor.cleanupJob(workspace);
  }
  const [manifest] = fake.createdJobs.slice(-3);
  assert.equal(manifest!.apiVersion, 'batch/v1');
  assert.equal(manifest!.spec.backoffLimit, 0);
  assert.equal(manifest!.spec.template.spec.restartPolicy, 'Never');
  assert.equal(typeof manifest!.spec.ttlSecondsAfterFinished, 'number');
  assert.equal(manifest!.spec.template.spec.initContainers[0].image, 'busybox:1.36');
  assert.deepEqual(Object.keys(manifest!.metadata.labels).sort(), ['deploylite.job', 'deploylite.run', 'deploylite.runner']);
  assert.equal(manifest!.metadata.namespace, 'ci');
  // cleanupJob removed the step Jobs and the workspace ConfigMap.
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('a step timeout sets activeDeadlineSeconds and deletes the Job with propagationPolicy Foreground', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    const started = Date.now();
    const { outcome, lines } = await run(executor, workspace, { script: 'echo started; sleep 30', timeoutMs: 1500 });
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.exitCode, null);
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(lines, ['started']);
    const manifest = fake.createdJobs.at(-1)!;
    assert.equal(manifest.spec.activeDeadlineSeconds, 2);
    const deletion = fake.requests.find((request) => request.method === 'DELETE' && request.path.endsWith(`/jobs/${manifest.metadata.name as string}`));
    assert.equal(deletion?.query.get('propagationPolicy'), 'Foreground');
  } finally {
    await executor.cleanupJob(workspace);
  }
});

test('cancelling a step deletes its Job; the pod is stopped', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    const controller = new AbortController();
    const lines: string[] = [];
    const running = executor.runStep(workspace, { env: {}, shell: 'sh', script: 'echo waiting; sleep 30' }, { onLine: (_s, line) => { lines.push(line); if (line === 'waiting') controller.abort(); } }, controller.signal);
    const outcome = await running;
    assert.equal(outcome.cancelled, true);
    const name = fake.createdJobs.at(-1)!.metadata.name as string;
    assert.ok(fake.requests.some((request) => request.method === 'DELETE' && request.path.endsWith(`/jobs/${name}`) && request.query.get('propagationPolicy') === 'Foreground'));
    assert.ok(!fake.objects().jobs.includes(name));
  } finally {
    await executor.cleanupJob(workspace);
  }
});

test('leftovers of a killed runner are found by label and removed; other runners are left alone', async () => {
  await fake.plant('ci', 'deploylite-r7-build-abc-s1', { 'deploylite.runner': 'gone', 'deploylite.run': '7', 'deploylite.job': 'build' });
  await fake.plant('ci', 'deploylite-r7-other-s1', { 'deploylite.runner': 'someone-else', 'deploylite.run': '7' });
  const executor = await openKubernetesExecutor({ kubeConfig: await loadKubeConfig({ KUBECONFIG: kubeconfig }), runnerId: 'gone', removeLeftovers: true, pollMs: 20 });
  assert.equal(executor.runnerId, 'gone');
  const objects = fake.objects();
  assert.deepEqual(objects.jobs, ['deploylite-r7-other-s1']);
  assert.deepEqual(objects.configMaps, ['deploylite-r7-other-s1']);
  const deletion = fake.requests.find((request) => request.method === 'DELETE' && request.path.endsWith('/jobs/deploylite-r7-build-abc-s1'));
  assert.ok(deletion?.query.get('propagationPolicy') !== null);

  const other = await open('someone-else');
  await other.reclaimRun(7);
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('bad kubeconfigs and unreachable or refusing API servers give one clear line', async () => {
  const settings = { killGraceMs: 1000, tempRoot: dir, hiddenPaths: [] };
  const attempt = (env: Record<string, string>) => createExecutor('kubernetes', { ...settings, env });
  await assert.rejects(attempt({ KUBECONFIG: join(dir, 'missing') }), { code: 'executor.unavailable', message: /cannot read the kubeconfig .*missing: no such file/ });
  const broken = join(dir, 'broken');
  writeFileSync(broken, 'clusters: [ {name: x\n');
  await assert.rejects(attempt({ KUBECONFIG: broken }), { code: 'executor.unavailable', message: /the kubeconfig .*broken is not valid/ });
  const noContext = join(dir, 'no-context');
  writeFileSync(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  await assert.rejects(attempt({ KUBECONFIG: noContext }), { message: /names no current-context/ });
  const wrongToken = join(dir, 'wrong-token');
  writeFileSync(wrongToken, readKubeconfig().replace(fake.token, 'not-the-token'));
  await assert.rejects(attempt({ KUBECONFIG: wrongToken }), (thrown: Error) => {
    assert.match(thrown.message, /cannot list Jobs in namespace ci at https:\/\/127\.0\.0\.1:\d+ .*Unauthorized/);
    assert.doesNotMatch(thrown.message, /not-the-token/);
    return true;
  });
  const nowhere = join(dir, 'nowhere');
  writeFileSync(nowhere, readKubeconfig().replace(fake.url, 'https://127.0.0.1:9'));
  await assert.rejects(attempt({ KUBECONFIG: nowhere }), { message: /cannot list Jobs in namespace ci at https:\/\/127\.0\.0\.1:9 / });
  await assert.rejects(attempt({ KUBECONFIG: kubeconfig, ...{} }).then(() => createExecutor('kubernetes', { ...settings, network: 'none', env: { KUBECONFIG: kubeconfig } })), { message: /cannot cut jobs off the network/ });
});

test('a job without an image or with services is refused before anything is created', async () => {
  const executor = await open();
  const before = fake.requests.length;
  await assert.rejects(executor.prepareJob(job({ image: undefined } as Partial<JobRequest>)), /names no image/);
  await assert.rejects(executor.prepareJob(job({ services: [{ name: 'db', image: 'postgres', env: {}, aliases: [] }] })), /does not run services/);
  assert.equal(fake.requests.length, before);
});

function readKubeconfig(): string {
  return readFileSync(kubeconfig, 'utf8');
}

test('the fake API server refuses a Job the real one would refuse (OpenAPI schema and apiserver rules)', async () => {
  const { BatchV1Api } = await import('@kubernetes/client-node');
  const batch = (await loadKubeConfig({ KUBECONFIG: kubeconfig })).config.makeApiClient(BatchV1Api);
  const container = { name: 'step', image: 'busybox', command: ['true'] };
  const bad = [
    { spec: { backoffLimit: 'zero', template: { spec: { restartPolicy: 'Never', containers: [container] } } }, expected: /backoffLimit must be integer/ },
    { spec: { template: { spec: { restartPolicy: 'Always', containers: [container] } } }, expected: /restartPolicy: Unsupported value: "Always"/ },
    { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'step', command: ['true'] }] } } }, expected: /image: Required value/ },
  ];
  for (const { spec, expected } of bad) {
    await assert.rejects(batch.createNamespacedJob({ namespace: 'ci', body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad-job' }, spec } as never }), (thrown: { code: number; body: unknown }) => {
      assert.equal(thrown.code, 422);
      const status = (typeof thrown.body === 'string' ? JSON.parse(thrown.body) : thrown.body) as { kind: string; reason: string; message: string };
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'Invalid');
      assert.match(status.message, expected);
      return true;
    });
  }
  assert.ok(!fake.objects().jobs.includes('bad-job'));
});

test('an image the cluster cannot pull fails the step with the kubelet\'s reason', async () => {
  fake.unpullableImages.add('registry.invalid/nope:1');
  const executor = await open();
  const workspace = await executor.prepareJob(job({ image: 'registry.invalid/nope:1' }));
  try {
    const { outcome } = await run(executor, workspace, { script: 'echo never' });
    assert.equal(outcome.exitCode, null);
    assert.match(outcome.error ?? '', /the step's image could not be pulled: ErrImagePull .*registry\.invalid\/nope:1/);
  } finally {
    await executor.cleanupJob(workspace);
  }
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});
