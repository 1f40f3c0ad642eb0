// The kubernetes executor against the fake API server (test/e2e/support/fake-kubernetes.ts): a real HTTPS server on
// loopback that validates the Job manifests against the Kubernetes OpenAPI schema, runs their pods with bubblewrap
// and serves pods/exec over WebSocket. Not a real cluster: see docs/executors.md.
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
  const outcome: StepOutcome = await executor.runStep(workspace, { env: {}, shell: 'sh', ...step }, { onLine: (stream, line) => lines.push(`${stream} ${line}`) }, signal);
  return { outcome, lines };
}

test('a job is one batch/v1 Job; its steps are exec\'d in its pod: streams, exit codes, env, outputs, files kept between steps', async () => {
  const executor = await open();
  const jobsBefore = fake.createdJobs.length;
  const execsBefore = fake.execs.length;
  const workspace = await executor.prepareJob(job());
  try {
    const first = await run(executor, workspace, {
      script: 'echo "hello $GREETING"; cat checkout.txt; pwd; echo "answer=42" >> "$DEPLOYLITE_OUTPUT"; echo "NEXT=yes" >> "$GITHUB_ENV"; echo oops >&2; echo made > made.txt',
      env: { GREETING: 'pod' },
    });
    assert.deepEqual(first.lines, ['stdout hello pod', 'stdout from the runner', 'stdout /workspace', 'stderr oops']);
    assert.equal(first.outcome.exitCode, 0);
    assert.deepEqual(first.outcome.outputs, { answer: '42' });
    assert.deepEqual(first.outcome.env, { NEXT: 'yes' });

    const failing = await run(executor, workspace, { script: 'cat made.txt; exit 3' });
    assert.deepEqual(failing.lines, ['stdout made']);
    assert.equal(failing.outcome.exitCode, 3);
    assert.equal(failing.outcome.timedOut, false);

    const inSub = await run(executor, workspace, { script: 'pwd', workingDirectory: 'sub' });
    assert.equal(inSub.outcome.exitCode, 127);
    assert.match(inSub.lines.join('\n'), /working directory \/workspace\/sub does not exist in the pod/);
  } finally {
    await executor.cleanupJob(workspace);
  }
  assert.equal(fake.createdJobs.length, jobsBefore + 1);
  const manifest = fake.createdJobs.at(-1)!;
  assert.equal(manifest.apiVersion, 'batch/v1');
  assert.equal(manifest.spec.backoffLimit, 0);
  assert.equal(manifest.spec.template.spec.restartPolicy, 'Never');
  assert.equal(typeof manifest.spec.ttlSecondsAfterFinished, 'number');
  assert.equal(manifest.spec.template.spec.initContainers[0].image, 'busybox:1.36');
  assert.equal(manifest.spec.template.spec.containers[0].image, 'busybox:1.36');
  assert.deepEqual(Object.keys(manifest.metadata.labels).sort(), ['deploylite.job', 'deploylite.run', 'deploylite.runner']);
  assert.equal(manifest.metadata.namespace, 'ci');
  // The step's script and env went over stdin, not into the exec URL the API server logs.
  const execs = fake.execs.slice(execsBefore);
  assert.ok(execs.every((exec) => exec.protocol === 'v5.channel.k8s.io' && exec.container === 'job'));
  assert.ok(!execs.some((exec) => exec.command.join(' ').includes('GREETING')));
  assert.ok(execs.some((exec) => exec.status?.reason === 'NonZeroExitCode' && exec.status.details.causes[0].message === '3'));
  // cleanupJob deleted the Job with a propagation policy (so its pod goes too) and the workspace ConfigMap.
  const deletion = fake.requests.find((request) => request.method === 'DELETE' && request.path.endsWith(`/jobs/${manifest.metadata.name as string}`));
  assert.equal(deletion?.query.get('propagationPolicy'), 'Background');
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('a step timeout kills the step\'s whole process group in the pod; the job\'s next step still runs there', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    const started = Date.now();
    const { outcome, lines } = await run(executor, workspace, { script: 'sleep 31 & echo started; sleep 30', timeoutMs: 1500 });
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.exitCode, null);
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(lines, ['stdout started']);
    const next = await run(executor, workspace, { script: 'ps -eo args | grep -c "^sleep 3[01]" || true' });
    assert.deepEqual(next.lines, ['stdout 0']);
    assert.ok(fake.execs.some((exec) => exec.command.includes('deploylite-kill') && exec.command.join(' ').includes('kill -TERM')));
  } finally {
    await executor.cleanupJob(workspace);
  }
});

test('cancelling a step that ignores SIGTERM kills it after the grace period', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    const controller = new AbortController();
    const lines: string[] = [];
    const started = Date.now();
    const outcome = await executor.runStep(workspace, { env: {}, shell: 'sh', script: 'trap "" TERM; echo waiting; sleep 30' }, { onLine: (_s, line) => { lines.push(line); if (line === 'waiting') controller.abort(); } }, controller.signal);
    assert.equal(outcome.cancelled, true);
    assert.ok(Date.now() - started < 10_000);
    assert.ok(fake.execs.some((exec) => exec.command.join(' ').includes('kill -KILL')));
    const after = await run(executor, workspace, { script: 'ps -eo args | grep -c "^sleep 30" || true' });
    assert.deepEqual(after.lines, ['stdout 0']);
  } finally {
    await executor.cleanupJob(workspace);
  }
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('the fake serves pods/exec like the API server: v4 when the client offers only v4, the exit code as a Status on channel 3', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    await run(executor, workspace, { script: 'true' });
    const pod = fake.execs.at(-1)!.pod;
    const { default: WebSocket } = await import('ws');
    const query = 'command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%205&container=job&stdout=true&stderr=true';
    const socket = new WebSocket(`${fake.url.replace('https', 'wss')}/api/v1/namespaces/ci/pods/${pod}/exec?${query}`, ['v4.channel.k8s.io'], { headers: { authorization: `Bearer ${fake.token}` }, ca: fake.caCertificate });
    const frames: [number, string][] = [];
    socket.on('message', (data: Buffer) => frames.push([data[0]!, data.subarray(1).toString()]));
    await new Promise((done) => socket.on('close', done));
    assert.equal(socket.protocol, 'v4.channel.k8s.io');
    assert.deepEqual(frames.slice(0, 2).sort(), [[1, 'out\n'], [2, 'err\n']]);
    const status = JSON.parse(frames.at(-1)![1]) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    assert.equal(frames.at(-1)![0], 3);
    assert.deepEqual([status.status, status.reason, status.details.causes], ['Failure', 'NonZeroExitCode', [{ reason: 'ExitCode', message: '5' }]]);
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
    assert.match(outcome.error ?? '', /the job's image could not be pulled: ErrImagePull .*registry\.invalid\/nope:1/);
  } finally {
    await executor.cleanupJob(workspace);
  }
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('a step\'s env (its secrets) is not left in the pod for the job\'s later steps to read', async () => {
  const executor = await open();
  const workspace = await executor.prepareJob(job());
  try {
    const first = await run(executor, workspace, { script: 'echo "token is ${DEPLOY_TOKEN:+set}"', env: { DEPLOY_TOKEN: 'step-only-5e1d' } });
    assert.deepEqual(first.lines, ['stdout token is set']);
    // A later step without the secret (a third-party action, say) looks through the pod's scratch files.
    const later = await run(executor, workspace, { script: 'grep -rl "step-only-$(echo 5e1d)" /deploylite || echo nothing found' });
    assert.deepEqual(later.lines, ['stdout nothing found']);
  } finally {
    await executor.cleanupJob(workspace);
  }
});
