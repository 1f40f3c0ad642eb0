import type { Kysely } from 'kysely';
import type { ControlDialect } from './schema-builders.js';
import { notNull } from './schema-builders.js';

/**
 * Caches (the archives live in the blob store): one row per project, branch, key and version. The primary
 * key refuses a second save of the same key, as actions/cache does; the digest index serves the question
 * "does anything still name this blob?" that eviction asks before deleting an archive.
 */
export async function createCacheSchema(db: Kysely<unknown>, _dialect: ControlDialect): Promise<void> {
  await db.schema
    .createTable('caches')
    .addColumn('project_id', 'bigint', (col) => col.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('scope', 'text', notNull)
    .addColumn('key', 'text', notNull)
    .addColumn('version', 'text', notNull)
    .addColumn('digest', 'text', notNull)
    .addColumn('size', 'bigint', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('last_used_at', 'bigint', notNull)
    .addPrimaryKeyConstraint('caches_pk', ['project_id', 'scope', 'key', 'version'])
    .execute();
  await db.schema.createIndex('caches_by_digest').on('caches').columns(['digest']).execute();
}
