import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobDigest, BlobSignature, BlobStore, KeySealer, RefStore } from '../../artifacts/index.js';
import {
  artifactKey,
  BlobCorruptedError,
  BlobDigestMismatchError,
  BlobSigner,
  BlobSizeMismatchError,
  buildArtifactSbom,
  createProjectSigningKey,
  isNpmLockfilePath,
  openProjectSigningKey,
  parseBlobDigest,
  readArtifactManifest,
  sbomInputFromManifest,
  sbomKey,
  signatureKey,
  signBlob,
} from '../../artifacts/index.js';
import type { Clock, Logger } from '../../core/index.js';
import { ConflictError, DeployliteError, InvalidRequestError, NotFoundError } from '../../core/index.js';
import type { ArtifactRecord, ControlStore, QueueItem } from '../../store/index.js';

/** Retention's default when a job gives no `expire-in` (GitLab's instance default). */
export const DEFAULT_ARTIFACT_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;
/** The largest artifact accepted. */
export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024 * 1024;
/**
 * The socket delivers 64 KiB chunks; they are written in batches of this size (one `writev` each, no copy), so
 * the number of write calls (each a trip to the thread pool) stays low while memory stays bounded: at most two
 * batches are held, the one being written and the one being gathered.
 */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;
/** Reads of a staged file (signing after a restart, copying to a backend without files) in chunks this large. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** An upload not written to for a day is taken as abandoned. */
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;
const ARTIFACT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,99}$/;

export interface ArtifactServiceOptions {
  readonly store: ControlStore;
  readonly blobs: BlobStore;
  readonly refs: RefStore;
  /** Seals project signing keys (the server's SecretVault). */
  readonly sealer: KeySealer;
  /** Where uploads in progress are kept until committed (`<dataDir>/artifact-uploads`). */
  readonly stagingDir: string;
  readonly toolVersion: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface StartUpload {
  readonly name: string;
  readonly digest: string;
  readonly size: number;
  /** Milliseconds, 'never', or absent for the default. */
  readonly expireIn?: number | 'never';
}

/**
 * Job artifacts on the server. A runner uploads an archive in three steps, each safe to repeat:
 *   1. `startUpload` announces name, digest and size; it resumes the upload of the same name and
 *      digest if one is in progress (answering how many bytes the server holds), else starts anew.
 *   2. `appendUpload` writes bytes at the held offset into a staging file; a request cut short keeps
 *      what arrived (fsynced), so the next request continues from there. The bytes are hashed and signed
 *      as they are written (one SHA-256 pass for the digest, one inside ECDSA's sign), so they are never
 *      read back while this process holds the upload.
 *   3. `commitUpload` checks that digest against the announced one, builds the CycloneDX SBOM from the
 *      manifest, moves the staged file into the blob store (a rename on the disk backend, a verified copy
 *      otherwise), signs archive and SBOM with the project's key, names them with the handbook 5.8 keys
 *      and only then makes the artifact visible, in one transaction. After a server restart the running
 *      digest is lost with the process: the staged file is then read once, hashed and signed together.
 * A killed runner or server leaves an upload row and a staging file, never a visible artifact; a
 * blob stored before a crash is named by nothing and goes with the orphan sweep.
 */
export class ArtifactService {
  /**
   * Digest and signature state of the uploads this process has written, by upload id; each covers the first
   * `size` bytes of its staging file. Taken out while a request writes, so two requests never feed one.
   */
  private readonly signers = new Map<string, BlobSigner>();
  /** Requests writing into each upload's staging file now; a file still being written is never moved. */
  private readonly writers = new Map<string, number>();

  constructor(private readonly options: ArtifactServiceOptions) {}

