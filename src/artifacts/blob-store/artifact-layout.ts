import { InvalidRequestError } from '../../core/index.js';

/** Which build an artifact belongs to: handbook 5.8 keys everything by project / pipeline / version. */
export interface ArtifactCoordinates {
  readonly project: string;
  readonly pipeline: string;
  readonly version: string;
}

// One path segment: no separators, no `.`/`..`, no leading dot or dash, so a key can never leave its folder
// (in a directory tree or an S3 listing) whatever a user named their project, pipeline, version or file.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;

function segment(field: string, value: string): string {
  if (!SEGMENT.test(value) || /^\.+$/.test(value)) {
    throw new InvalidRequestError(
      `${field} "${value.slice(0, 60)}" cannot be part of a storage path: use letters, digits, . _ + - (at most 128, not starting with . or -)`,
      field,
      'artifact.invalid-name',
    );
  }
  return value;
}

function base({ project, pipeline, version }: ArtifactCoordinates): string {
  return `${segment('project', project)}/${segment('pipeline', pipeline)}/${segment('version', version)}`;
}

/** `artifacts/project1/app/v1.2/app.tar.gz` (handbook 5.8). */
export function artifactKey(coordinates: ArtifactCoordinates, fileName: string): string {
  return `artifacts/${base(coordinates)}/${segment('file name', fileName)}`;
}

/** `sbom/project1/app/v1.2/sbom.json` (handbook 5.8). */
export function sbomKey(coordinates: ArtifactCoordinates): string {
  return `sbom/${base(coordinates)}/sbom.json`;
}

/** `signatures/project1/app/v1.2.sig` for the version's artifact (handbook 5.8); `….sbom.sig` for its SBOM. */
export function signatureKey(coordinates: ArtifactCoordinates, of: 'artifact' | 'sbom' = 'artifact'): string {
  return `signatures/${base(coordinates)}${of === 'sbom' ? '.sbom.sig' : '.sig'}`;
}

const REF_KEY = /^(artifacts|sbom|signatures)(\/[A-Za-z0-9_][A-Za-z0-9._+-]{0,127})+$/;

/** Checks a key that did not come from the functions above (a listing, a request) before it becomes a path. */
export function parseRefKey(key: string): string {
  if (!REF_KEY.test(key) || key.split('/').some((part) => /^\.+$/.test(part))) {
    throw new InvalidRequestError(`not a storage key: "${key.slice(0, 120)}"`, 'key', 'artifact.invalid-key');
  }
  return key;
}
