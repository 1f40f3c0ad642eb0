// Steps that try to get out of the sandbox executor, run with a real bwrap. Each escape has a control that shows
// the same step does the forbidden thing when the sandbox is not in the way, so no test passes by accident.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SandboxExecutorOptions } from '../../../src/executors/index.js';
import { LocalExecutor, SandboxExecutor } from '../../../src/executors/index.js';
import { withJob } from './executor-suite.js';

let runnerRoot: string;
let workRoot: string;
let home: string;

before(async () => {
  runnerRoot = await realpath(await mkdtemp(join(tmpdir(), 'sandbox-escape-')));
  // What a runner keeps beside its jobs: its state file with its token, another job's workspace, a home directory.
  workRoot = join(runnerRoot, 'work');
  home = join(runnerRoot, 'home');
  await mkdir(join(workRoot, 'r7-other-job'), { recursive: true });
  await writeFile(join(workRoot, 'runner.json'), '{"token":"runner-token-value"}');
  await writeFile(join(workRoot, 'r7-other-job', 'source.txt'), 'other job');
  await mkdir(join(home, '.ssh'), { recursive: true });
  await writeFile(join(home, '.ssh', 'id_ed25519'), 'private key');
});

after(() => rm(runnerRoot, { recursive: true, force: true }));

const sandbox = (options: Partial<SandboxExecutorOptions> = {}) => () =>
  new SandboxExecutor({ bwrap: '/usr/bin/bwrap', killGraceMs: 500, hiddenPaths: [workRoot, home], ...options });
const local = () => new LocalExecutor({ killGraceMs: 500 });

test('a step can write its workspace but not /etc, the work root or $HOME', async () => {
  const script = ['ws-file', '/etc/escaped', `${workRoot}/escaped`, `${home}/escaped`].map((file) => `touch "${file}" 2>/dev/null && echo wrote || echo denied`).join('\n');
  await withJob(sandbox(), async ({ run, dir }) => {
    const step = await run(script, { shell: 'sh' });
    assert.deepEqual(step.stdout, ['wrote', 'denied', 'denied', 'denied']);
    assert.ok(existsSync(join(dir, 'ws-file')));
  });
  assert.equal(existsSync('/etc/escaped'), false);
  assert.deepEqual(readdirSync(workRoot).sort(), ['r7-other-job', 'runner.json']);
  assert.deepEqual(readdirSync(home), ['.ssh']);
});

test("the runner's state file, other jobs' workspaces and $HOME are hidden; the local executor shows them", async () => {
  const script = `cat "${workRoot}/runner.json" "${workRoot}/r7-other-job/source.txt" "${home}/.ssh/id_ed25519"; ls -A "${workRoot}" "${home}"`;
  const inSandbox = await withJob(sandbox(), ({ run }) => run(script, { shell: 'sh' }));
  assert.equal(inSandbox.stdout.join('\n').includes('runner-token-value'), false);
  assert.equal(inSandbox.stdout.join('\n').includes('private key'), false);
  assert.equal(inSandbox.stdout.join('\n').includes('other job'), false);
  const onHost = await withJob(local, ({ run }) => run(script, { shell: 'sh' }));
  assert.match(onHost.stdout.join('\n'), /runner-token-value[^]*other job[^]*private key/);
});

test("the runner's environment is not the step's, nor readable through /proc", async () => {
  process.env.DEPLOYLITE_TEST_RUNNER_SECRET = 'runner-secret-value';
  try {
    const script = 'env; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"; ps -eo pid,args 2>/dev/null || true';
    const inSandbox = await withJob(sandbox(), ({ run }) => run(script, { shell: 'sh', env: { STEP_VAR: 'mine' } }));
    const seen = inSandbox.stdout.join('\n');
    assert.equal(seen.includes('runner-secret-value'), false);
    assert.match(seen, /STEP_VAR=mine/);
    const onHost = await withJob(() => new LocalExecutor({ killGraceMs: 500 }), ({ run }) => run('env', { shell: 'sh' }));
    assert.match(onHost.stdout.join('\n'), /runner-secret-value/);
  } finally {
    delete process.env.DEPLOYLITE_TEST_RUNNER_SECRET;
  }
});

