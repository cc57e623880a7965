import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { BackendProvider, ServerRestarter, TestDatabase } from '@switchyard/conformance';
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

const run = promisify(execFile);
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const RESTART_TIMEOUT_MS = 60_000;

/** Why nothing on this machine can restart a server: root, the tools, a local host, not turned off. */
function localRestartRefusal(serverUrl: string, commands: readonly string[]): string | undefined {
  if (process.env.SWITCHYARD_FAULTS === 'off') return 'SWITCHYARD_FAULTS=off';
  if (process.getuid?.() !== 0) return 'restarting the server needs root (run the tests as root)';
  const missing = commands.filter((command) => !existsSync(command));
  if (missing.length > 0) return `${missing.join(', ')} not installed on this machine`;
  let host: string;
  try {
    host = new URL(serverUrl).hostname;
  } catch {
    return 'the server URL cannot be parsed';
  }
  if (!LOCAL_HOSTS.has(host)) {
    return `the server (${host}) is not on this machine (a managed service or container cannot be restarted by the tests)`;
  }
  return undefined;
}

/** The PostgreSQL cluster (`15 main`) of this machine listening on `port`, if any. */
async function clusterOnPort(
  port: number,
): Promise<{ version: string; name: string; status: string } | undefined> {
  const { stdout } = await run('/usr/bin/pg_lsclusters', ['--no-header']);
  for (const line of stdout.split('\n')) {
    const [version, name, clusterPort, status] = line.trim().split(/\s+/);
    if (version && name && Number(clusterPort) === port && status) return { version, name, status };
  }
  return undefined;
}

const portOf = (serverUrl: string) => Number(new URL(serverUrl).port || 5432);

/** Polls `check` until it succeeds; rejects after `timeoutMs` with its last error. */
async function waitUntilAnswering(check: () => Promise<void>, timeoutMs = RESTART_TIMEOUT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Restarts the local PostgreSQL cluster that listens on the URL's port (`pg_ctlcluster <version>
 * <cluster> restart`, found with `pg_lsclusters`), for the fault suite of `@switchyard/conformance`.
 * Needs root and the postgresql-common tools; refuses a server on another host.
 */
export const postgresRestarter: ServerRestarter = {
  describe: 'pg_ctlcluster restart',
  async available(serverUrl) {
    const refusal = localRestartRefusal(serverUrl, ['/usr/bin/pg_lsclusters', '/usr/bin/pg_ctlcluster']);
    if (refusal) return refusal;
    const cluster = await clusterOnPort(portOf(serverUrl)).catch(() => undefined);
    if (!cluster) return `no local PostgreSQL cluster (pg_lsclusters) listens on port ${portOf(serverUrl)}`;
    if (cluster.status !== 'online')
      return `the cluster ${cluster.version}/${cluster.name} is ${cluster.status}`;
    return undefined;
  },
  async restart(serverUrl) {
    const cluster = await clusterOnPort(portOf(serverUrl));
    if (!cluster) throw new Error(`no local PostgreSQL cluster listens on port ${portOf(serverUrl)}`);
    // Fast shutdown: open connections are terminated (57P01), as when a server is restarted for real.
    await run('/usr/bin/pg_ctlcluster', [
      '--skip-systemctl-redirect',
      '-m',
      'fast',
      cluster.version,
      cluster.name,
      'restart',
    ]);
    await waitUntilAnswering(() => postgresProvider.check(serverUrl));
  },
};
