import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { ArtifactsSpec, JobSpec } from '../../pipeline/index.js';

/**
 * What the built-in `actions/cache`, `actions/upload-artifact` and `actions/download-artifact` steps ask of their
 * job, gathered while its steps are mapped. They map onto the job's own `cache` and `artifacts`, which the engine
 * restores before the first step and saves after the last (src/engine/job-files.ts), so each is one per job and
 * acts on the whole job rather than at the step's position.
 */
export interface JobFileRequests {
  cache?: { readonly spec: NonNullable<JobSpec['cache']>; readonly at: TemplateToken };
  /** `root`: the directory the artifact's files are relative to (GitHub's least common ancestor of the paths). */
  upload?: { readonly spec: ArtifactsSpec; readonly root: string; readonly at: TemplateToken };
  readonly downloads: DownloadRequest[];
}

export interface DownloadRequest {
  /** Absent: every artifact of the jobs this job needs. */
  readonly name?: string;
  /** Where the files go, normalised relative to the workspace (`.` for the workspace itself). */
  readonly path: string;
  readonly at: TemplateToken;
}

export function emptyJobFileRequests(): JobFileRequests {
  return { downloads: [] };
}

/** `line 12` for a token, to name the line of an earlier step in a message. */
export function lineOf(token: TemplateToken): string {
  const start = token.range?.start;
  return start ? `line ${start.line}` : 'an earlier step';
}

/** A multi-line input (`path`, `restore-keys`) as its non-empty lines, trimmed, as GitHub's actions read them. */
export function inputLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
