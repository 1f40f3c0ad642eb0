import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import * as Validation from '@cyclonedx/cyclonedx-library/Validation';
import { buildArtifactSbom, sbomInputFromDirectory, sbomInputFromManifest, type BuildSbomOptions } from '../../../src/artifacts/index.js';
import { InvalidRequestError } from '../../../src/core/index.js';

const FIXTURE_LOCKFILE = new URL('../../fixtures/sbom/package-lock.json', import.meta.url);
const PROJECT_LOCKFILE = new URL('../../../package-lock.json', import.meta.url);
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const OPTIONS: BuildSbomOptions = {
  subject: { name: 'web-app', version: 'v1.2', sha256: 'ab'.repeat(32) },
  toolVersion: '0.1.0',
  clock: { now: () => NOW },
};

interface CdxComponent {
  type: string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  'bom-ref': string;
  scope?: string;
  hashes?: { alg: string; content: string }[];
  properties?: { name: string; value: string }[];
}
interface CdxDocument {
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; tools: { components: CdxComponent[] }; component: CdxComponent };
  components: CdxComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

/** The CycloneDX 1.5 JSON schema, strictly (no properties the schema does not name). */
async function assertValidCycloneDx15(json: string): Promise<void> {
  const problems = await new Validation.JsonStrictValidator(Spec.Version.v1dot5).validate(json);
  assert.equal(problems, null, `not valid CycloneDX 1.5: ${JSON.stringify(problems)?.slice(0, 2000)}`);
}

