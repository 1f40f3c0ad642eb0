import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { MAX_STORAGE_PROJECT_SERIES, ServerMetrics } from '../../../src/server/metrics.js';

function metricsWith(usage: () => { projectName: string; bytes: number }[]) {
  return new ServerMetrics({ queueDepth: async () => 0, runnersOnline: async () => 0, jobsRunning: async () => 0, artifactStorageBytes: async () => usage() });
}

const samples = (text: string) => [...text.matchAll(/^deploylite_artifact_storage_bytes\{project="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);

test('the storage gauge has a series per project up to its bound; the smaller rest are summed as _other', async () => {
  const usage = Array.from({ length: MAX_STORAGE_PROJECT_SERIES + 2 }, (_, i) => ({ projectName: `p${i}`, bytes: 1000 + i }));
  const text = await metricsWith(() => usage).render();
  const series = samples(text);
  assert.equal(series.length, MAX_STORAGE_PROJECT_SERIES + 1);
  assert.deepEqual(series.find(([project]) => project === '_other'), ['_other', 1000 + 1001], 'the two smallest projects');
  assert.ok(!series.some(([project]) => project === 'p0' || project === 'p1'));
  execFileSync('promtool', ['check', 'metrics'], { input: text });
});

test("a project whose artifacts are all deleted loses its series instead of keeping the last value", async () => {
  let usage = [{ projectName: 'shop', bytes: 500 }, { projectName: 'blog', bytes: 20 }];
  const metrics = metricsWith(() => usage);
  assert.deepEqual(samples(await metrics.render()), [['shop', 500], ['blog', 20]]);
  usage = [{ projectName: 'shop', bytes: 300 }];
  assert.deepEqual(samples(await metrics.render()), [['shop', 300]]);
});
