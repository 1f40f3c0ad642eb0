/**
 * What the control plane keeps about job artifacts (the bytes are in the blob store): committed
 * artifacts, uploads in progress, and each project's signing key. Part of the ControlStore
 * (`store.artifacts`), over the same database. An artifact is visible only once committed: an
 * upload is a separate row until `commitArtifact` replaces it by the artifact in one transaction.
 */
export interface ArtifactRecord {
  readonly id: number;
  readonly runId: number;
  readonly projectId: number;
  readonly jobKey: string;
  readonly name: string;
  /** `sha256:…` of the archive. */
  readonly digest: string;
  readonly size: number;
  readonly fileCount: number;
  readonly sbomDigest: string;
  /** Base64 ECDSA signatures (cosign's `.sig` format) of the archive and of the SBOM. */
  readonly signature: string;
  readonly sbomSignature: string;
  readonly createdAt: number;
  /** The last download or restore; `createdAt` until then (retention's idle rule). */
  readonly lastUsedAt: number;
  /** From the job's `expire-in`; null: never. */
  readonly expiresAt: number | null;
}

export type NewArtifact = Omit<ArtifactRecord, 'id' | 'lastUsedAt'>;

/** An upload in progress: bytes `[0, received)` are in the server's staging file. */
export interface ArtifactUploadRecord {
  /** Random, unguessable; the upload's address. */
  readonly id: string;
  readonly runId: number;
  readonly projectId: number;
  readonly jobKey: string;
  readonly name: string;
  readonly digest: string;
  readonly size: number;
  readonly received: number;
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ProjectSigningKeyRecord {
  readonly projectId: number;
  readonly publicKeyPem: string;
  readonly sealedPrivateKey: string;
  readonly createdAt: number;
}

export interface ArtifactStore {
  /** The run's upload of `name`, if one is in progress. */
  findUpload(runId: number, name: string): Promise<ArtifactUploadRecord | undefined>;
  getUpload(id: string): Promise<ArtifactUploadRecord | undefined>;
  /** Replaces any upload of the same run and name (a new attempt with other bytes). */
  startUpload(upload: Omit<ArtifactUploadRecord, 'received' | 'updatedAt'>): Promise<ArtifactUploadRecord>;
  /** Moves `received` from `from` to `to`, only if it still is `from`; false when another request moved it. */
  advanceUpload(id: string, from: number, to: number, now: number): Promise<boolean>;
  deleteUpload(id: string): Promise<void>;
  /** Uploads not written to since `before` (epoch ms): abandoned by a runner that never came back. */
  listStaleUploads(before: number): Promise<ArtifactUploadRecord[]>;
  /** The upload becomes the artifact (replacing an earlier one of the same run and name), atomically. */
  commitArtifact(uploadId: string, artifact: NewArtifact): Promise<ArtifactRecord>;
  /** Committed artifacts of a run, by name. */
  listArtifacts(runId: number): Promise<ArtifactRecord[]>;
  getArtifact(runId: number, name: string): Promise<ArtifactRecord | undefined>;
  markArtifactUsed(id: number, now: number): Promise<void>;
  getSigningKey(projectId: number): Promise<ProjectSigningKeyRecord | undefined>;
  /** Stores the key unless the project has one; returns the project's key either way (two servers may race). */
  putSigningKeyIfAbsent(key: ProjectSigningKeyRecord): Promise<ProjectSigningKeyRecord>;
}