  async startUpload(item: QueueItem, request: StartUpload): Promise<{ uploadId: string; offset: number }> {
    const { store, clock } = this.options;
    if (!ARTIFACT_NAME.test(request.name)) throw new InvalidRequestError(`artifact name "${request.name.slice(0, 100)}" must be letters, digits, . _ + -`, 'name', 'artifact.invalid-name');
    const digest = parseBlobDigest(request.digest);
    if (request.size > MAX_ARTIFACT_BYTES) throw new InvalidRequestError(`artifact "${request.name}" is ${request.size} bytes, above the limit of ${MAX_ARTIFACT_BYTES}`, 'size', 'artifact.too-large');
    // Two jobs of a run naming their artifacts alike would overwrite each other: the first keeps the name.
    const owner = (await store.artifacts.getArtifact(item.runId, request.name))?.jobKey ?? (await store.artifacts.findUpload(item.runId, request.name))?.jobKey;
    if (owner !== undefined && owner !== item.jobKey) {
      throw new ConflictError(`artifact "${request.name}" of run ${item.runId} belongs to job "${owner}"; give job "${item.jobKey}"'s artifacts another name`, 'artifact.name-taken');
    }
    const existing = await store.artifacts.findUpload(item.runId, request.name);
    if (existing && existing.digest === digest && existing.size === request.size && existing.jobKey === item.jobKey) {
      return { uploadId: existing.id, offset: await this.heldBytes(existing.id, existing.received) };
    }
    if (existing) {
      this.signers.delete(existing.id);
      await rm(this.stagingPath(existing.id), { force: true });
    }
    const now = clock.now();
    const expiresAt = request.expireIn === 'never' ? null : now + (request.expireIn ?? DEFAULT_ARTIFACT_EXPIRY_MS);
    const upload = await store.artifacts.startUpload({
      id: randomUUID(),
      runId: item.runId,
      projectId: item.projectId,
      jobKey: item.jobKey,
      name: request.name,
      digest,
      size: request.size,
      expiresAt,
      createdAt: now,
    });
    return { uploadId: upload.id, offset: 0 };
  }

  /** Writes `body` at `offset`, which must be what the server holds; resolves with the new offset. */
  async appendUpload(item: QueueItem, uploadId: string, offset: number, body: AsyncIterable<Uint8Array>): Promise<{ offset: number }> {
    const upload = await this.uploadOf(item, uploadId);
    if (offset !== upload.received) throw new ConflictError(`upload ${uploadId} holds ${upload.received} bytes; continue from there, not from ${offset}`, 'artifact.offset-mismatch');
    await mkdir(this.options.stagingDir, { recursive: true });
    // The running digest continues only where it covers exactly the bytes before `offset`.
    const previous = this.signers.get(uploadId);
    this.signers.delete(uploadId);
    let signer = offset === 0 ? new BlobSigner() : previous?.size === offset ? previous : undefined;
    const file = await open(this.stagingPath(uploadId), offset === 0 ? 'w' : 'r+');
    this.writers.set(uploadId, (this.writers.get(uploadId) ?? 0) + 1);
    let written = 0; // bytes on disk
    let queued = 0; // bytes handed to writes, the batch in flight included
    let failure: unknown;
    // One batch is written while the next is gathered from the socket, so the disk and the network overlap.
    let writing: Promise<void> = Promise.resolve();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = () => {
      if (pendingBytes === 0) return;
      const batch = pending;
      const position = offset + queued;
      const batchBytes = pendingBytes;
      queued += batchBytes;
      pending = [];
      pendingBytes = 0;
      for (const chunk of batch) signer?.update(chunk);
      writing = writing.then(async () => {
        await writeFully(file, batch, batchBytes, position);
        written += batchBytes;
      });
    };
    try {
      for await (const chunk of body) {
        if (offset + queued + pendingBytes + chunk.byteLength > upload.size) {
          throw new InvalidRequestError(`upload ${uploadId} would be larger than the ${upload.size} bytes announced`, 'size', 'blob.size-mismatch');
        }
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= WRITE_BATCH_BYTES) {
          await writing; // at most one batch in flight: memory stays bounded and a failed write stops the reading
          flush();
        }
      }
    } catch (thrown) {
      failure = thrown;
    } finally {
      // Whatever arrived is kept (durably) and counted, also when the request was cut short: the retry resumes.
      const writeFailed = (thrown: unknown) => {
        failure ??= thrown;
        signer = undefined; // it has seen bytes the file may not hold
        return true;
      };
      // After a failed write nothing more is written: the next batch would land where the failed one belongs.
      if ((await writing.then(() => false, writeFailed)) === false) {
        flush();
        await writing.catch(writeFailed);
      }
      await file.sync().catch(() => {});
      await file.close();
      this.leaveWriter(uploadId);
    }
    const advanced = written === 0 || (await this.options.store.artifacts.advanceUpload(uploadId, offset, offset + written, this.options.clock.now()));
    if (signer !== undefined && advanced && signer.size === offset + written) this.signers.set(uploadId, signer);
    if (failure !== undefined) throw failure;
    // Another request for the same upload (a retry racing a request the server was still reading) moved the
    // offset first: the count in the database is the truth, and the runner continues from it.
    if (!advanced) return { offset: (await this.uploadOf(item, uploadId)).received };
    return { offset: offset + written };
  }