test('with network none a step cannot reach a server on the loopback; without it, it can', async () => {
  const connections: number[] = [];
  const server = createServer((socket) => {
    connections.push(1);
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const script = `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`;
  try {
    const cut = await withJob(sandbox({ network: 'none' }), ({ run }) => run(script, { shell: 'bash' }));
    assert.notEqual(cut.outcome.exitCode, 0);
    assert.deepEqual([cut.stdout, connections.length], [[], 0]);
    const open = await withJob(sandbox(), ({ run }) => run(script, { shell: 'bash' }));
    assert.deepEqual([open.outcome.exitCode, open.stdout], [0, ['connected']]);
  } finally {
    server.close();
  }
});

test("a job's own network: none cuts the network even on a runner that allows it", async () => {
  const executor = sandbox()();
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'sandbox-net-')));
  const workspace = await executor.prepareJob({ runId: 1, jobKey: 'offline', jobId: 'offline', workspaceDir: dir, network: 'none' });
  try {
    const lines: string[] = [];
    await executor.runStep(workspace, { script: 'ls /proc/net/dev >/dev/null; cat /proc/net/dev', env: {} }, { onLine: (_s, line) => lines.push(line) }, new AbortController().signal);
    const interfaces = lines.slice(2).map((line) => line.trim().split(':')[0]);
    assert.deepEqual(interfaces, ['lo']);
  } finally {
    await executor.cleanupJob(workspace);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a fork bomb hits the process limit and ends with its timeout; the runner and the next step carry on', async () => {
  await withJob(sandbox({ limits: { pids: 64 } }), async ({ run }) => {
    const bomb = await run('bomb() { bomb | bomb & }; bomb; sleep 30', { shell: 'bash', timeoutMs: 2000 });
    assert.equal(bomb.outcome.timedOut, true);
    const forks = await run('i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done', { shell: 'sh', timeoutMs: 20_000 });
    assert.notEqual(forks.outcome.exitCode, 0);
    assert.match(forks.stderr.join('\n'), /fork/i);
    assert.deepEqual((await run('echo still here')).stdout, ['still here']);
  });
});

test('a memory hog is stopped by the memory limit; the runner and the next step carry on', async () => {
  await withJob(sandbox({ limits: { memoryBytes: 128 * 1024 ** 2 } }), async ({ run }) => {
    // tail keeps the whole unterminated last "line" in memory, 1 GiB of it, and would print it all if it could.
    const hog = await run('head -c 1073741824 /dev/zero | tail -n 1 | wc -c', { shell: 'sh', timeoutMs: 60_000 });
    assert.equal(hog.outcome.timedOut, false);
    assert.deepEqual(hog.stdout, ['0']);
    assert.deepEqual((await run('echo still here')).stdout, ['still here']);
  });
});

test('without a cgroup, the address-space limit stops a memory hog', async () => {
  await withJob(sandbox({ cgroups: false, limits: { memoryBytes: 128 * 1024 ** 2 } }), async ({ run }) => {
    const hog = await run('head -c 1073741824 /dev/zero | tail -n 1 | wc -c', { shell: 'sh', timeoutMs: 60_000 });
    assert.deepEqual(hog.stdout, ['0']);
    assert.match(hog.stderr.join('\n'), /memory/i);
  });
});

test("a job's cgroup is removed when the job is cleaned up", async () => {
  const own = () => readdirSync('/sys/fs/cgroup/pids').filter((name) => name.startsWith(`deploylite-${process.pid}-`));
  await withJob(sandbox(), async ({ run }) => {
    assert.equal(own().length, 1);
    assert.deepEqual((await run('echo ok')).stdout, ['ok']);
  });
  assert.deepEqual(own(), []);
});

test('a busy loop is stopped by the CPU-time limit', async () => {
  await withJob(sandbox({ limits: { cpuSeconds: 1 } }), async ({ run }) => {
    const started = Date.now();
    const busy = await run('while :; do :; done', { shell: 'sh', timeoutMs: 60_000 });
    assert.equal(busy.outcome.timedOut, false);
    assert.notEqual(busy.outcome.exitCode, 0);
    assert.ok(Date.now() - started < 30_000);
  });
});

