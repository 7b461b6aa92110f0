export { listMigrations, migrate } from './migrate.ts';
export { DEFAULT_DATA_DIR, isPostgresUrl, openDatabase, resolveDbTarget } from './open.ts';
export type { Db, Engine, Queryable, Row, Tx } from './port.ts';
