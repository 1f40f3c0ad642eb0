// Runs against the real PostgreSQL (DEPLOYLITE_TEST_PG_DSN, else postgres://postgres@127.0.0.1:5432/test,
// else the same as user root). This file gets a database of its own, dropped at the end, and each
// test a schema of its own in it, so test files running in parallel never see each other's rows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { DeployliteError } from '../../../src/core/index.js';
import { openControlStore } from '../../../src/store/index.js';
import { describeControlStoreConformance } from './control-store-suite.js';

const database = `deploylite_test_${randomBytes(6).toString('hex')}`;
let baseDsn = '';
let client: pg.Client | undefined;
let count = 0;

/** The base DSN that accepts connections: the configured one, or the default as postgres, then as root. */
async function connectAdmin(): Promise<{ dsn: string; admin: pg.Client }> {
  const candidates = process.env.DEPLOYLITE_TEST_PG_DSN
    ? [process.env.DEPLOYLITE_TEST_PG_DSN]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
  let lastError: unknown;
  for (const dsn of candidates) {
    const admin = new pg.Client({ connectionString: dsn });
    try {
      await admin.connect();
      return { dsn, admin };
    } catch (error) {
      lastError = error;
      await admin.end().catch(() => undefined);
    }
  }
  throw lastError;
}

function dsnFor(databaseName: string, searchPath?: string): string {
  const url = new URL(baseDsn);
  url.pathname = `/${databaseName}`;
  if (searchPath) url.searchParams.set('options', `-c search_path=${searchPath}`);
  return url.toString();
}

before(async () => {
  const { dsn, admin } = await connectAdmin();
  baseDsn = dsn;
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  client = new pg.Client({ connectionString: dsnFor(database) });
  await client.connect();
});

after(async () => {
  await client?.end();
  const { admin } = await connectAdmin();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describeControlStoreConformance('postgres', async () => {
  const schema = `t${++count}`;
  await client?.query(`CREATE SCHEMA ${schema}`);
  return openControlStore({ postgresDsn: dsnFor(database, schema) });
});

test('bigint columns (ids, epoch milliseconds, counts) come back as numbers', async () => {
  const schema = `t${++count}`;
  await client?.query(`CREATE SCHEMA ${schema}`);
  const store = await openControlStore({ postgresDsn: dsnFor(database, schema) });
  try {
    await store.migrate();
    const project = await store.createProject(
      { name: 'web', repository: 'r', pipelinePath: 'p', defaultBranch: 'main', webhookSecret: 's', maxConcurrentJobs: null },
      1_800_000_000_123,
    );
    assert.deepEqual([typeof project.id, project.createdAt], ['number', 1_800_000_000_123]);
    assert.equal(await store.queueDepth(), 0);
  } finally {
    await store.close();
  }
});

test('a database that cannot be reached fails at open, naming it without the password', async () => {
  const url = new URL(baseDsn);
  url.password = 'hunter2-secret';
  url.port = '1';
  await assert.rejects(openControlStore({ postgresDsn: url.toString() }), (error: unknown) => {
    assert.ok(error instanceof DeployliteError);
    assert.equal(error.code, 'store.unavailable');
    assert.match(error.message, /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test/);
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
});
