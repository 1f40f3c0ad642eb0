import assert from 'node:assert/strict';
import { test } from 'node:test';
import { artifactKey, parseRefKey, sbomKey, signatureKey } from '../../../src/artifacts/index.js';

const v12 = { project: 'project1', pipeline: 'app', version: 'v1.2' };

test('keys follow handbook 5.8: artifacts/, sbom/ and signatures/ by project, pipeline and version', () => {
  assert.equal(artifactKey(v12, 'app.tar.gz'), 'artifacts/project1/app/v1.2/app.tar.gz');
  assert.equal(sbomKey(v12), 'sbom/project1/app/v1.2/sbom.json');
  assert.equal(signatureKey(v12), 'signatures/project1/app/v1.2.sig');
  assert.equal(signatureKey(v12, 'sbom'), 'signatures/project1/app/v1.2.sbom.sig');
});

test('a name that could leave its folder is refused with the field it came from', () => {
  for (const [field, coordinates, file] of [
    ['version', { ...v12, version: '..' }, 'a'],
    ['project', { ...v12, project: 'a/b' }, 'a'],
    ['pipeline', { ...v12, pipeline: '.hidden' }, 'a'],
    ['file name', v12, '../../etc/passwd'],
    ['file name', v12, ''],
  ] as const) {
    assert.throws(() => artifactKey(coordinates, file), (error: Error & { field?: string }) => error.field === field && /cannot be part of a storage path/.test(error.message));
  }
});

test('a key from outside is checked before it becomes a path', () => {
  assert.equal(parseRefKey('sbom/p/app/v1/sbom.json'), 'sbom/p/app/v1/sbom.json');
  for (const bad of ['sbom/../x', '/sbom/p', 'other/p/x', 'sbom', 'sbom//x']) assert.throws(() => parseRefKey(bad), /not a storage key/);
});
