import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { artifactToKeep, jobIdOfKey, unpackArtifact, writeArtifactArchive } from '../artifacts/index.js';
import type { Clock } from '../core/index.js';
import { coerceError, DeployliteError, formatBytes } from '../core/index.js';
import type { JobFiles } from '../engine/index.js';
import { backoffDelay } from './backoff.js';
import type { ServerClient } from './server-client.js';

export interface RunnerArtifactOptions {
  readonly client: ServerClient;
  readonly token: string;
  /** The job's lease: the server finds the run and job from it. */
  readonly leaseId: string;
  /** Archives are packed here before they are sent (a file, so an upload cut short can resume). */
  readonly tempDir: string;
  readonly clock: Clock;
}

/** Network failures while sending bytes are retried this often, each time from the offset the server holds. */
const UPLOAD_ATTEMPTS = 6;
/** The archive is read and sent in chunks this large: fetch's per-chunk cost halved the speed at the 64 KiB default. */
const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * The artifact part of a runner job's files. Before the job: the artifacts of the jobs it `needs` (all their
 * matrix instances) are downloaded from the server and unpacked into the fresh workspace, each file checked
 * against the archive's manifest and the archive against its digest. After the job, when `artifacts.when`
 * says so: the files matching `artifacts.paths` are packed and uploaded (resumable), and the server
 * commits, signs and lists them. Unlike caches, a failure here fails the job: a job that needs an artifact
 * cannot run without it, and a job whose artifact is lost has not delivered what it promised.
 */
export function runnerArtifactFiles(options: RunnerArtifactOptions): JobFiles {
  const { client, token, leaseId } = options;
  return {
    async restore(job, workspace) {
      const needs = new Set(job.spec.needs);
      if (needs.size === 0) return;
      const artifacts = (await client.listRunArtifacts(token, leaseId, job.signal)).filter((artifact) => needs.has(jobIdOfKey(artifact.job)));
      for (const artifact of artifacts) {
        const hashing = new DigestCheck(artifact.digest);
        const download = await client.downloadArtifact(token, leaseId, artifact.name, job.signal);
        // pipeline, not pipe: a download cut off (a dropped connection, the server refusing a corrupted blob)
        // must fail the unpacking, not leave it waiting for more bytes with the error unhandled.
        const manifest = await unpackArtifact(pipeline(download, hashing, () => {}), workspace.dir, { signal: job.signal });
        hashing.check(artifact.name);
        job.log('system', `restored artifact "${artifact.name}" of ${artifact.job}: ${manifest.entries.length} files`);
      }
    },

    async save(job, workspace, status) {
      const kept = await artifactToKeep(job, workspace.dir, status);
      if (!kept) return;
      const { name, manifest } = kept;
      const expireIn = job.spec.artifacts?.expireIn;
      await mkdir(options.tempDir, { recursive: true });
      const file = join(options.tempDir, `${randomUUID()}.tar`);
      try {
        const { digest, size } = await writeArtifactArchive(workspace.dir, manifest, file);
        const request = { name, digest, size, ...(expireIn !== undefined ? { expireIn } : {}) };
        let state = await client.startArtifactUpload(token, leaseId, request, job.signal);
        // An earlier attempt of this job packed the same bytes (archives are reproducible) and was cut off.
        if (state.offset > 0) job.log('system', `artifact "${name}": resuming the upload at ${state.offset} of ${size} bytes`);
        for (let failures = 0; state.offset < size; ) {
          try {
            const offset = await client.sendArtifactBytes(token, leaseId, state.uploadId, state.offset, createReadStream(file, { start: state.offset, highWaterMark: UPLOAD_CHUNK_BYTES }), job.signal);
            state = { ...state, offset };
          } catch (thrown) {
            if (job.signal.aborted || thrown instanceof DeployliteError || ++failures >= UPLOAD_ATTEMPTS) throw thrown;
            job.log('system', `warning: artifact "${name}": upload interrupted at ${state.offset} bytes (${coerceError(thrown).message}); resuming`);
            await options.clock.sleep(backoffDelay(failures), job.signal);
            // The server says how much it kept; the upload continues from there.
            state = await client.startArtifactUpload(token, leaseId, request, job.signal);
          }
        }
        const stored = await client.commitArtifactUpload(token, leaseId, state.uploadId, job.signal);
        job.log('system', `artifact "${stored.name}": ${stored.files} files, ${formatBytes(stored.size)}, ${stored.digest}`);
      } finally {
        await rm(file, { force: true });
      }
    },
  };
}

/** Passes bytes through while hashing them, to check a whole download against the digest it was listed with. */
class DigestCheck extends Transform {
  private readonly hash = createHash('sha256');

  constructor(private readonly expected: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.hash.update(chunk);
    this.push(chunk);
    callback();
  }

  check(name: string): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expected) throw new DeployliteError('artifact.corrupted', `artifact "${name}" arrived as ${actual}, not ${this.expected}`);
  }
}
