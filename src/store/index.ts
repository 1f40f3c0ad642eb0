export { SqliteRunStore } from './sqlite-run-store.js';
