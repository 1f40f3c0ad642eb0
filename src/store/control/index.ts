export { KyselyControlStore } from './kysely-control-store.js';
export type { KyselyControlStoreOptions, MigrationStatus } from './kysely-control-store.js';
export { openControlStore } from './open-control-store.js';
export type { ControlStoreLocation, OpenControlStoreOptions } from './open-control-store.js';
export type { ControlDialect } from './control-migrations.js';
