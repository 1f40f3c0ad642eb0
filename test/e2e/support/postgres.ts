// A fresh database on the PostgreSQL that runs on this machine (and in CI), dropped when
// the test process ends. DEPLOYLITE_TEST_PG_DSN overrides where it is.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const BASE = process.env.DEPLOYLITE_TEST_PG_DSN ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function freshDatabase(): Promise<{ dsn: string; drop(): Promise<void> }> {
  const name = `deploylite_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  return {
    dsn: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: BASE });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
