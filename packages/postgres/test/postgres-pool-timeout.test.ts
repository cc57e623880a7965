/**
 * Pool exhaustion on PostgreSQL, against a live server (CONFORMANCE_POSTGRES_URL, else the local default): the
 * contract written once in the conformance package.
 */
import { describePoolContract } from '@switchyard/conformance';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider } from '../src/postgres-testing.ts';

describePoolContract({
  backend: 'PostgreSQL',
  adapter: postgresAdapter,
  provider: postgresProvider,
  serverUrl: process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