  async commitUpload(item: QueueItem, uploadId: string): Promise<ArtifactRecord> {
    const { store, blobs, refs, clock } = this.options;
    const upload = await this.uploadOf(item, uploadId);
    if (upload.received !== upload.size) throw new ConflictError(`upload ${uploadId} holds ${upload.received} of ${upload.size} bytes`, 'artifact.incomplete');
    const staged = this.stagingPath(uploadId);
    const digest = upload.digest as BlobDigest;
    // A commit cut short after the staged file became the blob (a server killed mid-commit) goes on from the blob,
    // which the store verifies as it is read.
    const alreadyStored = !(await stat(staged).then(() => true, () => false));
    if (alreadyStored && !(await blobs.has(digest))) throw new ConflictError(`upload ${uploadId} holds no bytes any more; start it again`, 'artifact.incomplete');
    const read = async (): Promise<AsyncIterable<Uint8Array>> => (alreadyStored ? blobs.get(digest) : createReadStream(staged, { highWaterMark: READ_CHUNK_BYTES }));
    const privateKeyPem = await this.projectPrivateKey(upload.projectId);
    // The end-to-end check: the bytes the server holds hash to the digest the runner computed when it packed them.
    const signature = await this.signStaged(uploadId, read, privateKeyPem);
    if (signature.size !== upload.size) throw new BlobSizeMismatchError(upload.size, signature.size);
    if (signature.digest !== digest) throw new BlobDigestMismatchError(digest, signature.digest, signature.size);
    // The manifest is the archive's first entry: only its first kilobytes are read (and npm lockfiles, for the SBOM).
    const { manifest, texts } = await readArtifactManifest(await read(), isNpmLockfilePath);
    const files = manifest.entries.flatMap((entry) => (entry.type === 'file' ? [{ path: entry.path, sha256: entry.sha256 }] : []));
    const run = await store.getServerRun(upload.runId);
    const project = await store.getProject(upload.projectId);
    if (!run || !project) throw new NotFoundError(`run ${upload.runId} is gone`);
    const coordinates = { project: pathSegment(project.name), pipeline: pathSegment(run.name), version: `${run.id}-${upload.name}` };
    const sbom = await buildArtifactSbom(
      await sbomInputFromManifest(files, async (path) => texts.get(path) ?? ''),
      { subject: { name: upload.name, version: `run-${run.id}`, sha256: digest.slice('sha256:'.length) }, toolVersion: this.options.toolVersion, clock },
    );
    if (!alreadyStored) await this.storeStaged(uploadId, staged, { digest, size: upload.size });
    const sbomBytes = Buffer.from(sbom.json);
    const sbomBlob = await blobs.put(Readable.from([sbomBytes]));
    const sbomSignature = await signBlob({ privateKeyPem, blob: Readable.from([sbomBytes]) });
    const signatureBlob = await blobs.put(Readable.from([Buffer.from(`${signature.signatureBase64}\n`)]));
    const sbomSignatureBlob = await blobs.put(Readable.from([Buffer.from(`${sbomSignature.signatureBase64}\n`)]));
    // Names after blobs, the artifact row last: whatever a crash leaves in between is invisible.
    await refs.set(artifactKey(coordinates, `${upload.name}.tar`), digest);
    await refs.set(sbomKey(coordinates), sbomBlob.digest);
    await refs.set(signatureKey(coordinates), signatureBlob.digest);
    await refs.set(signatureKey(coordinates, 'sbom'), sbomSignatureBlob.digest);
    const artifact = await store.artifacts.commitArtifact(uploadId, {
      runId: upload.runId,
      projectId: upload.projectId,
      jobKey: upload.jobKey,
      name: upload.name,
      digest,
      size: upload.size,
      fileCount: files.length,
      sbomDigest: sbomBlob.digest,
      signature: signature.signatureBase64,
      sbomSignature: sbomSignature.signatureBase64,
      createdAt: clock.now(),
      expiresAt: upload.expiresAt,
    });
    await rm(staged, { force: true });
    this.options.logger.info('artifact stored', { run_id: upload.runId, job: upload.jobKey, artifact: upload.name, digest, size: upload.size, files: files.length });
    return artifact;
  }

