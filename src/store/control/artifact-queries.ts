import type { Kysely, Selectable } from 'kysely';
import { NotFoundError } from '../../core/index.js';
import type { ArtifactRecord, ArtifactStore, ArtifactUploadRecord, NewArtifact, ProjectSigningKeyRecord } from '../artifact-store.js';
import type { ArtifactsTable, ArtifactUploadsTable, ProjectSigningKeysTable } from './artifact-schema.js';
import type { ControlDialect } from './schema-builders.js';
import type { ControlDatabase } from './schema.js';
import { inWriteTransaction } from './write-transaction.js';

/** Artifacts, their uploads and project signing keys (ArtifactStore) over Kysely. */
export class ArtifactQueries implements ArtifactStore {
  constructor(
    private readonly db: Kysely<ControlDatabase>,
    private readonly dialect: ControlDialect,
  ) {}

  async findUpload(runId: number, name: string): Promise<ArtifactUploadRecord | undefined> {
    const row = await this.db.selectFrom('artifact_uploads').selectAll().where('run_id', '=', runId).where('name', '=', name).executeTakeFirst();
    return row && toUpload(row);
  }

  async getUpload(id: string): Promise<ArtifactUploadRecord | undefined> {
    const row = await this.db.selectFrom('artifact_uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUpload(row);
  }

  async startUpload(upload: Omit<ArtifactUploadRecord, 'received' | 'updatedAt'>): Promise<ArtifactUploadRecord> {
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      await trx.deleteFrom('artifact_uploads').where('run_id', '=', upload.runId).where('name', '=', upload.name).execute();
      const row = await trx
        .insertInto('artifact_uploads')
        .values({
          id: upload.id,
          run_id: upload.runId,
          project_id: upload.projectId,
          job_key: upload.jobKey,
          name: upload.name,
          digest: upload.digest,
          size: upload.size,
          received: 0,
          expires_at: upload.expiresAt,
          created_at: upload.createdAt,
          updated_at: upload.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUpload(row);
    });
  }

  async advanceUpload(id: string, from: number, to: number, now: number): Promise<boolean> {
    const result = await this.db.updateTable('artifact_uploads').set({ received: to, updated_at: now }).where('id', '=', id).where('received', '=', from).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteUpload(id: string): Promise<void> {
    await this.db.deleteFrom('artifact_uploads').where('id', '=', id).execute();
  }

  async listStaleUploads(before: number): Promise<ArtifactUploadRecord[]> {
    return (await this.db.selectFrom('artifact_uploads').selectAll().where('updated_at', '<', before).orderBy('updated_at').execute()).map(toUpload);
  }

  async commitArtifact(uploadId: string, artifact: NewArtifact): Promise<ArtifactRecord> {
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      const removed = await trx.deleteFrom('artifact_uploads').where('id', '=', uploadId).executeTakeFirst();
      if (removed.numDeletedRows === 0n) throw new NotFoundError(`upload ${uploadId} is gone (committed or replaced by another attempt)`);
      await trx.deleteFrom('artifacts').where('run_id', '=', artifact.runId).where('name', '=', artifact.name).execute();
      const row = await trx
        .insertInto('artifacts')
        .values({
          run_id: artifact.runId,
          project_id: artifact.projectId,
          job_key: artifact.jobKey,
          name: artifact.name,
          digest: artifact.digest,
          size: artifact.size,
          file_count: artifact.fileCount,
          sbom_digest: artifact.sbomDigest,
          signature: artifact.signature,
          sbom_signature: artifact.sbomSignature,
          created_at: artifact.createdAt,
          last_used_at: artifact.createdAt,
          expires_at: artifact.expiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toArtifact(row);
    });
  }

  async listArtifacts(runId: number): Promise<ArtifactRecord[]> {
    return (await this.db.selectFrom('artifacts').selectAll().where('run_id', '=', runId).orderBy('name').execute()).map(toArtifact);
  }

  async getArtifact(runId: number, name: string): Promise<ArtifactRecord | undefined> {
    const row = await this.db.selectFrom('artifacts').selectAll().where('run_id', '=', runId).where('name', '=', name).executeTakeFirst();
    return row && toArtifact(row);
  }

  async markArtifactUsed(id: number, now: number): Promise<void> {
    await this.db.updateTable('artifacts').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async getSigningKey(projectId: number): Promise<ProjectSigningKeyRecord | undefined> {
    const row = await this.db.selectFrom('project_signing_keys').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row && toSigningKey(row);
  }

  async putSigningKeyIfAbsent(key: ProjectSigningKeyRecord): Promise<ProjectSigningKeyRecord> {
    await this.db
      .insertInto('project_signing_keys')
      .values({ project_id: key.projectId, public_key_pem: key.publicKeyPem, sealed_private_key: key.sealedPrivateKey, created_at: key.createdAt })
      .onConflict((oc) => oc.column('project_id').doNothing())
      .execute();
    const stored = await this.getSigningKey(key.projectId);
    if (!stored) throw new NotFoundError(`project ${key.projectId} does not exist`);
    return stored;
  }
}

function toArtifact(row: Selectable<ArtifactsTable>): ArtifactRecord {
  return {
    id: row.id,
    runId: row.run_id,
    projectId: row.project_id,
    jobKey: row.job_key,
    name: row.name,
    digest: row.digest,
    size: Number(row.size),
    fileCount: row.file_count,
    sbomDigest: row.sbom_digest,
    signature: row.signature,
    sbomSignature: row.sbom_signature,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  };
}

function toUpload(row: Selectable<ArtifactUploadsTable>): ArtifactUploadRecord {
  return {
    id: row.id,
    runId: row.run_id,
    projectId: row.project_id,
    jobKey: row.job_key,
    name: row.name,
    digest: row.digest,
    size: Number(row.size),
    received: Number(row.received),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSigningKey(row: Selectable<ProjectSigningKeysTable>): ProjectSigningKeyRecord {
  return { projectId: row.project_id, publicKeyPem: row.public_key_pem, sealedPrivateKey: row.sealed_private_key, createdAt: row.created_at };
}
