// The behaviour every RefStore must have (src/artifacts/blob-store/ref-store.ts), run against each backend.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { artifactKey, sbomKey, signatureKey, type BlobDigest, type RefStore } from '../../../src/artifacts/index.js';
import { InvalidRequestError } from '../../../src/core/index.js';
import { sha256Of } from './blob-store-suite.js';

const v12 = { project: 'project1', pipeline: 'app', version: 'v1.2' };
const one = sha256Of(Buffer.from('one'));
const two = sha256Of(Buffer.from('two'));

export function describeRefStoreConformance(name: string, makeStore: () => Promise<{ refs: RefStore; dispose(): Promise<void> }>): void {
  const withRefs = async (body: (refs: RefStore) => Promise<void>) => {
    const { refs, dispose } = await makeStore();
    try {
      await body(refs);
    } finally {
      await dispose();
    }
  };

  describe(`RefStore conformance: ${name}`, () => {
    test('a key set to a digest resolves to it, and setting it again replaces it', () =>
      withRefs(async (refs) => {
        await refs.set(artifactKey(v12, 'app.tar.gz'), one);
        assert.equal(await refs.resolve(artifactKey(v12, 'app.tar.gz')), one);
        await refs.set(artifactKey(v12, 'app.tar.gz'), two);
        assert.equal(await refs.resolve(artifactKey(v12, 'app.tar.gz')), two);
      }));

    test('an unknown key resolves to undefined, and delete says whether it removed one', () =>
      withRefs(async (refs) => {
        assert.equal(await refs.resolve(sbomKey(v12)), undefined);
        await refs.set(sbomKey(v12), one);
        assert.deepEqual([await refs.delete(sbomKey(v12)), await refs.delete(sbomKey(v12))], [true, false]);
        assert.equal(await refs.resolve(sbomKey(v12)), undefined);
      }));

    test('list gives the references under a prefix, several keys may name one blob', () =>
      withRefs(async (refs) => {
        await refs.set(artifactKey(v12, 'app.tar.gz'), one);
        await refs.set(artifactKey({ ...v12, version: 'v1.3' }, 'app.tar.gz'), one);
        await refs.set(sbomKey(v12), two);
        await refs.set(signatureKey(v12), two);
        const listed = async (prefix?: string) => {
          const found: string[] = [];
          for await (const ref of refs.list(prefix)) found.push(`${ref.key} ${ref.digest === one ? 'one' : 'two'}`);
          return found.sort();
        };
        assert.deepEqual(await listed('artifacts/project1/'), ['artifacts/project1/app/v1.2/app.tar.gz one', 'artifacts/project1/app/v1.3/app.tar.gz one']);
        assert.deepEqual((await listed()).length, 4);
      }));

    test('keys that could leave their folder or digests that are not digests are refused', () =>
      withRefs(async (refs) => {
        await assert.rejects(refs.set('artifacts/../../etc/passwd', one), InvalidRequestError);
        await assert.rejects(refs.resolve('/etc/passwd'), InvalidRequestError);
        await assert.rejects(refs.set(sbomKey(v12), 'sha256:nope' as BlobDigest), InvalidRequestError);
      }));
  });
}
