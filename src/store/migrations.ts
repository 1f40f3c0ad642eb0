import type Database from 'better-sqlite3';

/**
 * Versioned schema changes, applied in order inside one transaction each; `user_version`
 * records how far a database is. Never edit a released migration: add the next one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     file TEXT NOT NULL,
     source TEXT NOT NULL,
     status TEXT NOT NULL,
     options TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER,
     attempt INTEGER NOT NULL DEFAULT 1
   );
   CREATE TABLE jobs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     job_id TEXT NOT NULL,
     matrix_index INTEGER,
     matrix TEXT,
     name TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     exit_code INTEGER,
     started_at INTEGER,
     finished_at INTEGER,
     outputs TEXT NOT NULL,
     rollback_status TEXT,
     error TEXT,
     continue_on_error INTEGER NOT NULL,
     pid INTEGER,
     UNIQUE (run_id, key)
   );
   CREATE TABLE logs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     job_key TEXT NOT NULL,
     stream TEXT NOT NULL,
     time INTEGER NOT NULL,
     text TEXT NOT NULL
   );
   CREATE INDEX logs_by_job ON logs (run_id, job_key, id);`,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the run database was written by a newer DeployLite (schema ${current}); upgrade DeployLite`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
