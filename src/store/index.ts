export { SqliteRunStore } from './sqlite-run-store.js';
export type * from './control-store.js';
export type * from './identity-store.js';
export type * from './artifact-store.js';
export type * from './artifact-retention-store.js';
export type * from './cache-index-store.js';
export { KyselyControlStore, openControlStore } from './control/index.js';
export type {
  ControlDialect,
  ControlStoreLocation,
  KyselyControlStoreOptions,
  MigrationStatus,
  OpenControlStoreOptions,
} from './control/index.js';
