import assert from 'node:assert/strict';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import * as Validation from '@cyclonedx/cyclonedx-library/Validation';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CliResult } from '../support/cli.js';
import { assertNoStackTrace, REPO_ROOT, workdir } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
let runner: RunnerProcess;
let home: string;
before(async () => {
  server = await startServer({ args: ['--no-runner'] });
  runner = await startRunner(server, { name: 'artifacts' });
  home = workdir();
  const login = await deployctl(['login', '--server', server.url, '--token', server.token]);
  assert.equal(login.code, 0, login.stderr);
});
after(async () => {
  await runner.stop();
  await server.stop();
});

function deployctl(args: readonly string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1' };
  for (const name of ['NODE_TEST_CONTEXT', 'DEPLOYLITE_SERVER', 'DEPLOYLITE_TOKEN', 'XDG_CONFIG_HOME']) delete env[name];
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function runProject(name: string, pipeline: string) {
  const repo = gitRepo({ '.deploylite.yml': pipeline });
  await server.api('POST', '/api/v1/projects', { name, repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', `/api/v1/projects/${name}/runs`, {}, 201);
  return waitForRun(server, id, isFinal, 60_000);
}

const BUILD_AND_TEST = `jobs:
  build:
    artifacts: { paths: [dist], expire-in: 1 week }
    steps:
      - run: mkdir -p dist/js && echo "bundle v1" > dist/js/app.js && echo "<html>" > dist/index.html && chmod 755 dist/index.html
  test:
    needs: build
    steps:
      - run: cat dist/js/app.js && test -x dist/index.html
  report:
    needs: test
    artifacts: { name: failure-report, paths: report.txt, when: on_failure }
    steps:
      - run: echo "all good" > report.txt
`;

test('a job needs the artifact of another: it is restored into its workspace; deployctl lists, downloads and verifies it', async () => {
  const run = await runProject('app', BUILD_AND_TEST);
  assert.equal(run.status, 'success', JSON.stringify(run));
  const testLog = (await jobLog(server, run.id, 'test')).map((line) => line.text);
  assert.ok(testLog.includes('bundle v1'), testLog.join('\n'));
  assert.ok(testLog.some((text) => /restored artifact "build" of build: 2 files/.test(text)), testLog.join('\n'));

  const list = await deployctl(['artifacts', 'list', String(run.id)]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+JOB\s+FILES\s+SIZE\s+DIGEST\s+EXPIRES\nbuild\s+build\s+2\s+[\d.]+ KiB\s+sha256:[0-9a-f]{64}\s+\S/m);
  assert.doesNotMatch(list.stdout, /failure-report/, 'on_failure artifacts of a successful job are not kept');
  assert.deepEqual(readdirSync(join(server.dataDir, 'artifact-uploads')), [], 'committed uploads leave no staging file');

  const target = join(workdir(), 'out');
  const download = await deployctl(['artifacts', 'download', String(run.id), 'build', '--to', target]);
  assert.equal(download.code, 0, download.stderr);
  assert.equal(readFileSync(join(target, 'dist/js/app.js'), 'utf8'), 'bundle v1\n');

  const verify = await deployctl(['artifacts', 'verify', String(run.id), 'build']);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /^Verified OK: artifact build of run \d+ \(sha256:[0-9a-f]{64}\) and its SBOM \(sha256:[0-9a-f]{64}\) are signed by project app's key/);

  // The SBOM stored beside it is CycloneDX 1.5 JSON as its schema defines it, listing the files with their hashes.
  const sbom = await fetch(`${server.url}/api/v1/runs/${run.id}/artifacts/build/sbom`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(sbom.status, 200);
  const sbomText = await sbom.text();
  assert.equal(await new Validation.JsonStrictValidator(Spec.Version.v1dot5).validate(sbomText), null);
  const components = (JSON.parse(sbomText) as { components: { name: string; hashes?: { alg: string }[] }[] }).components;
  assert.deepEqual(components.map((c) => c.name).sort(), ['dist/index.html', 'dist/js/app.js']);
  assert.ok(components.every((c) => c.hashes?.some((h) => h.alg === 'SHA-256')), sbomText);
});

test('the saved archive verifies with OpenSSL against the project key, as cosign verify-blob would', async () => {
  const run = await runProject('signed', BUILD_AND_TEST);
  const dir = workdir();
  const saved = await deployctl(['artifacts', 'download', String(run.id), 'build', '--archive', join(dir, 'build.tar')]);
  assert.equal(saved.code, 0, saved.stderr);
  const key = await fetch(`${server.url}/api/v1/projects/signed/signing-key`, { headers: { authorization: `Bearer ${server.token}` } });
  writeFileSync(join(dir, 'project.pub'), await key.text());
  writeFileSync(join(dir, 'build.sig.der'), Buffer.from(readFileSync(join(dir, 'build.tar.sig'), 'utf8'), 'base64'));
  const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', 'project.pub', '-signature', 'build.sig.der', 'build.tar'], { cwd: dir, encoding: 'utf8' });
  assert.equal(out.trim(), 'Verified OK');
});

test('when: on_failure keeps the files of a failed job, and only then', async () => {
  const run = await runProject('failing', `jobs:
  check:
    artifacts: { name: logs, paths: "*.log", when: on_failure }
    steps:
      - run: echo "boom" > check.log && exit 4
`);
  assert.equal(run.status, 'failed');
  const { artifacts } = await server.api<{ artifacts: { name: string; job: string; files: number }[] }>('GET', `/api/v1/runs/${run.id}/artifacts`);
  assert.deepEqual(artifacts.map((a) => [a.name, a.job, a.files]), [['logs', 'check', 1]]);
});

test('a job that tries to carry a file from outside its workspace fails with a clear error, and stores nothing', async () => {
  const run = await runProject('slip', `jobs:
  sneaky:
    artifacts: { paths: [out] }
    steps:
      - run: mkdir out && ln -s /etc/passwd out/passwd
`);
  assert.equal(run.status, 'failed');
  const job = run.jobs.find((j) => j.key === 'sneaky');
  assert.match(job?.error ?? '', /could not save the job's files: refusing to pack the symbolic link "out\/passwd" points to the absolute path "\/etc\/passwd"/);
  const { artifacts } = await server.api<{ artifacts: unknown[] }>('GET', `/api/v1/runs/${run.id}/artifacts`);
  assert.deepEqual(artifacts, []);
});

test('a corrupted blob is refused at download with a clear error, never served', async () => {
  const run = await runProject('rot', BUILD_AND_TEST);
  const { artifacts } = await server.api<{ artifacts: { name: string; digest: string }[] }>('GET', `/api/v1/runs/${run.id}/artifacts`);
  const hex = artifacts[0]?.digest.slice('sha256:'.length) ?? '';
  const blob = join(server.dataDir, 'blobs', 'blobs', 'sha256', hex.slice(0, 2), hex);
  chmodSync(blob, 0o600);
  const bytes = readFileSync(blob);
  const at = bytes.length - 1000;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(blob, bytes);
  const download = await deployctl(['artifacts', 'download', String(run.id), 'build', '--to', join(workdir(), 'rot')]);
  assert.equal(download.code, 1);
  assert.match(download.stderr, /artifact "build" of run \d+ is corrupted in the blob store/);
  assertNoStackTrace(download);
});
