import { randomBytes } from 'node:crypto';
import type { BackendProvider, TestDatabase } from '@switchyard/conformance';
import type { Adapter } from '@switchyard/core/adapter';
import { adapter as mariadb } from '@switchyard/mariadb';
import { mariadbProvider } from '@switchyard/mariadb/testing';
import { adapter as postgres } from '@switchyard/postgres';
import { postgresProvider } from '@switchyard/postgres/testing';
import { adapter as sqlite } from '@switchyard/sqlite';
import { sqliteProvider } from '@switchyard/sqlite/testing';
import { describe, it } from 'vitest';

/** A backend the tests can create throwaway databases on. */
export interface TestBackend {
  readonly name: string;
  /** Whether a failed migration's DDL is rolled back (else it is recorded as partial). */
  readonly transactionalDdl: boolean;
  createDatabase(purpose: string): Promise<TestDatabase>;
}

const backends: readonly (readonly [BackendProvider, Adapter])[] = [
  [sqliteProvider, sqlite],
  [postgresProvider, postgres],
  [mariadbProvider, mariadb],
];

/** The conformance suite's rule: under `CI=true` or `CONFORMANCE_REQUIRE`, a missing server is a failure. */
function isRequired(backend: string): boolean {
  const required = (process.env.CONFORMANCE_REQUIRE ?? '').split(',').map((s) => s.trim().toLowerCase());
  return process.env.CI === 'true' || required.includes(backend) || required.includes('all');
}

function databaseName(purpose: string): string {
  return `cli_${purpose.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

/**
 * Registers `body` once per backend: SQLite always, PostgreSQL and MariaDB on the servers named by
 * CONFORMANCE_POSTGRES_URL and CONFORMANCE_MARIADB_URL. Without a URL the backend's tests are
 * skipped with one line saying why — or fail, where the backend is required.
 */
export function describeEachBackend(title: string, body: (backend: TestBackend) => void): void {
  for (const [provider, adapter] of backends) {
    const serverUrl = provider.urlVariable ? process.env[provider.urlVariable] : '';
    const backend: TestBackend = {
      name: provider.backend,
      transactionalDdl: adapter.transactionalDdl === true,
      createDatabase: (purpose) => provider.createDatabase(serverUrl ?? '', databaseName(purpose)),
    };
    if (!provider.urlVariable || serverUrl) {
      describe(`${title} on ${provider.backend}`, () => body(backend));
      continue;
    }
    const reason = `${provider.urlVariable} is not set (point it at a server to run these tests)`;
    if (isRequired(provider.backend)) {
      describe(`${title} on ${provider.backend}`, () => {
        it(`needs ${provider.backend}, which is required here (CI=true or CONFORMANCE_REQUIRE)`, () => {
          throw new Error(`${provider.backend} is required but ${reason}`);
        });
      });
      continue;
    }
    console.warn(`[cli tests] ${title} on ${provider.backend}: skipped, ${reason}`);
    describe.skip(`${title} on ${provider.backend} (skipped: ${reason})`, () => body(backend));
  }
}
