// The kubernetes executor's pod works on a copy of the runner's workspace: pushWorkspace carries files restored after
// prepareJob into it, pullWorkspace brings what the steps wrote back. Against the fake API server
// (test/e2e/support/fake-kubernetes.ts), whose pods/exec runs the commands for real.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { JobWorkspace, StepCommand } from '../../../src/engine/index.js';
import type { KubernetesExecutor } from '../../../src/executors/kubernetes/index.js';
import { loadKubeConfig, openKubernetesExecutor } from '../../../src/executors/kubernetes/index.js';
import { FakeKubernetes } from '../../e2e/support/fake-kubernetes.js';

let fake: FakeKubernetes;
let dir: string;
let executor: KubernetesExecutor;
before(async () => {
  fake = await FakeKubernetes.start();
  dir = mkdtempSync(join(tmpdir(), 'kubernetes-round-trip-'));
  executor = await openKubernetesExecutor({ kubeConfig: await loadKubeConfig({ KUBECONFIG: fake.writeKubeconfig(dir) }), runnerId: 'round-trip', pollMs: 20, killGraceMs: 1000, tempRoot: dir });
});
after(async () => {
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let nextRun = 1;
async function withJob(body: (workspace: JobWorkspace) => Promise<void>): Promise<void> {
  const workspaceDir = mkdtempSync(join(dir, 'ws-'));
  writeFileSync(join(workspaceDir, 'checkout.txt'), 'from the runner\n');
  const workspace = await executor.prepareJob({ runId: nextRun++, jobKey: 'build', jobId: 'build', workspaceDir, image: 'busybox:1.36' });
  try {
    await body(workspace);
  } finally {
    await executor.cleanupJob(workspace);
  }
}

async function step(workspace: JobWorkspace, script: string, extra: Partial<StepCommand> = {}) {
  const lines: string[] = [];
  const outcome = await executor.runStep(workspace, { env: {}, shell: 'sh', script, ...extra }, { onLine: (stream, line) => lines.push(`${stream} ${line}`) }, new AbortController().signal);
  return { exitCode: outcome.exitCode, lines };
}

test('a file a step wrote in the pod is in the runner\'s workspace after pullWorkspace', async () => {
  await withJob(async (workspace) => {
    assert.equal((await step(workspace, 'mkdir -p dist && echo "built in the pod" > dist/app.txt && chmod 755 dist/app.txt')).exitCode, 0);
    assert.equal(existsSync(join(workspace.dir, 'dist/app.txt')), false);
    const pulled = await executor.pullWorkspace(workspace, new AbortController().signal);
    assert.deepEqual(pulled?.warnings, []);
    assert.equal(readFileSync(join(workspace.dir, 'dist/app.txt'), 'utf8'), 'built in the pod\n');
    assert.equal(readFileSync(join(workspace.dir, 'checkout.txt'), 'utf8'), 'from the runner\n');
  });
});

test('a file restored into the runner\'s workspace after prepareJob is seen by the steps after pushWorkspace', async () => {
  await withJob(async (workspace) => {
    mkdirSync(join(workspace.dir, 'out'));
    writeFileSync(join(workspace.dir, 'out/result.txt'), 'artifact of a needed job\n');
    await executor.pushWorkspace(workspace, new AbortController().signal);
    const { exitCode, lines } = await step(workspace, 'cat out/result.txt checkout.txt');
    assert.equal(exitCode, 0);
    assert.deepEqual(lines, ['stdout artifact of a needed job', 'stdout from the runner']);
    // The bundle went on the exec's stdin: the URL the API server logs holds only the command and its length.
    const push = fake.execs.find((exec) => exec.command.includes('deploylite-push'));
    assert.ok(push !== undefined && !push.command.join(' ').includes('artifact of a needed job'));
  });
});

test('a link a step made to a path outside the workspace does not come back; the pull says so', async () => {
  await withJob(async (workspace) => {
    const made = await step(workspace, 'ln -s /etc/passwd passwd && echo kept > kept.txt');
    assert.equal(made.exitCode, 0, made.lines.join('\n'));
    const pulled = await executor.pullWorkspace(workspace, new AbortController().signal);
    assert.deepEqual(pulled?.warnings, ['the pod\'s symbolic link "passwd" -> "/etc/passwd" leads out of the workspace; not brought back']);
    assert.equal(existsSync(join(workspace.dir, 'passwd')), false);
    assert.equal(readFileSync(join(workspace.dir, 'kept.txt'), 'utf8'), 'kept\n');
  });
});

test('pullWorkspace before any step ran leaves the workspace as it is', async () => {
  await withJob(async (workspace) => {
    const execs = fake.execs.length;
    assert.equal(await executor.pullWorkspace(workspace, new AbortController().signal), undefined);
    assert.equal(fake.execs.length, execs);
  });
});
