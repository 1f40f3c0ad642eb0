/**
 * What artifact retention (the server's ArtifactCleaner) reads and changes in the control store:
 * every committed artifact with the names its storage keys are made of, the digests caches still
 * name, the SBOM sizes the storage gauge adds up, and a claim that lets one server of several run
 * a periodic duty. Part of the ControlStore (`store.artifactRetention`).
 */
export interface RetentionCandidateRecord {
  readonly id: number;
  readonly runId: number;
  readonly projectId: number;
  /** The project's and the run's (pipeline's) names: the artifact's storage keys are made of them. */
  readonly projectName: string;
  readonly pipeline: string;
  readonly name: string;
  readonly digest: string;
  readonly size: number;
  readonly sbomDigest: string;
  /** Null until recorded (artifacts committed before migration 0007, or not measured yet). */
  readonly sbomSize: number | null;
  readonly signature: string;
  readonly sbomSignature: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly expiresAt: number | null;
}

export interface ProjectStorageBytes {
  readonly projectName: string;
  /** Archives, SBOMs (as far as their sizes are recorded) and the two signature files of each artifact. */
  readonly bytes: number;
}

export interface ArtifactRetentionStore {
  /** Every committed artifact, oldest run first. */
  listRetentionCandidates(): Promise<RetentionCandidateRecord[]>;
  /** Deletes the artifact's row; false when it was already gone (another cleaner, a deleted run). */
  deleteArtifact(id: number): Promise<boolean>;
  /** The digest of every cache entry: their blobs are named by the cache index, not by refs. */
  listCacheDigests(): Promise<string[]>;
  /** Artifacts whose SBOM size is not recorded yet. */
  listUnsizedSboms(): Promise<{ readonly id: number; readonly sbomDigest: string }[]>;
  recordSbomSize(id: number, size: number): Promise<void>;
  /** Stored bytes per project that has artifacts, largest first. */
  storageBytesByProject(): Promise<ProjectStorageBytes[]>;
  /**
   * Claims the run of periodic duty `name` that is due at `now`: true for exactly one caller until
   * `nextAt`, also when several servers share the database (a conditional update, as schedules do).
   */
  claimPeriodicRun(name: string, now: number, nextAt: number): Promise<boolean>;
}
