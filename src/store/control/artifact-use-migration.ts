import type { Kysely } from 'kysely';
import { notNull } from './schema-builders.js';

/**
 * Migration 0007, for artifact retention. `last_used_at` and `expires_at` were already part of 0005
 * (a download or a runner's restore for a `needs` job sets the first; a job's `expire-in` the second),
 * so this adds what the cleaner and the storage gauge still lacked:
 * - `artifacts.sbom_size`: the SBOM's bytes, recorded once (an SBOM never changes) so that
 *   `deploylite_artifact_storage_bytes` is one query at scrape time, not a stat per blob. Null for
 *   rows committed before; the gauge and the cleaner fill it in from the blob store.
 * - `periodic_claims`: when a periodic duty is next due; a conditional update on it lets one server
 *   of several sharing a database run the hourly cleanup.
 */
export async function addArtifactUse(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('artifacts').addColumn('sbom_size', 'bigint').execute();
  await db.schema
    .createTable('periodic_claims')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('next_at', 'bigint', notNull)
    .execute();
}
