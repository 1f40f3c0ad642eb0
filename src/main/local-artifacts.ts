import { join } from 'node:path';
import { artifactKey, artifactToKeep, DiskBlobStore, DiskRefStore, packArtifact } from '../artifacts/index.js';
import { systemClock } from '../core/index.js';
import type { JobFiles } from '../engine/index.js';

/**
 * The artifacts of `deploylite run`: packed (tar with its manifest) into a disk blob store in
 * `<stateDir>/artifacts/`, named `artifacts/local/run/<runId>-<name>/<name>.tar`, with one line in the job's
 * log per artifact (name, files, size, sha256). Nothing is restored before a job: a local run's jobs share
 * one workspace, so a job already sees the files the jobs it needs left there.
 */
export function openLocalArtifacts(stateDir: string): JobFiles {
  const root = join(stateDir, 'artifacts');
  const blobs = new DiskBlobStore({ root, clock: systemClock });
  const refs = new DiskRefStore({ root });
  return {
    async restore() {},
    async save(job, workspace, status) {
      const kept = await artifactToKeep(job, workspace.dir, status);
      if (!kept) return;
      const { name, manifest } = kept;
      const stored = await blobs.put(packArtifact(workspace.dir, manifest).stream, { signal: job.signal });
      await refs.set(artifactKey({ project: 'local', pipeline: 'run', version: `${job.runId}-${name}` }, `${name}.tar`), stored.digest);
      const files = manifest.entries.length;
      job.log('system', `artifact ${name}: ${files} file${files === 1 ? '' : 's'}, ${stored.size} bytes, ${stored.digest}`);
    },
  };
}
