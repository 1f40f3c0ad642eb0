/** Caches (cache-migration.ts). */
export interface CacheTables {
  caches: CachesTable;
}

export interface CachesTable {
  project_id: number;
  scope: string;
  key: string;
  version: string;
  digest: string;
  size: number;
  created_at: number;
  last_used_at: number;
}
