import type { Generated } from 'kysely';

/** Artifacts, uploads in progress and project signing keys (artifact-migration.ts). */
export interface ArtifactTables {
  artifacts: ArtifactsTable;
  artifact_uploads: ArtifactUploadsTable;
  project_signing_keys: ProjectSigningKeysTable;
}

export interface ArtifactsTable {
  id: Generated<number>;
  run_id: number;
  project_id: number;
  job_key: string;
  name: string;
  digest: string;
  size: number;
  file_count: number;
  sbom_digest: string;
  signature: string;
  sbom_signature: string;
  created_at: number;
  last_used_at: number;
  expires_at: number | null;
  /** Added by 0007 (artifact-use-migration.ts); null until recorded. */
  sbom_size: number | null;
}

export interface ArtifactUploadsTable {
  id: string;
  run_id: number;
  project_id: number;
  job_key: string;
  name: string;
  digest: string;
  size: number;
  received: number;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ProjectSigningKeysTable {
  project_id: number;
  public_key_pem: string;
  sealed_private_key: string;
  created_at: number;
}
