import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { BackendProvider, ServerRestarter, TestDatabase } from '@switchyard/conformance';
import { type Connection, createConnection } from 'mysql2/promise';
import { parseMariadbUrl } from './mariadb-url.ts';

const CONNECT_TIMEOUT_MS = 5000;

async function connect(serverUrl: string): Promise<Connection> {
  const location = parseMariadbUrl(serverUrl);
  return createConnection({
    host: location.host,
    port: location.port,
    user: location.user,
    password: location.password,
    database: location.database,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
}

async function withConnection<T>(serverUrl: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(serverUrl);
  try {
    return await fn(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * Drops a database even while connections still use it: they are killed first, so a transaction
 * left open (holding a metadata lock) cannot make DROP DATABASE wait.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withConnection(serverUrl, async (connection) => {
    const [rows] = await connection.query(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
      [name],
    );
    for (const { id } of rows as { id: number }[]) {
      await connection.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
    }
    await connection.query('SET SESSION lock_wait_timeout = 30');
    await connection.query(`DROP DATABASE IF EXISTS ${quote(name)}`);
  });
}

/**
 * Moves every FULLTEXT cache of the database into its index now. InnoDB does it in the background
 * once a table's cache outgrows a tenth of innodb_ft_cache_size, and empties the cache before it
 * commits the move: a MATCH in between misses the documents being moved (see the README's search
 * limits). OPTIMIZE TABLE with innodb_optimize_fulltext_only only syncs and optimizes the FULLTEXT
 * indexes; the variable is global (admin rights), so it is switched on for these statements only.
 */
async function settleFulltext(databaseUrl: string): Promise<void> {
  await withConnection(databaseUrl, async (connection) => {
    const [rows] = await connection.query(
      "SELECT DISTINCT TABLE_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE = 'FULLTEXT'",
    );
    const tables = (rows as { name: string }[]).map((r) => r.name);
    if (tables.length === 0) return;
    await connection.query('SET GLOBAL innodb_optimize_fulltext_only = ON');
    try {
      for (const table of tables) await connection.query(`OPTIMIZE TABLE ${quote(table)}`);
    } finally {
      await connection.query('SET GLOBAL innodb_optimize_fulltext_only = OFF');
    }
  });
}

/** How `@switchyard/conformance` gets a MariaDB database. */
export const mariadbProvider: BackendProvider = {
  backend: 'mariadb',
  urlVariable: 'CONFORMANCE_MARIADB_URL',
  container: {
    image: 'mariadb:11.8.3',
    port: 3306,
    environment: { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' },
    // The entrypoint starts a temporary server first; the second line is the real one.
    readyLog: { text: 'ready for connections', times: 2 },
    serverUrl: (host, port) => `mariadb://root@${host.includes(':') ? `[${host}]` : host}:${port}/test`,
  },
  async check(serverUrl) {
    await withConnection(serverUrl, async (connection) => {
      await connection.query('SELECT 1');
    });
  },
  /**
   * A database in the server's default character set and collation (often `utf8mb4_general_ci`),
   * as an application's database usually is: the suite then proves that the adapter's own
   * settings (table defaults, column and connection collations) give the portable semantics.
   */
  settleSearch: settleFulltext,
  async createDatabase(serverUrl, name): Promise<TestDatabase> {
    await withConnection(serverUrl, async (connection) => {
      await connection.query(`CREATE DATABASE ${quote(name)}`);
    });
    const url = new URL(serverUrl);
    url.pathname = `/${encodeURIComponent(name)}`;
    return { url: url.toString(), drop: () => dropDatabase(serverUrl, name) };
  },
};

const execute = promisify(execFile);
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);
const RESTART_TIMEOUT_MS = 60_000;
const MARIADBD = '/usr/sbin/mariadbd';
const START_STOP_DAEMON = '/usr/sbin/start-stop-daemon';
const MARIADB_ADMIN = '/usr/bin/mariadb-admin';

/** True while a mariadbd started from MARIADBD runs on this machine. */
async function daemonRunning(): Promise<boolean> {
  try {
    await execute(START_STOP_DAEMON, ['--status', '--exec', MARIADBD]);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it resolves true (or without error); rejects after `timeoutMs`. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = RESTART_TIMEOUT_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`MariaDB: ${what} within ${timeoutMs} ms`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Restarts the local MariaDB daemon as `.ci/run` starts it: `mariadb-admin shutdown`, then
 * `start-stop-daemon --start … mariadbd --user=mysql` (a plain daemon, not a systemd service), for
 * the fault suite of `@switchyard/conformance`. Needs root; refuses a server on another host.
 */
export const mariadbRestarter: ServerRestarter = {
  describe: 'mariadb-admin shutdown + start-stop-daemon',
  async available(serverUrl) {
    if (process.env.SWITCHYARD_FAULTS === 'off') return 'SWITCHYARD_FAULTS=off';
    if (process.getuid?.() !== 0) return 'restarting the server needs root (run the tests as root)';
    const missing = [MARIADBD, START_STOP_DAEMON, MARIADB_ADMIN].filter((command) => !existsSync(command));
    if (missing.length > 0) return `${missing.join(', ')} not installed on this machine`;
    const { host } = parseMariadbUrl(serverUrl);
    if (!LOCAL_HOSTS.has(host)) {
      return `the server (${host}) is not on this machine (a managed service or container cannot be restarted by the tests)`;
    }
    if (existsSync('/run/systemd/system')) {
      return 'systemd runs here: MariaDB is a service, which the tests do not restart behind its back';
    }
    if (!(await daemonRunning())) return `no ${MARIADBD} runs on this machine`;
    return undefined;
  },
  async restart(serverUrl) {
    const location = parseMariadbUrl(serverUrl);
    await execute(
      MARIADB_ADMIN,
      ['--protocol=tcp', '-h', location.host, '-P', String(location.port), '-u', location.user, 'shutdown'],
      // The password through the environment, never on a command line others can read.
      { env: { ...process.env, MYSQL_PWD: location.password ?? '' } },
    );
    await waitFor('the server did not stop', async () => !(await daemonRunning()));
    await execute('/usr/bin/install', ['-d', '-o', 'mysql', '-g', 'mysql', '/run/mysqld']);
    await execute(START_STOP_DAEMON, [
      '--start',
      '--oknodo',
      '--background',
      '--exec',
      MARIADBD,
      '--',
      '--user=mysql',
    ]);
    await waitFor('the server did not answer again', async () => {
      await mariadbProvider.check(serverUrl);
      return true;
    });
  },
};