  /**
   * Removes uploads nobody has written to for `olderThanMs` (a runner that died and whose job was not
   * retried, a run cancelled meanwhile): their rows and staging files. Live uploads keep writing, and a
   * retried job resumes well within the default day, so nothing in use is touched. Returns how many.
   */
  async removeAbandonedUploads(olderThanMs = ABANDONED_UPLOAD_MS): Promise<number> {
    const stale = await this.options.store.artifacts.listStaleUploads(this.options.clock.now() - olderThanMs);
    for (const upload of stale) {
      this.signers.delete(upload.id);
      await this.options.store.artifacts.deleteUpload(upload.id);
      await rm(this.stagingPath(upload.id), { force: true });
    }
    if (stale.length > 0) this.options.logger.info('abandoned artifact uploads removed', { count: stale.length });
    return stale.length;
  }

  list(runId: number): Promise<ArtifactRecord[]> {
    return this.options.store.artifacts.listArtifacts(runId);
  }

  async get(runId: number, name: string): Promise<ArtifactRecord> {
    const artifact = await this.options.store.artifacts.getArtifact(runId, name);
    if (!artifact) throw new NotFoundError(`run ${runId} has no artifact "${name.slice(0, 100)}"`);
    return artifact;
  }

  /**
   * The artifact's bytes, checked against its digest before the first byte is sent: a corrupted blob is
   * refused with `artifact.corrupted` (a clear error, not a truncated download). The stream re-checks
   * as it goes, for a blob that rots between the two reads.
   */
  async openDownload(artifact: ArtifactRecord): Promise<Readable> {
    const digest = artifact.digest as BlobDigest;
    try {
      for await (const chunk of await this.options.blobs.get(digest)) void chunk;
    } catch (thrown) {
      if (thrown instanceof BlobCorruptedError) {
        this.options.logger.error('artifact blob corrupted', { run_id: artifact.runId, artifact: artifact.name, digest, actual: thrown.actual });
        throw new DeployliteError('artifact.corrupted', `artifact "${artifact.name}" of run ${artifact.runId} is corrupted in the blob store (its bytes no longer hash to ${digest}); it is not served`);
      }
      throw thrown;
    }
    await this.options.store.artifacts.markArtifactUsed(artifact.id, this.options.clock.now());
    return this.options.blobs.get(digest);
  }

  async openSbom(artifact: ArtifactRecord): Promise<Readable> {
    return this.options.blobs.get(artifact.sbomDigest as BlobDigest);
  }

