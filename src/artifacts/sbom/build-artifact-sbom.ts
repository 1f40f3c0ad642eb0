import { randomUUID } from 'node:crypto';
import type * as EnumsModule from '@cyclonedx/cyclonedx-library/Enums';
import type * as ModelsModule from '@cyclonedx/cyclonedx-library/Models';
import type * as SerializeModule from '@cyclonedx/cyclonedx-library/Serialize';
import type * as SpecModule from '@cyclonedx/cyclonedx-library/Spec';
import { InvalidRequestError, type Clock } from '../../core/index.js';
import { parseNpmLockfile, type LockedPackage } from './npm-lockfile.js';
import type { SbomFile, SbomInput } from './sbom-input.js';

/** The artifact an SBOM describes: it becomes the document's `metadata.component`. */
export interface SbomSubject {
  readonly name: string;
  readonly version: string;
  /** SHA-256 of the artifact's bytes (64 hex digits), when it is already packed. */
  readonly sha256?: string;
}

export interface BuildSbomOptions {
  readonly subject: SbomSubject;
  /** DeployLite's version, recorded as the tool that wrote the SBOM. */
  readonly toolVersion: string;
  readonly clock: Pick<Clock, 'now'>;
  /** `urn:uuid:…`; a fresh one by default (every SBOM is a new document, even of the same artifact). */
  readonly serialNumber?: string;
}

