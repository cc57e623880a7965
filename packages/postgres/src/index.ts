export { adapter, postgresAdapter } from './postgres-adapter.ts';
