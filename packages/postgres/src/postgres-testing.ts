import type { BackendProvider, TestDatabase } from '@switchyard/conformance';
import { redactUrl } from '@switchyard/core/adapter';
import pg from 'pg';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs one statement on a short-lived connection to `url`. */
async function runOnce(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An 'error' event without a listener would crash the process if the server goes away.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(statement);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`PostgreSQL at ${redactUrl(url)}: ${message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `serverUrl` with its database replaced by `database`. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * How `@switchyard/conformance` gets PostgreSQL databases: `CONFORMANCE_POSTGRES_URL` (any
 * database on the server; each suite creates its own next to it), else a `postgres:17.6`
 * container.
 */
export const postgresProvider: BackendProvider = {
  backend: 'postgres',
  urlVariable: 'CONFORMANCE_POSTGRES_URL',
  container: {
    image: 'postgres:17.6',
    port: 5432,
    environment: { POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'test' },
    // The entrypoint starts the server twice (init, then for real): wait for the second.
    readyLog: { text: 'database system is ready to accept connections', times: 2 },
    serverUrl: (host, port) => `postgres://postgres:postgres@${host}:${port}/test`,
  },
  check: (serverUrl) => runOnce(serverUrl, 'SELECT 1'),
  async createDatabase(serverUrl, name): Promise<TestDatabase> {
    await runOnce(serverUrl, `CREATE DATABASE ${quote(name)}`);
    return {
      url: withDatabase(serverUrl, name),
      drop: () => runOnce(serverUrl, `DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`),
    };
  },
};
