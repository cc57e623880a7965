import type { BackendProvider } from '@switchyard/conformance';
import { mariadbProvider } from '@switchyard/mariadb/testing';
import { postgresProvider } from '@switchyard/postgres/testing';
import { sqliteProvider } from '@switchyard/sqlite/testing';

export interface BenchBackend {
  readonly name: string;
  readonly provider: BackendProvider;
  /** Server URL ('' for SQLite), or undefined when the backend is not configured. */
  readonly serverUrl: string | undefined;
}

/**
 * The backends to measure: SQLite always; a server when `BENCH_<NAME>_URL` (or the conformance
 * suite's `CONFORMANCE_<NAME>_URL`) names it. Each run creates and drops its own database.
 */
export function benchBackends(): BenchBackend[] {
  const env = (name: string) => process.env[`BENCH_${name}_URL`] ?? process.env[`CONFORMANCE_${name}_URL`];
  return [
    { name: 'sqlite', provider: sqliteProvider, serverUrl: '' },
    { name: 'postgres', provider: postgresProvider, serverUrl: env('POSTGRES') },
    { name: 'mariadb', provider: mariadbProvider, serverUrl: env('MARIADB') },
  ];
}
