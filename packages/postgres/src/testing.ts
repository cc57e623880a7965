export { postgresProvider, postgresRestarter, withDatabase } from './postgres-testing.ts';
