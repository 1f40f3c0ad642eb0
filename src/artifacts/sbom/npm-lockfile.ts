import { PackageURL } from 'packageurl-js';
import { InvalidRequestError } from '../../core/index.js';

/** One installed package as an npm lockfile (v2/v3) records it. */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  /** `pkg:npm/%40scope/name@1.2.3`: also the package's identity (bom-ref) in the SBOM. */
  readonly purl: string;
  /** Subresource-integrity strings (`sha512-<base64>`), as npm recorded them. */
  readonly integrity: readonly string[];
  readonly dev: boolean;
  readonly optional: boolean;
  /** purls of the packages this one resolves its dependencies to. */
  readonly dependsOn: ReadonlySet<string>;
}

export interface NpmLockfile {
  /** The root project's name and version (either may be missing in a lockfile). */
  readonly root: { readonly name?: string; readonly version?: string; readonly dependsOn: ReadonlySet<string> };
  /** Distinct packages (name@version), in lockfile order. */
  readonly packages: readonly LockedPackage[];
}

interface RawEntry {
  name?: unknown;
  version?: unknown;
  integrity?: unknown;
  link?: unknown;
  dev?: unknown;
  optional?: unknown;
  devOptional?: unknown;
  dependencies?: unknown;
  optionalDependencies?: unknown;
  peerDependencies?: unknown;
}

const NODE_MODULES = 'node_modules/';

/**
 * Reads a `package-lock.json` of lockfileVersion 2 or 3 (npm 7 and later), the versions that list every
 * installed package under `packages` by install path. Version 1 lockfiles are refused with a clear error:
 * they lack that list, and guessing would make the SBOM lie.
 */
export function parseNpmLockfile(text: string, fileName = 'package-lock.json'): NpmLockfile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(fileName, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(document)) throw invalid(fileName, 'is not a JSON object');
  const { lockfileVersion, packages } = document;
  if (lockfileVersion !== 2 && lockfileVersion !== 3) {
    throw invalid(fileName, `has lockfileVersion ${JSON.stringify(lockfileVersion)}; only versions 2 and 3 (npm 7 and later) are supported`);
  }
  if (!isRecord(packages)) throw invalid(fileName, 'has no "packages" object');

  // Install path → purl, for every real package (links point at a workspace folder, not a published package).
  const purlByPath = new Map<string, string>();
  const entries = new Map<string, RawEntry>();
  for (const [path, raw] of Object.entries(packages)) {
    if (!isRecord(raw)) throw invalid(fileName, `entry "${path}" is not an object`);
    const entry = raw as RawEntry;
    if (path === '' || entry.link === true || !path.includes(NODE_MODULES)) continue;
    const name = typeof entry.name === 'string' ? entry.name : path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
    if (typeof entry.version !== 'string' || entry.version === '') continue; // an unfinished or extraneous entry
    purlByPath.set(path, npmPurl(name, entry.version));
    entries.set(path, entry);
  }

  const byPurl = new Map<string, { name: string; version: string; purl: string; integrity: Set<string>; dev: boolean; optional: boolean; dependsOn: Set<string> }>();
  for (const [path, entry] of entries) {
    const purl = purlByPath.get(path)!;
    let found = byPurl.get(purl);
    if (!found) {
      const name = typeof entry.name === 'string' ? entry.name : path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
      // Dev/optional hold only if every copy is: one production copy makes the package part of production.
      found = { name, version: entry.version as string, purl, integrity: new Set(), dev: true, optional: true, dependsOn: new Set() };
      byPurl.set(purl, found);
    }
    if (typeof entry.integrity === 'string' && entry.integrity !== '') found.integrity.add(entry.integrity);
    found.dev &&= entry.dev === true || entry.devOptional === true;
    found.optional &&= entry.optional === true || entry.devOptional === true;
    for (const dependency of dependencyNames(entry)) {
      const target = resolveInstallPath(path, dependency, purlByPath);
      if (target && target !== purl) found.dependsOn.add(target);
    }
  }

  const rootEntry = (isRecord(packages['']) ? packages[''] : {}) as RawEntry;
  const rootDependsOn = new Set<string>();
  for (const dependency of dependencyNames(rootEntry, true)) {
    const target = resolveInstallPath('', dependency, purlByPath);
    if (target) rootDependsOn.add(target);
  }
  return {
    root: {
      name: typeof rootEntry.name === 'string' ? rootEntry.name : typeof document.name === 'string' ? document.name : undefined,
      version: typeof rootEntry.version === 'string' ? rootEntry.version : typeof document.version === 'string' ? document.version : undefined,
      dependsOn: rootDependsOn,
    },
    packages: [...byPurl.values()].map((p) => ({ ...p, integrity: [...p.integrity] })),
  };
}

/** `pkg:npm/%40types/node@20.19.1` (the purl spec encodes the scope's `@`). */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const namespace = slash > 0 ? name.slice(0, slash) : undefined;
  const bareName = slash > 0 ? name.slice(slash + 1) : name;
  return new PackageURL('npm', namespace, bareName, version, undefined, undefined).toString();
}

function dependencyNames(entry: RawEntry, includeDev = false): string[] {
  const names = new Set<string>();
  const fields = [entry.dependencies, entry.optionalDependencies, entry.peerDependencies];
  if (includeDev) fields.push((entry as { devDependencies?: unknown }).devDependencies);
  for (const field of fields) {
    if (isRecord(field)) for (const name of Object.keys(field)) names.add(name);
  }
  return [...names];
}

/**
 * Node's resolution: a package at `a/node_modules/b` finds `c` at `a/node_modules/b/node_modules/c`, then
 * `a/node_modules/c`, then `node_modules/c`. An unresolved name (an optional dependency for another
 * platform, a peer nobody installed) is no edge.
 */
function resolveInstallPath(fromPath: string, dependency: string, purlByPath: ReadonlyMap<string, string>): string | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}${NODE_MODULES}${dependency}`;
    const found = purlByPath.get(candidate);
    if (found) return found;
    if (base === '') return undefined;
    const cut = base.lastIndexOf(`/${NODE_MODULES}`);
    base = cut === -1 ? (base.startsWith(NODE_MODULES) ? '' : base.slice(0, Math.max(0, base.lastIndexOf('/')))) : base.slice(0, cut);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(fileName: string, problem: string): InvalidRequestError {
  return new InvalidRequestError(`${fileName} ${problem}`, fileName, 'sbom.invalid-lockfile');
}