test('on timeout a step gets SIGTERM and its grace period inside the sandbox', async () => {
  await withJob(sandbox(), async ({ run }) => {
    const step = await run("trap 'echo got TERM; exit 3' TERM; sleep 30 & wait", { shell: 'sh', timeoutMs: 500 });
    assert.equal(step.outcome.timedOut, true);
    assert.deepEqual(step.stdout, ['got TERM']);
  });
});

test('a step that ignores SIGTERM is killed after the grace period, with everything it started', async () => {
  await withJob(sandbox(), async ({ run, dir }) => {
    const started = Date.now();
    const step = await run(`trap '' TERM; (sleep 3; touch "${dir}/survived") & sleep 30`, { shell: 'sh', timeoutMs: 300 });
    assert.equal(step.outcome.timedOut, true);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.equal(existsSync(join(dir, 'survived')), false);
  });
});

test("a step's private /tmp is gone with the step and never the host's", async () => {
  const marker = join('/tmp', `sandbox-escape-${process.pid}`);
  await withJob(sandbox(), async ({ run }) => {
    assert.deepEqual((await run(`echo x > ${marker}; cat ${marker}`, { shell: 'sh' })).stdout, ['x']);
    assert.equal(existsSync(marker), false);
    assert.deepEqual((await run(`cat ${marker} 2>/dev/null || echo gone`, { shell: 'sh' })).stdout, ['gone']);
  });
  assert.equal(await readFile(marker, 'utf8').catch(() => 'absent'), 'absent');
});

test('a runner killed with SIGKILL mid-step leaves no process of the step behind', async () => {
  // The step's processes are found by their command line: sleeps of an unusual length.
  const marker = `sleep ${500_000 + (process.pid % 100_000)}`;
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'sandbox-kill-')));
  const script = `
    import { SandboxExecutor } from ${JSON.stringify(new URL('../../../src/executors/index.ts', import.meta.url).pathname)};
    const executor = new SandboxExecutor({ bwrap: '/usr/bin/bwrap' });
    const workspace = await executor.prepareJob({ runId: 1, jobKey: 'k', jobId: 'k', workspaceDir: ${JSON.stringify(dir)} });
    await executor.runStep(workspace, { script: '${marker} & ${marker}', env: {} }, { onLine: (_s, line) => console.log(line), onStart: () => console.log('started') }, new AbortController().signal);
  `;
  const runner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => runner.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()));
  const stepProcesses = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((line) => line.trim() === marker);
  await waitUntil(() => stepProcesses().length > 0);
  runner.kill('SIGKILL');
  await waitUntil(() => stepProcesses().length === 0);
  await rm(dir, { recursive: true, force: true });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("a symlink planted in the scratch directory does not make the runner write or read the runner's files", async () => {
  const target = join(home, 'profile');
  await writeFile(target, 'original');
  await withJob(sandbox(), async ({ run }) => {
    // The next step's script name, and this step's command files, pointed at files the sandbox hides.
    const plant = await run(
      `d=$(dirname "$DEPLOYLITE_OUTPUT"); ln -s "${target}" "$d/step-2.sh"; ln -sf "${workRoot}/runner.json" "$DEPLOYLITE_OUTPUT"; mkfifo "$DEPLOYLITE_ENV"`,
      { shell: 'sh' },
    );
    assert.deepEqual(plant.outcome.outputs, {});
    assert.deepEqual(plant.outcome.warnings, ['$DEPLOYLITE_OUTPUT could not be read (a symbolic link)', '$DEPLOYLITE_ENV could not be read (not a regular file)']);
    assert.deepEqual((await run('echo step two')).stdout, ['step two']);
  });
  assert.equal(await readFile(target, 'utf8'), 'original');
});

test('a unix socket under /run (where container engines listen) cannot be reached, though mounts are read-only', async () => {
  const socketPath = `/run/deploylite-escape-${process.pid}.sock`;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const script = `python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('${socketPath}'); print('connected')"`;
  try {
    const inSandbox = await withJob(sandbox(), ({ run }) => run(script, { shell: 'sh' }));
    assert.deepEqual([inSandbox.stdout, connections], [[], 0]);
    const onHost = await withJob(local, ({ run }) => run(script, { shell: 'sh' }));
    assert.deepEqual([onHost.stdout, connections], [['connected'], 1]);
  } finally {
    server.close();
  }
});
