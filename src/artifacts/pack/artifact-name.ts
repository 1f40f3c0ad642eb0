import type { ArtifactManifest } from './artifact-manifest.js';
import { collectArtifactFiles } from './pack-artifact.js';

/**
 * An artifact's name: the job's `artifacts.name`, else its job id; a matrix instance (`build[2]`) adds its
 * index (`build-2`), so the instances of one job never overwrite each other's artifact.
 */
export function artifactName(explicit: string | undefined, jobKey: string): string {
  const matrix = /^(.*)\[(\d+)\]$/.exec(jobKey);
  const base = explicit ?? matrix?.[1] ?? jobKey;
  return matrix ? `${base}-${matrix[2]}` : base;
}

/** The job id an artifact's job key belongs to (`build[2]` → `build`), to find the artifacts of the jobs a job needs. */
export function jobIdOfKey(jobKey: string): string {
  return jobKey.replace(/\[\d+\]$/, '');
}

/**
 * GitLab's `artifacts:when`: `on_success` keeps the files of a successful job, `on_failure` of a failed one,
 * `always` of both. A cancelled job keeps none (its files may be half written).
 */
export function keepsArtifacts(when: 'on_success' | 'on_failure' | 'always', status: 'success' | 'failed' | 'cancelled'): boolean {
  if (status === 'cancelled') return false;
  return when === 'always' || (when === 'on_success') === (status === 'success');
}

/** What a job's `artifacts:` asks for, as the engine's job description carries it (this folder cannot import the engine). */
export interface KeptArtifactJob {
  readonly jobKey: string;
  readonly spec: { readonly artifacts?: { readonly paths: readonly string[]; readonly when: 'on_success' | 'on_failure' | 'always'; readonly name?: string } };
  readonly log: (stream: 'system', text: string) => void;
}

/**
 * The artifact a job keeps, ending with `status`: its name and the workspace files its globs match. Undefined
 * when it keeps none: no `artifacts:`, a `when` the status does not meet, or no file matching (GitLab warns and
 * goes on: a job that made no files has nothing to keep).
 */
export async function artifactToKeep(
  job: KeptArtifactJob,
  workspaceDir: string,
  status: 'success' | 'failed' | 'cancelled',
): Promise<{ readonly name: string; readonly manifest: ArtifactManifest } | undefined> {
  const spec = job.spec.artifacts;
  if (!spec || !keepsArtifacts(spec.when, status)) return undefined;
  const name = artifactName(spec.name, job.jobKey);
  const manifest = await collectArtifactFiles(workspaceDir, spec.paths);
  if (manifest.entries.length > 0) return { name, manifest };
  job.log('system', `warning: artifact "${name}": no files match ${spec.paths.join(', ')}`);
  return undefined;
}