async function withDirectory(files: Record<string, string>, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sbom-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function dependsOn(document: CdxDocument, ref: string): string[] {
  return [...(document.dependencies?.find((d) => d.ref === ref)?.dependsOn ?? [])].sort();
}

test('an artifact with an npm lockfile lists its packages with purls, integrity hashes and the dependency graph', async () => {
  const lockfile = await readFile(FIXTURE_LOCKFILE, 'utf8');
  // node_modules/.package-lock.json and lockfiles inside installed packages are not the project's lockfile.
  await withDirectory(
    { 'package-lock.json': lockfile, 'dist/app.js': 'console.log(1)', 'node_modules/.package-lock.json': '{}', 'node_modules/ms/package-lock.json': '{}' },
    async (dir) => {
      const sbom = await buildArtifactSbom(await sbomInputFromDirectory(dir), OPTIONS);
      await assertValidCycloneDx15(sbom.json);
      const document = JSON.parse(sbom.json) as CdxDocument;
      assert.equal(sbom.source, 'npm-lockfiles');
      assert.equal(document.specVersion, '1.5');
      assert.match(document.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
      assert.equal(document.metadata.timestamp, '2026-03-01T12:00:00.000Z');
      assert.deepEqual(document.metadata.tools.components.map((c) => [c.name, c.version]), [['deploylite', '0.1.0']]);
      assert.equal(document.metadata.component.name, 'web-app');
      assert.equal(document.metadata.component.version, 'v1.2');
      assert.deepEqual(document.metadata.component.hashes, [{ alg: 'SHA-256', content: 'ab'.repeat(32) }]);

      // Two copies of ms at different versions are two components; the nested one is what debug uses.
      assert.deepEqual(document.components.map((c) => c.purl).sort(), [
        'pkg:npm/%40types/ms@0.7.34',
        'pkg:npm/debug@2.6.9',
        'pkg:npm/is-number@7.0.0',
        'pkg:npm/ms@2.0.0',
        'pkg:npm/ms@2.1.3',
      ]);
      assert.equal(sbom.componentCount, 5);
      assert.deepEqual(dependsOn(document, 'pkg:npm/debug@2.6.9'), ['pkg:npm/ms@2.0.0']);
      assert.deepEqual(dependsOn(document, 'artifact'), ['pkg:npm/%40types/ms@0.7.34', 'pkg:npm/debug@2.6.9', 'pkg:npm/is-number@7.0.0', 'pkg:npm/ms@2.1.3']);

      const types = document.components.find((c) => c.purl === 'pkg:npm/%40types/ms@0.7.34')!;
      assert.deepEqual([types.group, types.name, types.version, types.scope], ['@types', 'ms', '0.7.34', 'optional']);
      const ms = document.components.find((c) => c.purl === 'pkg:npm/ms@2.1.3')!;
      const integrity = 'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==';
      assert.deepEqual(ms.hashes, [{ alg: 'SHA-512', content: Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex') }]);
      assert.equal(ms.properties, undefined);
      const isNumber = document.components.find((c) => c.purl === 'pkg:npm/is-number@7.0.0')!;
      assert.deepEqual(isNumber.properties, [{ name: 'cdx:npm:package:development', value: 'true' }]);
    },
  );
});

test("the project's own package-lock.json becomes a valid SBOM with one component per distinct name@version", async () => {
  const text = await readFile(PROJECT_LOCKFILE, 'utf8');
  const sbom = await buildArtifactSbom({ lockfiles: [{ path: 'package-lock.json', text }], files: [] }, OPTIONS);
  await assertValidCycloneDx15(sbom.json);
  // Counted independently of the code under test: installed, non-linked packages by name and version.
  const expected = new Set<string>();
  for (const [path, entry] of Object.entries((JSON.parse(text) as { packages: Record<string, { version?: string; name?: string; link?: boolean }> }).packages)) {
    if (!path.includes('node_modules/') || entry.link || !entry.version) continue;
    expected.add(`${entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`);
  }
  const document = JSON.parse(sbom.json) as CdxDocument;
  const listed = new Set(document.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
  assert.ok(expected.size > 100, `the project lockfile lists ${expected.size} packages`);
  assert.deepEqual(listed, expected);
  assert.ok(document.components.some((c) => c.purl === 'pkg:npm/%40cyclonedx/cyclonedx-library@' + c.version), 'the CycloneDX library lists itself');
});

test('an artifact without a lockfile lists each regular file with its SHA-256, and never follows symlinks', async () => {
  await withDirectory({ 'app.bin': 'binary', 'config/settings.yaml': 'a: 1\n', 'README.md': '# hi' }, async (dir) => {
    const outside = await mkdtemp(join(tmpdir(), 'sbom-outside-'));
    try {
      await writeFile(join(outside, 'secret.txt'), 'not part of the artifact');
      await symlink(join(outside, 'secret.txt'), join(dir, 'link.txt'));
      await symlink(outside, join(dir, 'linked-dir'));
      const sbom = await buildArtifactSbom(await sbomInputFromDirectory(dir), { ...OPTIONS, subject: { name: 'site', version: '7' } });
      await assertValidCycloneDx15(sbom.json);
      const document = JSON.parse(sbom.json) as CdxDocument;
      assert.equal(sbom.source, 'files');
      const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
      assert.deepEqual(
        document.components.map((c) => [c.type, c.name, c.hashes]).sort(),
        [
          ['file', 'README.md', [{ alg: 'SHA-256', content: sha256('# hi') }]],
          ['file', 'app.bin', [{ alg: 'SHA-256', content: sha256('binary') }]],
          ['file', 'config/settings.yaml', [{ alg: 'SHA-256', content: sha256('a: 1\n') }]],
        ].sort(),
      );
      assert.equal(document.metadata.component.hashes, undefined);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

test("an artifact's manifest is enough: only its lockfiles are read", async () => {
  const lockfile = await readFile(FIXTURE_LOCKFILE, 'utf8');
  const read: string[] = [];
  const readText = async (path: string) => {
    read.push(path);
    return lockfile;
  };
  const withLockfile = await sbomInputFromManifest(
    [
      { path: 'server/package-lock.json', sha256: '01'.repeat(32) },
      { path: 'server/index.js', sha256: '02'.repeat(32) },
    ],
    readText,
  );
  assert.deepEqual(read, ['server/package-lock.json']);
  assert.equal((await buildArtifactSbom(withLockfile, OPTIONS)).componentCount, 5);

  const filesOnly = await sbomInputFromManifest([{ path: 'b.txt', sha256: '02'.repeat(32) }, { path: 'a.txt', sha256: '01'.repeat(32) }], readText);
  const sbom = await buildArtifactSbom(filesOnly, OPTIONS);
  await assertValidCycloneDx15(sbom.json);
  assert.deepEqual((JSON.parse(sbom.json) as CdxDocument).components.map((c) => c.name), ['a.txt', 'b.txt']);
});

test('the schema check in these tests rejects a document that breaks CycloneDX 1.5', async () => {
  const sbom = await buildArtifactSbom({ lockfiles: [], files: [{ path: 'a.txt', sha256: '01'.repeat(32) }] }, OPTIONS);
  const document = JSON.parse(sbom.json) as CdxDocument;
  document.components[0]!.hashes![0]!.content = 'not-hex';
  await assert.rejects(assertValidCycloneDx15(JSON.stringify(document)), /not valid CycloneDX 1\.5/);
});

test('bad input is refused with a clear error naming the problem', async () => {
  const build = (lockfileText: string) => buildArtifactSbom({ lockfiles: [{ path: 'app/package-lock.json', text: lockfileText }], files: [] }, OPTIONS);
  await assert.rejects(
    build(JSON.stringify({ lockfileVersion: 1, dependencies: {} })),
    (error: unknown) =>
      error instanceof InvalidRequestError &&
      error.code === 'sbom.invalid-lockfile' &&
      error.message === 'app/package-lock.json has lockfileVersion 1; only versions 2 and 3 (npm 7 and later) are supported',
  );
  await assert.rejects(build('{"lockfileVersion": 3,'), /app\/package-lock.json is not valid JSON/);
  await assert.rejects(build('{"lockfileVersion": 3}'), /app\/package-lock.json has no "packages" object/);
  await assert.rejects(
    () => buildArtifactSbom({ lockfiles: [], files: [{ path: 'a.txt', sha256: 'XYZ' }] }, OPTIONS),
    (error: unknown) => error instanceof InvalidRequestError && error.code === 'sbom.invalid-hash' && /sha256 of a\.txt/.test(error.message),
  );
  await assert.rejects(
    () => buildArtifactSbom({ lockfiles: [], files: [{ path: 'a.txt', sha256: '01'.repeat(32) }, { path: 'a.txt', sha256: '01'.repeat(32) }] }, OPTIONS),
    /lists "a\.txt" twice/,
  );
});
