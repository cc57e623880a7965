/**
 * The URL parameters of `readServerOptions` as the PostgreSQL server sees them, against a live
 * server (CONFORMANCE_POSTGRES_URL, else the local default). The parsing rules are core's unit
 * tests; here: each setting reaches every connection of the pool, `health()` reports it, and the
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
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider } from '../src/postgres-testing.ts';

const SERVER_URL = process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const Item = defineEntity({
  name: 'UoItem',
  tableName: 'uo_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

/** `url` with a password the server never sees (trust authentication ignores it). */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** What opening `url` throws. */
async function openError(url: string): Promise<Error> {
  try {
    const store = await openStore({ url, schema: [Item], adapter: postgresAdapter });
    await store.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the store opened');
}

/** The server's ssl setting: the TLS tests below depend on it. */
async function serverHasTls(store: Store): Promise<boolean> {
  const rows = await store.orm.em
    .getConnection()
    .execute<{ ssl: string }[]>("SELECT current_setting('ssl') AS ssl");
  return rows[0]?.ssl === 'on';
}

describe('URL parameters on PostgreSQL', () => {
  let database: TestDatabase;
  let store: Store;
  let tls: boolean;

  beforeAll(async () => {
    database = await postgresProvider.createDatabase(
      SERVER_URL,
      `sy_url_options_${randomBytes(4).toString('hex')}`,
    );
    const url = withQuery(
      database.url,
      'pool_max=5&application_name=sy-test&statement_timeout=200&connect_timeout=5&idle_timeout=30000',
    );
    store = await openStore({ url, schema: [Item], adapter: postgresAdapter });
    await store.migrate();
    tls = await serverHasTls(store);
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  test('health() reports pool_max, sslmode, application_name and statement_timeout as the server applies them', async () => {
    const { settings } = await store.health();
    expect(settings).toMatchObject({
      pool_max: 5,
      ssl: 'disable',
      ssl_encrypted: false,
      application_name: 'sy-test',
      statement_timeout: '200ms',
    });
  });

  test('every pooled connection carries application_name and statement_timeout, transactions included', async () => {
    const seen = await store.transaction(async () =>
      store.orm.em
        .getConnection()
        .execute<{ name: string; timeout: string }[]>(
          "SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout",
        ),
    );
    expect(seen[0]).toEqual({ name: 'sy-test', timeout: '200ms' });
    const sessions = await store.orm.em
      .getConnection()
      .execute<{ n: string }[]>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sy-test'",
      );
    expect(Number(sessions[0]?.n)).toBeGreaterThanOrEqual(1);
  });

  test('a statement longer than statement_timeout is cancelled by the server and classified as StatementTimeoutError', async () => {
    const started = performance.now();
    const error = await store.orm.em
      .getConnection()
      .execute('SELECT pg_sleep(2)')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(performance.now() - started).toBeLessThan(1500);
    const classified = postgresAdapter.classifyError(error, { url: database.url, options: {} });
    expect(classified).toBeInstanceOf(StatementTimeoutError);
    expect(classified).toMatchObject({ code: 'STATEMENT_TIMEOUT', retryable: false });
  });

  test('sslmode=require encrypts where the server has TLS, and where it has none is a ConfigurationError saying so, without the password', async () => {
    if (tls) {
      // The server encrypts: the same URL opens, and health() shows the connection is encrypted.
      const encrypted = await openStore({
        url: withQuery(database.url, 'sslmode=require'),
        schema: [Item],
        adapter: postgresAdapter,
      });
      expect((await encrypted.health()).settings).toMatchObject({ ssl: 'require', ssl_encrypted: true });
      await encrypted.close();
      return;
    }
    const error = await openError(withQuery(withPassword(database.url, 'pw-s3cret-x'), 'sslmode=require'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/does not accept TLS connections.*sslmode=disable/);
    expect(error.message).not.toContain('pw-s3cret-x');
  });

  test('sslmode=verify-full fails without reaching the database when the server has no certificate the built-in CAs trust', async () => {
    const error = await openError(
      withQuery(withPassword(database.url, 'pw-s3cret-x'), 'sslmode=verify-full'),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    // Without TLS on the server it is refused at the SSLRequest; with the local self-signed
    // certificate, at the chain check.
    expect(error.message).toMatch(
      tls ? /TLS certificate that sslmode refuses/ : /does not accept TLS connections/,
    );
    expect(error.message).not.toContain('pw-s3cret-x');
  });

  test('sslmode=verify-ca with sslrootcert set to the server certificate connects encrypted (or, without TLS on the server, is refused)', async () => {
    const [row] = await store.orm.em
      .getConnection()
      .execute<{ file: string }[]>("SELECT current_setting('ssl_cert_file') AS file");
    const url = withQuery(
      database.url,
      `sslmode=verify-ca&sslrootcert=${encodeURIComponent(row?.file ?? '')}`,
    );
    if (!tls) {
      expect(await openError(url)).toBeInstanceOf(ConfigurationError);
      return;
    }
    const verified = await openStore({ url, schema: [Item], adapter: postgresAdapter });
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
      /Unknown PostgreSQL URL parameter "ssl"; known: pool_max, pool_timeout, idle_timeout, connect_timeout, statement_timeout, application_name, sslmode, sslrootcert, sslcert, sslkey/,
    );
  });
});
