import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ControlDialect } from './schema-builders.js';
import { notNull, withId } from './schema-builders.js';

/**
 * Users, project members, refresh-token families, data keys, encrypted secrets and the audit
 * log; API tokens gain an owner and a scope. The audit log is append-only in the database
 * itself: triggers refuse UPDATE and DELETE, so a bug (or an attacker with the server's SQL
 * access but not the DBA's) cannot quietly rewrite history.
 */
export async function createIdentitySchema(db: Kysely<unknown>, dialect: ControlDialect): Promise<void> {
  await withId(db.schema.createTable('users'), dialect)
    .addColumn('username', 'text', (col) => col.notNull().unique())
    .addColumn('password_hash', 'text', notNull)
    .addColumn('is_admin', 'integer', notNull)
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', notNull)
    .execute();

  await db.schema
    .createTable('project_members')
    .addColumn('project_id', 'bigint', (col) => col.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
    .execute();
  await db.schema.createIndex('project_members_by_user').on('project_members').columns(['user_id']).execute();

  await withId(db.schema.createTable('refresh_tokens'), dialect)
    .addColumn('family_id', 'text', notNull)
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('expires_at', 'bigint', notNull)
    .addColumn('rotated_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_tokens_by_family').on('refresh_tokens').columns(['family_id']).execute();

  await withId(db.schema.createTable('data_keys'), dialect)
    .addColumn('wrapped', 'text', notNull)
    .addColumn('nonce', 'text', notNull)
    .addColumn('master_key_id', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .execute();

  await withId(db.schema.createTable('secrets'), dialect)
    .addColumn('project_id', 'bigint', (col) => col.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('environment', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('ciphertext', 'text', notNull)
    .addColumn('nonce', 'text', notNull)
    .addColumn('data_key_id', 'bigint', (col) => col.notNull().references('data_keys.id'))
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('updated_at', 'bigint', notNull)
    .addColumn('updated_by', 'text', notNull)
    .addUniqueConstraint('secrets_scope_name', ['project_id', 'environment', 'name'])
    .execute();

  await withId(db.schema.createTable('audit_log'), dialect)
    .addColumn('time', 'bigint', notNull)
    .addColumn('actor', 'text', notNull)
    .addColumn('action', 'text', notNull)
    .addColumn('resource', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('http_status', 'integer')
    .addColumn('trace_id', 'text', notNull)
    .addColumn('source_ip', 'text', notNull)
    .addColumn('detail', 'text', notNull)
    .execute();
  await db.schema.createIndex('audit_log_by_time').on('audit_log').columns(['time']).execute();
  await refuseAuditChanges(db, dialect);

  // API tokens belong to a user and are limited to projects and a role ({"projects":[1,2]|"*","role":"developer"}).
  await db.schema.alterTable('tokens').addColumn('user_id', 'bigint', (col) => col.references('users.id').onDelete('cascade')).execute();
  await db.schema.alterTable('tokens').addColumn('scope', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('last_used_at', 'bigint').execute();
}

async function refuseAuditChanges(db: Kysely<unknown>, dialect: ControlDialect): Promise<void> {
  if (dialect === 'sqlite') {
    for (const event of ['update', 'delete']) {
      await sql
        .raw(`create trigger audit_log_no_${event} before ${event} on audit_log begin select raise(abort, 'the audit log is append-only'); end`)
        .execute(db);
    }
    return;
  }
  await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
    begin raise exception 'the audit log is append-only'; end $$`.execute(db);
  await sql`create trigger audit_log_no_change before update or delete on audit_log
    for each statement execute function audit_log_append_only()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only()`.execute(db);
}
