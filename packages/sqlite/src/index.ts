export { adapter, sqliteAdapter } from './sqlite-adapter.ts';
export { parseSqliteUrl, type SqliteLocation } from './sqlite-url.ts';
