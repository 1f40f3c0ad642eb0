import type { Kysely } from 'kysely';
import type { ControlDialect } from './schema-builders.js';
import { notNull, withId } from './schema-builders.js';

/**
 * Job artifacts (the bytes live in the blob store, under handbook 5.8 keys), uploads in progress
 * (separate rows, so a half-uploaded artifact is never listed), and each project's signing key
 * (the private half sealed by the secret vault). Deleting a run deletes its artifacts' rows; the
 * blobs go with the next orphan sweep.
 */
export async function createArtifactSchema(db: Kysely<unknown>, dialect: ControlDialect): Promise<void> {
  await withId(db.schema.createTable('artifacts'), dialect)
    .addColumn('run_id', 'bigint', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('project_id', 'bigint', (col) => col.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('job_key', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('digest', 'text', notNull)
    .addColumn('size', 'bigint', notNull)
    .addColumn('file_count', 'integer', notNull)
    .addColumn('sbom_digest', 'text', notNull)
    .addColumn('signature', 'text', notNull)
    .addColumn('sbom_signature', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('last_used_at', 'bigint', notNull)
    .addColumn('expires_at', 'bigint')
    .addUniqueConstraint('artifacts_run_name', ['run_id', 'name'])
    .execute();
  await db.schema.createIndex('artifacts_by_project').on('artifacts').columns(['project_id', 'run_id']).execute();

  await db.schema
    .createTable('artifact_uploads')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('run_id', 'bigint', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('project_id', 'bigint', notNull)
    .addColumn('job_key', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('digest', 'text', notNull)
    .addColumn('size', 'bigint', notNull)
    .addColumn('received', 'bigint', notNull)
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .addUniqueConstraint('artifact_uploads_run_name', ['run_id', 'name'])
    .execute();

  await db.schema
    .createTable('project_signing_keys')
    .addColumn('project_id', 'bigint', (col) => col.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('public_key_pem', 'text', notNull)
    .addColumn('sealed_private_key', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .execute();
}
