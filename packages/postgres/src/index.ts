export { adapter, type PostgresAdapterOptions, postgresAdapter } from './postgres-adapter.ts';
