/**
 * The URL parameters of `readServerOptions` as MariaDB sees them, against a live server
 * (CONFORMANCE_MARIADB_URL, else the local default). The parsing rules are core's unit tests;
 * here: each setting reaches every connection of the pool, `health()` reports it, and the
 * failures are typed and keep the password out.
 */
import { randomBytes } from 'node:crypto';
import { type TestDatabase, withQuery } from '@switchyard/conformance';
import {
  ConfigurationError,
  defineEntity,
  openStore,
  p,
  StatementTimeoutError,
  type Store,
} from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { mariadbProvider } from '../src/mariadb-testing.ts';

const SERVER_URL = process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

const Item = defineEntity({
  name: 'UoItem',
  tableName: 'uo_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

/** What opening `url` throws. */
async function openError(url: string): Promise<Error> {
  try {
    const store = await openStore({ url, schema: [Item], adapter: mariadbAdapter });
    await store.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the store opened');
}

/** One row of a raw statement on the store's own pool. */
async function selectOne(store: Store, sql: string): Promise<Record<string, unknown>> {
  const rows = await store.orm.em.getConnection().execute<Record<string, unknown>[]>(sql);
  return rows[0] ?? {};
}

describe('URL parameters on MariaDB', () => {
  let database: TestDatabase;
  let store: Store;
  let tls: boolean;

  beforeAll(async () => {
    database = await mariadbProvider.createDatabase(
      SERVER_URL,
      `sy_url_options_${randomBytes(4).toString('hex')}`,
    );
    const url = withQuery(
      database.url,
      'pool_max=5&application_name=sy-test&statement_timeout=200&connect_timeout=5&idle_timeout=30000',
    );
    store = await openStore({ url, schema: [Item], adapter: mariadbAdapter });
    await store.migrate();
    tls = (await selectOne(store, 'SELECT @@have_ssl AS have_ssl')).have_ssl === 'YES';
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  test('health() reports pool_max, sslmode, application_name and statement_timeout (read back from @@max_statement_time)', async () => {
    const { settings } = await store.health();
    expect(settings).toMatchObject({
      pool_max: 5,
      ssl: 'disable',
      ssl_encrypted: false,
      application_name: 'sy-test',
      statement_timeout: '200ms',
    });
  });

  test('every pooled connection has max_statement_time set, transactions included', async () => {
    const inTransaction = await store.transaction(() => selectOne(store, 'SELECT @@max_statement_time AS t'));
    expect(Number(inTransaction.t)).toBe(0.2);
    expect(Number((await selectOne(store, 'SELECT @@max_statement_time AS t')).t)).toBe(0.2);
  });

  test('application_name is the program_name connection attribute, where performance_schema shows it', async () => {
    const { on } = await selectOne(store, 'SELECT @@performance_schema AS `on`');
    const { name } = await selectOne(
      store,
      "SELECT (SELECT ATTR_VALUE FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = CONNECTION_ID() AND ATTR_NAME = 'program_name') AS name",
    );
    // With performance_schema off (the server default) the table is empty: nothing to read back.
    expect(name ?? null).toBe(Number(on) === 1 ? 'sy-test' : null);
  });

  test('a statement longer than statement_timeout is cancelled by the server and classified as StatementTimeoutError', async () => {
    const started = performance.now();
    const error = await store.orm.em
      .getConnection()
      .execute('SELECT SLEEP(2)')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(performance.now() - started).toBeLessThan(1500);
    const classified = mariadbAdapter.classifyError(error, { url: database.url, options: {} });
    expect(classified).toBeInstanceOf(StatementTimeoutError);
    expect(classified).toMatchObject({ code: 'STATEMENT_TIMEOUT', retryable: false });
  });

  test('a lock wait is bounded by its own timeout, not by statement_timeout', async () => {
    const held = await store.locks.tryLock('url-options');
    expect(held).not.toBeNull();
    const release = setTimeout(() => void held?.release(), 600);
    try {
      const started = performance.now();
      await store.locks.withLock('url-options', async () => undefined, { wait: 5000 });
      expect(performance.now() - started).toBeGreaterThan(400);
    } finally {
      clearTimeout(release);
      await held?.release();
    }
  });

  test('sslmode=require encrypts where the server has TLS, and where it has none is a ConfigurationError saying so, without the password', async () => {
    if (tls) {
      const encrypted = await openStore({
        url: withQuery(database.url, 'sslmode=require'),
        schema: [Item],
        adapter: mariadbAdapter,
      });
      try {
        expect((await encrypted.health()).settings).toMatchObject({ ssl: 'require', ssl_encrypted: true });
      } finally {
        await encrypted.close();
      }
      return;
    }
    const url = new URL(withQuery(database.url, 'sslmode=require'));
    url.password = 'pw-s3cret-x';
    const error = await openError(url.toString());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/does not accept TLS connections.*sslmode=disable/);
    expect(error.message).not.toContain('pw-s3cret-x');
  });

  test('sslmode=verify-ca with sslrootcert set to the server certificate connects encrypted (or, without TLS on the server, is refused)', async () => {
    const file = String((await selectOne(store, 'SELECT @@ssl_cert AS file')).file ?? '');
    const url = withQuery(database.url, `sslmode=verify-ca&sslrootcert=${encodeURIComponent(file)}`);
    if (!tls) {
      expect(await openError(url)).toBeInstanceOf(ConfigurationError);
      return;
    }
    const verified = await openStore({ url, schema: [Item], adapter: mariadbAdapter });
    try {
      expect((await verified.health()).settings).toMatchObject({ ssl: 'verify-ca', ssl_encrypted: true });
    } finally {
      await verified.close();
    }
  });

  test('an unknown parameter is a ConfigurationError listing the known ones', async () => {
    const error = await openError(withQuery(database.url, 'ssl=true'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /Unknown MariaDB URL parameter "ssl"; known: pool_max, pool_timeout, idle_timeout, connect_timeout, statement_timeout, application_name, sslmode, sslrootcert, sslcert, sslkey/,
    );
  });
});
