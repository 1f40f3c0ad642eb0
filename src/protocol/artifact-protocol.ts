import { z } from 'zod';

/**
 * Artifacts over the runner protocol (docs/artifacts.md#artifacts), every call under the job's lease, so the
 * server knows the run and job without trusting the runner with them. Upload, after the job:
 *
 *   POST /api/v1/runner/leases/{id}/artifacts                       name, digest, size, expireIn → uploadId and
 *                                                                   the offset the server holds (0, or more
 *                                                                   when resuming the same name and digest)
 *   PUT  /api/v1/runner/leases/{id}/artifacts/uploads/{u}?offset=N  raw bytes from N; the server keeps what
 *                                                                   arrived even when cut short → new offset
 *   POST /api/v1/runner/leases/{id}/artifacts/uploads/{u}/commit    digest checked, SBOM built, signed, visible
 *
 * After a network failure the runner asks POST …/artifacts again and continues from the offset it answers.
 * Restore, before a job that needs others:
 *
 *   GET  /api/v1/runner/leases/{id}/artifacts                       the artifacts of the lease's run
 *   GET  /api/v1/runner/leases/{id}/artifacts/{name}                one archive, checked against its digest
 */
export const StartArtifactUpload = z.object({
  name: z.string().min(1).max(100),
  digest: z.string().max(80),
  size: z.number().int().min(0),
  /** Milliseconds until it expires, or 'never'; absent: the server's default (30 days). */
  expireIn: z.union([z.number().int().positive(), z.literal('never')]).optional(),
});
export type StartArtifactUpload = z.infer<typeof StartArtifactUpload>;

export const ArtifactUploadState = z.object({ uploadId: z.string(), offset: z.number().int().min(0) });
export type ArtifactUploadState = z.infer<typeof ArtifactUploadState>;

export const ArtifactSummary = z.object({
  name: z.string(),
  /** The key of the job that made it. */
  job: z.string(),
  /** `sha256:` of the archive (a tar whose first entry is its manifest). */
  digest: z.string(),
  size: z.number().int(),
  files: z.number().int(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  sbomDigest: z.string(),
  /** Base64 ECDSA P-256 signature of the archive's SHA-256: cosign's `.sig` format. */
  signature: z.string(),
  sbomSignature: z.string(),
});
export type ArtifactSummary = z.infer<typeof ArtifactSummary>;

export const ArtifactList = z.object({ artifacts: z.array(ArtifactSummary) });
export type ArtifactList = z.infer<typeof ArtifactList>;
