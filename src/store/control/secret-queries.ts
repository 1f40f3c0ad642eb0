import type { Kysely, Selectable } from 'kysely';
import type { DataKeyRecord, NewSecret, SecretRecord, SecretStore } from '../identity-store.js';
import type { DataKeysTable, SecretsTable } from './identity-schema.js';
import type { ControlDatabase } from './schema.js';

/** Data keys and sealed secrets (SecretStore) over Kysely; nothing here ever sees a plaintext. */
export class SecretQueries implements SecretStore {
  constructor(private readonly db: Kysely<ControlDatabase>) {}

  async currentDataKey(): Promise<DataKeyRecord | undefined> {
    const row = await this.db.selectFrom('data_keys').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row && toDataKey(row);
  }

  async getDataKey(id: number): Promise<DataKeyRecord | undefined> {
    const row = await this.db.selectFrom('data_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDataKey(row);
  }

  async listDataKeys(): Promise<DataKeyRecord[]> {
    return (await this.db.selectFrom('data_keys').selectAll().orderBy('id').execute()).map(toDataKey);
  }

  async addDataKey(key: Omit<DataKeyRecord, 'id'>): Promise<DataKeyRecord> {
    const row = await this.db
      .insertInto('data_keys')
      .values({ wrapped: key.wrapped, nonce: key.nonce, master_key_id: key.masterKeyId, created_at: key.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDataKey(row);
  }

  async rewrapDataKey(id: number, wrapped: string, nonce: string, masterKeyId: string): Promise<void> {
    await this.db.updateTable('data_keys').set({ wrapped, nonce, master_key_id: masterKeyId }).where('id', '=', id).execute();
  }

  async putSecret(secret: NewSecret): Promise<SecretRecord> {
    const row = await this.db
      .insertInto('secrets')
      .values({
        project_id: secret.projectId,
        environment: secret.environment,
        name: secret.name,
        ciphertext: secret.ciphertext,
        nonce: secret.nonce,
        data_key_id: secret.dataKeyId,
        created_at: secret.updatedAt,
        updated_at: secret.updatedAt,
        updated_by: secret.updatedBy,
      })
      .onConflict((oc) =>
        oc.columns(['project_id', 'environment', 'name']).doUpdateSet((eb) => ({
          ciphertext: eb.ref('excluded.ciphertext'),
          nonce: eb.ref('excluded.nonce'),
          data_key_id: eb.ref('excluded.data_key_id'),
          updated_at: eb.ref('excluded.updated_at'),
          updated_by: eb.ref('excluded.updated_by'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSecret(row);
  }

  async deleteSecret(projectId: number, environment: string, name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('secrets')
      .where('project_id', '=', projectId)
      .where('environment', '=', environment)
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listSecrets(projectId: number): Promise<SecretRecord[]> {
    const rows = await this.db.selectFrom('secrets').selectAll().where('project_id', '=', projectId).orderBy('environment').orderBy('name').execute();
    return rows.map(toSecret);
  }

  async listSecretsByDataKey(dataKeyId: number): Promise<SecretRecord[]> {
    return (await this.db.selectFrom('secrets').selectAll().where('data_key_id', '=', dataKeyId).orderBy('id').execute()).map(toSecret);
  }

  async resealSecret(id: number, expectUpdatedAt: number, sealed: { ciphertext: string; nonce: string; dataKeyId: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('secrets')
      .set({ ciphertext: sealed.ciphertext, nonce: sealed.nonce, data_key_id: sealed.dataKeyId })
      .where('id', '=', id)
      .where('updated_at', '=', expectUpdatedAt)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function toDataKey(row: Selectable<DataKeysTable>): DataKeyRecord {
  return { id: row.id, wrapped: row.wrapped, nonce: row.nonce, masterKeyId: row.master_key_id, createdAt: row.created_at };
}

function toSecret(row: Selectable<SecretsTable>): SecretRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    environment: row.environment,
    name: row.name,
    ciphertext: row.ciphertext,
    nonce: row.nonce,
    dataKeyId: row.data_key_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
