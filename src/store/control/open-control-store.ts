import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { coerceError, DeployliteError } from '../../core/index.js';
import { KyselyControlStore } from './kysely-control-store.js';
import type { KyselyControlStoreOptions } from './kysely-control-store.js';
import type { ControlDatabase } from './schema.js';

export type ControlStoreLocation = { readonly sqlitePath: string } | { readonly postgresDsn: string };

export type OpenControlStoreOptions = ControlStoreLocation & KyselyControlStoreOptions;

/**
 * Opens the control plane's database: a SQLite file (created with its directory when
 * missing) or a PostgreSQL pool (checked with one query, so a wrong DSN fails here and not at
 * the first request). It does not migrate: the server calls `migrate()` when it starts.
 */
export async function openControlStore(options: OpenControlStoreOptions): Promise<KyselyControlStore> {
  return 'sqlitePath' in options ? openSqlite(options.sqlitePath, options) : openPostgres(options.postgresDsn, options);
}

function openSqlite(path: string, options: KyselyControlStoreOptions): KyselyControlStore {
  let database: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
    // WAL lets readers proceed while one writer commits; NORMAL syncs at checkpoints, so a
    // crash of the process loses nothing committed (power loss may lose the last commits).
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
  } catch (thrown) {
    throw new DeployliteError('store.unavailable', `cannot open the SQLite database ${path}: ${coerceError(thrown).message}`);
  }
  return new KyselyControlStore(new Kysely<ControlDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), 'sqlite', options);
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew, and preparing costs as much as running a small query
 * (it was a tenth of the scheduler's CPU). The server runs the same few dozen statements all
 * the time, so prepared statements are kept by SQL text, least recently used dropped first.
 * Safe because Kysely's SQLite driver runs one query at a time on its connection.
 */
function withStatementCache(database: Database.Database): ConstructorParameters<typeof SqliteDialect>[0]['database'] {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement) {
        cache.delete(sqlText);
      } else {
        statement = database.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}

const INT8_OID = 20;

/**
 * bigint columns (ids, epoch milliseconds, count(*)) come back as numbers rather than pg's
 * default strings. Set per pool, not with pg.types.setTypeParser, which would change every
 * other pg user in the process. Epoch milliseconds and ids stay far below 2^53.
 */
const numericInt8 = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function openPostgres(dsn: string, options: KyselyControlStoreOptions): Promise<KyselyControlStore> {
  const pool = new pg.Pool({ connectionString: dsn, types: numericInt8 });
  // An idle connection that breaks (the database restarted) is dropped by the pool; the next
  // query opens a new one or reports the failure. Without a listener it would crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<ControlDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (thrown) {
    await db.destroy().catch(() => undefined);
    throw new DeployliteError('store.unavailable', `cannot connect to ${describeDsn(dsn)}: ${coerceError(thrown).message}`);
  }
  return new KyselyControlStore(db, 'postgres', options);
}

/** Where a DSN points, without its password (errors are logged and shown). */
function describeDsn(dsn: string): string {
  try {
    const url = new URL(dsn);
    const database = url.pathname.replace(/^\//, '');
    return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${database ? `/${database}` : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}