export interface ArtifactSbom {
  /** The CycloneDX 1.5 JSON document, as stored beside the artifact. */
  readonly json: string;
  /** Where the components came from. */
  readonly source: 'npm-lockfiles' | 'files';
  readonly componentCount: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface CycloneDx {
  readonly Enums: typeof EnumsModule;
  readonly Models: typeof ModelsModule;
  readonly Serialize: typeof SerializeModule;
  readonly Spec: typeof SpecModule;
}

let loading: Promise<CycloneDx> | undefined;

// Loaded on first use: the library is CommonJS, which a bundle evaluates at start-up when imported
// statically, and that cost ~90 ms on every CLI start (measured) for something only artifact jobs need.
function loadCycloneDx(): Promise<CycloneDx> {
  loading ??= Promise.all([
    import('@cyclonedx/cyclonedx-library/Enums'),
    import('@cyclonedx/cyclonedx-library/Models'),
    import('@cyclonedx/cyclonedx-library/Serialize'),
    import('@cyclonedx/cyclonedx-library/Spec'),
  ]).then(([Enums, Models, Serialize, Spec]) => ({ Enums, Models, Serialize, Spec }));
  return loading;
}

/**
 * Builds a CycloneDX 1.5 JSON SBOM for one artifact with the CycloneDX library: the npm packages its
 * lockfiles list (name, version, purl, integrity hashes, who depends on whom), or else one `file`
 * component per file with its SHA-256.
 */
export async function buildArtifactSbom(input: SbomInput, options: BuildSbomOptions): Promise<ArtifactSbom> {
  const cdx = await loadCycloneDx();
  const { Enums, Models, Serialize, Spec } = cdx;
  const { subject } = options;
  const bom = new Models.Bom({ serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}` });
  bom.metadata.timestamp = new Date(options.clock.now());
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'deploylite', { version: options.toolVersion, bomRef: 'tool:deploylite' }),
  );
  const artifact = new Models.Component(Enums.ComponentType.Application, subject.name, {
    version: subject.version,
    bomRef: 'artifact',
    hashes: subject.sha256 === undefined ? undefined : new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], checkSha256(subject.sha256, 'subject.sha256')]]),
  });
  bom.metadata.component = artifact;

  let source: ArtifactSbom['source'];
  if (input.lockfiles.length > 0) {
    source = 'npm-lockfiles';
    addNpmPackages(cdx, bom, artifact, input);
  } else {
    source = 'files';
    addFiles(cdx, bom, input.files);
  }

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot5));
  // Sorted lists: the same artifact yields the same document apart from its serial number and timestamp.
  const json = serializer.serialize(bom, { sortLists: true, space: 2 });
  return { json, source, componentCount: bom.components.size };
}

function addNpmPackages(cdx: CycloneDx, bom: ModelsModule.Bom, artifact: ModelsModule.Component, input: SbomInput): void {
  const components = new Map<string, ModelsModule.Component>();
  const edges: { from: ModelsModule.Component; to: ReadonlySet<string> }[] = [];
  for (const lockfile of input.lockfiles) {
    const parsed = parseNpmLockfile(lockfile.text, lockfile.path);
    for (const locked of parsed.packages) {
      let component = components.get(locked.purl);
      if (!component) {
        component = npmComponent(cdx, locked);
        components.set(locked.purl, component);
        bom.components.add(component);
      }
      edges.push({ from: component, to: locked.dependsOn });
    }
    edges.push({ from: artifact, to: parsed.root.dependsOn });
  }
  // Edges are added once every lockfile is read, so they only ever name components in this document.
  for (const { from, to } of edges) {
    for (const purl of to) {
      const target = components.get(purl);
      if (target) from.dependencies.add(target.bomRef);
    }
  }
}

function npmComponent({ Enums, Models }: CycloneDx, locked: LockedPackage): ModelsModule.Component {
  const slash = locked.name.startsWith('@') ? locked.name.indexOf('/') : -1;
  const component = new Models.Component(Enums.ComponentType.Library, slash > 0 ? locked.name.slice(slash + 1) : locked.name, {
    group: slash > 0 ? locked.name.slice(0, slash) : undefined,
    version: locked.version,
    purl: locked.purl,
    bomRef: locked.purl,
    hashes: new Models.HashDictionary(locked.integrity.flatMap((integrity) => integrityHashes(Enums, integrity))),
  });
  // The property names of the CycloneDX npm taxonomy, as @cyclonedx/cyclonedx-npm writes them.
  if (locked.dev) component.properties.add(new Models.Property('cdx:npm:package:development', 'true'));
  if (locked.optional) component.scope = Enums.ComponentScope.Optional;
  return component;
}

/** `sha512-<base64> sha1-<base64>` → [[SHA-512, hex], [SHA-1, hex]]; unknown algorithms are left out. */
function integrityHashes(Enums: typeof EnumsModule, integrity: string): [EnumsModule.HashAlgorithm, string][] {
  // Subresource-integrity algorithm names (what npm writes) → CycloneDX hash algorithms.
  const algorithms: Readonly<Record<string, EnumsModule.HashAlgorithm>> = {
    sha1: Enums.HashAlgorithm['SHA-1'],
    sha256: Enums.HashAlgorithm['SHA-256'],
    sha384: Enums.HashAlgorithm['SHA-384'],
    sha512: Enums.HashAlgorithm['SHA-512'],
  };
  const hashes: [EnumsModule.HashAlgorithm, string][] = [];
  for (const token of integrity.trim().split(/\s+/)) {
    const dash = token.indexOf('-');
    const algorithm = algorithms[token.slice(0, dash)];
    if (dash <= 0 || algorithm === undefined) continue;
    const base64 = token.slice(dash + 1).split('?')[0]!;
    const hex = Buffer.from(base64, 'base64').toString('hex');
    if (hex.length > 0) hashes.push([algorithm, hex]);
  }
  return hashes;
}

function addFiles({ Enums, Models }: CycloneDx, bom: ModelsModule.Bom, files: readonly SbomFile[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new InvalidRequestError(`the artifact lists "${file.path.slice(0, 200)}" twice`, 'files', 'sbom.duplicate-file');
    seen.add(file.path);
    bom.components.add(
      new Models.Component(Enums.ComponentType.File, file.path, {
        bomRef: `file:${file.path}`,
        hashes: new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], checkSha256(file.sha256, `sha256 of ${file.path.slice(0, 200)}`)]]),
      }),
    );
  }
}

function checkSha256(value: string, field: string): string {
  if (!SHA256_HEX.test(value)) throw new InvalidRequestError(`${field} is not 64 lowercase hex digits`, field, 'sbom.invalid-hash');
  return value;
}
