import type { Kysely, Selectable } from 'kysely';
import type { CacheIndexStore, CacheRecord } from '../cache-index-store.js';
import type { CachesTable } from './cache-schema.js';
import type { ControlDatabase } from './schema.js';

type EntryId = Pick<CacheRecord, 'projectId' | 'scope' | 'key' | 'version'>;

/** The cache index (CacheIndexStore) over Kysely. */
export class CacheQueries implements CacheIndexStore {
  constructor(private readonly db: Kysely<ControlDatabase>) {}

  async listCaches(projectId: number, filter?: { readonly version: string; readonly scopes: readonly string[] }): Promise<CacheRecord[]> {
    let query = this.db.selectFrom('caches').selectAll().where('project_id', '=', projectId);
    if (filter) {
      if (filter.scopes.length === 0) return [];
      query = query.where('version', '=', filter.version).where('scope', 'in', [...filter.scopes]);
    }
    return (await query.execute()).map(toRecord);
  }

  async addCache(record: CacheRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('caches')
      .values({
        project_id: record.projectId,
        scope: record.scope,
        key: record.key,
        version: record.version,
        digest: record.digest,
        size: record.size,
        created_at: record.createdAt,
        last_used_at: record.lastUsedAt,
      })
      .onConflict((conflict) => conflict.columns(['project_id', 'scope', 'key', 'version']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async touchCache(record: EntryId, now: number): Promise<void> {
    await this.db
      .updateTable('caches')
      .set({ last_used_at: now })
      .where('project_id', '=', record.projectId)
      .where('scope', '=', record.scope)
      .where('key', '=', record.key)
      .where('version', '=', record.version)
      .execute();
  }

  async removeCache(record: EntryId): Promise<void> {
    await this.db
      .deleteFrom('caches')
      .where('project_id', '=', record.projectId)
      .where('scope', '=', record.scope)
      .where('key', '=', record.key)
      .where('version', '=', record.version)
      .execute();
  }

  async cacheReferences(digest: string, projectId?: number): Promise<boolean> {
    let query = this.db.selectFrom('caches').select('digest').where('digest', '=', digest);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }
}

function toRecord(row: Selectable<CachesTable>): CacheRecord {
  return {
    projectId: Number(row.project_id),
    scope: row.scope,
    key: row.key,
    version: row.version,
    digest: row.digest,
    size: Number(row.size),
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
  };
}
