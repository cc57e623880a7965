export { postgresProvider, withDatabase } from './postgres-testing.ts';
