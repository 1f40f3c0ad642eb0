// Against the real PostgreSQL (see test/e2e/support/postgres.ts): a database for this file,
// dropped at the end, and a schema per test in it.
import { after, before } from 'node:test';
import pg from 'pg';
import { openControlStore } from '../../../../src/store/index.js';
import { freshDatabase } from '../../../e2e/support/postgres.js';
import { describeScheduler } from './scheduler-suite.js';

let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
let client: pg.Client | undefined;
let count = 0;

before(async () => {
  database = await freshDatabase();
  client = new pg.Client({ connectionString: database.dsn });
  await client.connect();
});

after(async () => {
  await client?.end();
  await database?.drop();
});

describeScheduler('postgres', async () => {
  const schema = `t${++count}`;
  await client?.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(database?.dsn ?? '');
  url.searchParams.set('options', `-c search_path=${schema}`);
  return openControlStore({ postgresDsn: url.toString() });
});
