export { openDatabase, redact, type Database, type Driver, type OpenOptions } from './open.js';
export { migrate, listMigrations } from './migrate.js';
export type * from './schema.js';
