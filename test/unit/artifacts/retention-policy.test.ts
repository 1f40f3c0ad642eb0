import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RetainedArtifact, RetentionPolicy } from '../../../src/artifacts/index.js';
import { planRetention } from '../../../src/artifacts/index.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 30);
const policy: RetentionPolicy = { keepVersions: 3, maxIdleMs: 30 * DAY };

let nextId = 1;
function artifact(fields: Partial<RetainedArtifact> & { runId: number }): RetainedArtifact {
  return { id: nextId++, project: 'shop', pipeline: 'ci', name: 'dist', sizeBytes: 100, createdAt: NOW - DAY, lastUsedAt: NOW - DAY, inUse: false, ...fields };
}

function deleted(artifacts: readonly RetainedArtifact[], withPolicy: RetentionPolicy = policy) {
  return planRetention(artifacts, withPolicy, NOW)
    .delete.map(({ artifact: a, reason }) => `${a.project}/${a.pipeline} run ${a.runId} ${a.name}: ${reason}`)
    .sort();
}

test('the newest N versions of each pipeline are kept and older ones deleted, counted per pipeline', () => {
  const artifacts = [1, 2, 3, 4, 5].flatMap((runId) => [artifact({ runId }), artifact({ runId, name: 'sbom-extra' })]);
  artifacts.push(artifact({ runId: 1, pipeline: 'nightly' }));
  assert.deepEqual(deleted(artifacts), [
    'shop/ci run 1 dist: older-version',
    'shop/ci run 1 sbom-extra: older-version',
    'shop/ci run 2 dist: older-version',
    'shop/ci run 2 sbom-extra: older-version',
  ]);
});

test('an artifact unused for longer than the idle limit is deleted; a download resets its clock', () => {
  const artifacts = [
    artifact({ runId: 1, createdAt: NOW - 40 * DAY, lastUsedAt: NOW - 31 * DAY }),
    artifact({ runId: 2, createdAt: NOW - 40 * DAY, lastUsedAt: NOW - 2 * DAY }),
    artifact({ runId: 3 }),
  ];
  assert.deepEqual(deleted(artifacts), ['shop/ci run 1 dist: idle']);
});

test("an artifact past its own expire-in is deleted even when recently used", () => {
  const artifacts = [artifact({ runId: 1, expiresAt: NOW - 1, lastUsedAt: NOW }), artifact({ runId: 2, expiresAt: NOW + DAY })];
  assert.deepEqual(deleted(artifacts), ['shop/ci run 1 dist: expired']);
});

test('what a live deployment uses and the newest version of each pipeline are never deleted', () => {
  const artifacts = [
    artifact({ runId: 1, inUse: true, lastUsedAt: NOW - 90 * DAY }),
    artifact({ runId: 2, lastUsedAt: NOW - 90 * DAY }),
    artifact({ runId: 9, lastUsedAt: NOW - 90 * DAY, expiresAt: NOW - DAY }),
  ];
  assert.deepEqual(deleted(artifacts, { keepVersions: 1, maxIdleMs: DAY }), ['shop/ci run 2 dist: older-version']);
});

test('above the size cap the least recently used go first, and what is protected stays even over the cap', () => {
  const artifacts = [
    artifact({ runId: 1, sizeBytes: 500, lastUsedAt: NOW - 3 * DAY, inUse: true }),
    artifact({ runId: 2, sizeBytes: 300, lastUsedAt: NOW - 5 * DAY }),
    artifact({ runId: 3, sizeBytes: 300, lastUsedAt: NOW - 1 * DAY }),
    artifact({ runId: 4, sizeBytes: 300, lastUsedAt: NOW - 4 * DAY }),
    artifact({ runId: 5, sizeBytes: 400, lastUsedAt: NOW - 9 * DAY }),
  ];
  const roomy = { keepVersions: 10, maxIdleMs: 30 * DAY, maxTotalBytes: 1400 };
  assert.deepEqual(deleted(artifacts, roomy), ['shop/ci run 2 dist: over-size-cap', 'shop/ci run 4 dist: over-size-cap']);
  const tight = planRetention(artifacts, { ...roomy, maxTotalBytes: 600 }, NOW);
  assert.deepEqual(tight.delete.map((d) => d.artifact.runId).sort(), [2, 3, 4]);
  // Runs 1 (in use) and 5 (newest) remain: 900 bytes, 300 above a cap nothing more may be deleted for.
  assert.equal(tight.keptBytes, 900);
  assert.equal(tight.overCapBytes, 300);
});

test('nothing to do leaves everything and reports the bytes kept', () => {
  const plan = planRetention([artifact({ runId: 1 }), artifact({ runId: 2 })], policy, NOW);
  assert.deepEqual(plan.delete, []);
  assert.equal(plan.keptBytes, 200);
  assert.equal(plan.overCapBytes, 0);
});
