// Artifact retention through the real server, runner and deployctl: a dry run reports, the real
// cleanup (through the API) deletes what it reported, and the storage gauge falls by as much.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoStackTrace, workdir } from '../support/cli.js';
import { deployctl } from '../support/deployctl-cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startRunner, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
let runner: RunnerProcess;
before(async () => {
  server = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_ARTIFACTS_KEEP_VERSIONS: '1' } });
  runner = await startRunner(server, { name: 'retention' });
});
after(async () => {
  await runner.stop();
  await server.stop();
});

const PIPELINE = `jobs:
  build:
    artifacts: { paths: [dist] }
    steps:
      - run: mkdir dist && head -c 200000 /dev/urandom > dist/app.bin
  check:
    needs: build
    steps:
      - run: test -s dist/app.bin
`;

interface CleanupReport {
  deleted: { project: string; runId: number; name: string; bytes: number; reason: string; lastUsedAt: number }[];
  freedBytes: number;
  keptArtifacts: number;
}

async function storageBytes(project: string): Promise<number> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  execFileSync('promtool', ['check', 'metrics'], { input: metrics });
  const sample = new RegExp(`^deploylite_artifact_storage_bytes\\{project="${project}"\\} (\\d+)$`, 'm').exec(metrics);
  assert.ok(sample, `no storage sample for ${project} in:\n${metrics}`);
  return Number(sample[1]);
}

test('a dry run reports the older version and deletes nothing; the real cleanup deletes it and the gauge falls', async () => {
  await server.api('POST', '/api/v1/projects', { name: 'shop', repository: gitRepo({ '.deploylite.yml': PIPELINE }).path }, 201);
  const runs: number[] = [];
  for (let i = 0; i < 2; i++) {
    const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/shop/runs', {}, 201);
    assert.equal((await waitForRun(server, id, isFinal, 60_000)).status, 'success');
    runs.push(id);
  }
  const [older, newer] = runs as [number, number];
  const before = await storageBytes('shop');
  assert.ok(before > 400_000, `two 200 KB artifacts with SBOMs and signatures, got ${before}`);

  const env = { DEPLOYLITE_SERVER: server.url, DEPLOYLITE_TOKEN: server.token };
  const dry = await deployctl(['artifacts', 'cleanup', '--dry-run'], { config: join(workdir(), 'deployctl.json'), env });
  assert.equal(dry.code, 0, dry.stderr);
  assertNoStackTrace(dry);
  assert.match(dry.stdout, /^Dry run, nothing deleted\. Policy: keep 1 versions per pipeline/m);
  assert.match(dry.stdout, new RegExp(`^shop\\s+\\S+\\s+${older}\\s+build\\s+\\d+\\.\\d KiB\\s+older than the versions kept\\s`, 'm'));
  assert.doesNotMatch(dry.stdout, new RegExp(`^shop\\s+\\S+\\s+${newer}\\s`, 'm'), 'the newest version stays');
  assert.match(dry.stdout, /^Would free: \d+\.\d KiB in 1 artifacts\.$/m);
  assert.equal(await storageBytes('shop'), before, 'a dry run deletes nothing');

  const [olderArtifact] = (await server.api<{ artifacts: { createdAt: number }[] }>('GET', `/api/v1/runs/${older}/artifacts`)).artifacts;
  assert.ok(olderArtifact, 'the dry run left the older artifact');
  const report = await server.api<CleanupReport>('POST', '/api/v1/admin/artifacts/cleanup', { dryRun: false }, 200);
  assert.deepEqual(report.deleted.map((d) => [d.project, d.runId, d.name, d.reason]), [['shop', older, 'build', 'older-version']]);
  assert.ok(report.deleted[0]!.lastUsedAt > olderArtifact.createdAt, "the check job's restore counted as a use");
  assert.equal(report.keptArtifacts, 1);
  assert.deepEqual((await server.api<{ artifacts: unknown[] }>('GET', `/api/v1/runs/${older}/artifacts`)).artifacts, []);
  assert.equal((await server.api<{ artifacts: unknown[] }>('GET', `/api/v1/runs/${newer}/artifacts`)).artifacts.length, 1);
  assert.equal(await storageBytes('shop'), before - report.freedBytes);
});
