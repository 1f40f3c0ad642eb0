import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ArtifactRetentionStore, ProjectStorageBytes, RetentionCandidateRecord } from '../artifact-retention-store.js';
import type { ControlDatabase } from './schema.js';

/** What artifact retention reads and changes (ArtifactRetentionStore) over Kysely. */
export class ArtifactRetentionQueries implements ArtifactRetentionStore {
  constructor(private readonly db: Kysely<ControlDatabase>) {}

  async listRetentionCandidates(): Promise<RetentionCandidateRecord[]> {
    const rows = await this.db
      .selectFrom('artifacts')
      .innerJoin('runs', 'runs.id', 'artifacts.run_id')
      .innerJoin('projects', 'projects.id', 'artifacts.project_id')
      .select([
        'artifacts.id',
        'artifacts.run_id',
        'artifacts.project_id',
        'projects.name as project_name',
        'runs.name as pipeline',
        'artifacts.name',
        'artifacts.digest',
        'artifacts.size',
        'artifacts.sbom_digest',
        'artifacts.sbom_size',
        'artifacts.signature',
        'artifacts.sbom_signature',
        'artifacts.created_at',
        'artifacts.last_used_at',
        'artifacts.expires_at',
      ])
      .orderBy('artifacts.run_id')
      .orderBy('artifacts.name')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      runId: Number(row.run_id),
      projectId: Number(row.project_id),
      projectName: row.project_name,
      pipeline: row.pipeline,
      name: row.name,
      digest: row.digest,
      size: Number(row.size),
      sbomDigest: row.sbom_digest,
      sbomSize: row.sbom_size === null ? null : Number(row.sbom_size),
      signature: row.signature,
      sbomSignature: row.sbom_signature,
      createdAt: Number(row.created_at),
      lastUsedAt: Number(row.last_used_at),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    }));
  }

  async deleteArtifact(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('artifacts').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listCacheDigests(): Promise<string[]> {
    return (await this.db.selectFrom('caches').select('digest').distinct().execute()).map((row) => row.digest);
  }

  async listUnsizedSboms(): Promise<{ id: number; sbomDigest: string }[]> {
    const rows = await this.db.selectFrom('artifacts').select(['id', 'sbom_digest']).where('sbom_size', 'is', null).orderBy('id').execute();
    return rows.map((row) => ({ id: Number(row.id), sbomDigest: row.sbom_digest }));
  }

  async recordSbomSize(id: number, size: number): Promise<void> {
    await this.db.updateTable('artifacts').set({ sbom_size: size }).where('id', '=', id).execute();
  }

  async storageBytesByProject(): Promise<ProjectStorageBytes[]> {
    // A signature blob is the base64 signature and a newline (ArtifactService.commitUpload), so its size is
    // known from the row; base64 is ASCII, so characters are bytes in both dialects.
    const bytes = sql<number | string>`sum(artifacts.size + coalesce(artifacts.sbom_size, 0) + length(artifacts.signature) + length(artifacts.sbom_signature) + 2)`;
    const rows = await this.db
      .selectFrom('artifacts')
      .innerJoin('projects', 'projects.id', 'artifacts.project_id')
      .select(['projects.name as project_name', bytes.as('bytes')])
      .groupBy('projects.name')
      .execute();
    return rows.map((row) => ({ projectName: row.project_name, bytes: Number(row.bytes) })).sort((a, b) => b.bytes - a.bytes || a.projectName.localeCompare(b.projectName));
  }

  async claimPeriodicRun(name: string, now: number, nextAt: number): Promise<boolean> {
    const inserted = await this.db
      .insertInto('periodic_claims')
      .values({ name, next_at: nextAt })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return true;
    const updated = await this.db.updateTable('periodic_claims').set({ next_at: nextAt }).where('name', '=', name).where('next_at', '<=', now).executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }
}