  /** The project's public key (PEM), made on first use. */
  async publicKey(projectId: number): Promise<string> {
    return (await this.projectKey(projectId)).publicKeyPem;
  }

  private async projectPrivateKey(projectId: number): Promise<string> {
    return openProjectSigningKey(projectId, await this.projectKey(projectId), this.options.sealer);
  }

  private async projectKey(projectId: number) {
    const { store, sealer, clock } = this.options;
    const existing = await store.artifacts.getSigningKey(projectId);
    if (existing) return existing;
    const created = await createProjectSigningKey(projectId, sealer);
    return store.artifacts.putSigningKeyIfAbsent({ projectId, ...created, createdAt: clock.now() });
  }

  /**
   * The staged bytes' digest and signature: the ones computed as this process wrote them, or, when another
   * process wrote some (a server restarted mid-upload), from one read of the staged file.
   */
  private async signStaged(uploadId: string, read: () => Promise<AsyncIterable<Uint8Array>>, privateKeyPem: string): Promise<BlobSignature> {
    const signer = this.signers.get(uploadId);
    this.signers.delete(uploadId); // a signer signs once; a retried commit reads the bytes
    if (signer !== undefined && !this.writers.has(uploadId)) return signer.sign(privateKeyPem);
    return signBlob({ privateKeyPem, blob: await read() });
  }

  /**
   * Puts the staged file into the blob store: moved without a copy where the backend keeps files, else copied
   * (the store hashes the copy against the digest). A request still writing into the file (one the runner gave
   * up on whose socket the server has not seen close yet) would write into a moved file, so then it is copied.
   */
  private async storeStaged(uploadId: string, staged: string, blob: { digest: BlobDigest; size: number }): Promise<void> {
    const { blobs } = this.options;
    if (blobs.adoptFile !== undefined && !this.writers.has(uploadId) && (await blobs.adoptFile(staged, blob)) !== undefined) return;
    await blobs.put(createReadStream(staged, { highWaterMark: READ_CHUNK_BYTES }), { expectedDigest: blob.digest, expectedSize: blob.size });
  }

  private leaveWriter(uploadId: string): void {
    const left = (this.writers.get(uploadId) ?? 1) - 1;
    if (left > 0) this.writers.set(uploadId, left);
    else this.writers.delete(uploadId);
  }

  private async uploadOf(item: QueueItem, uploadId: string) {
    const upload = await this.options.store.artifacts.getUpload(uploadId);
    if (!upload || upload.runId !== item.runId || upload.jobKey !== item.jobKey) throw new NotFoundError(`no upload ${uploadId.slice(0, 60)} for this job`);
    return upload;
  }

  /** What the staging file really holds: a server killed between write and count may hold less than counted. */
  private async heldBytes(uploadId: string, counted: number): Promise<number> {
    const size = await stat(this.stagingPath(uploadId)).then((s) => s.size, () => 0);
    if (size >= counted) return counted;
    await this.options.store.artifacts.advanceUpload(uploadId, counted, size, this.options.clock.now());
    return size;
  }

  private stagingPath(uploadId: string): string {
    // uploadId is a UUID the server made; checked anyway since it arrives in a URL.
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new NotFoundError('no such upload');
    return join(this.options.stagingDir, `${uploadId}.part`);
  }
}

/** Writes `chunks` (`bytes` in all) at `position` with one `writev`, finishing a short write with plain writes. */
async function writeFully(file: FileHandle, chunks: Uint8Array[], bytes: number, position: number): Promise<void> {
  let done = (await file.writev(chunks, position)).bytesWritten;
  if (done === bytes) return;
  const rest = Buffer.concat(chunks, bytes);
  while (done < bytes) done += (await file.write(rest, done, bytes - done, position + done)).bytesWritten;
}

/** A run or project name as a storage path segment (artifact-layout.ts accepts letters, digits, `. _ + -`). */
export function pathSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[.-]+/, '').slice(0, 128);
  return cleaned === '' ? 'unnamed' : cleaned;
}
