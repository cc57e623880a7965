import {
  AuthenticationError,
  ConfigurationError,
  type Store,
  StoreClosedError,
  ValidationError,
} from '@switchyard/core';
import { expect } from 'vitest';
import { Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { newTag, sleep, within } from './suite-helpers.ts';

/** A password no health report may contain. */
const HEALTH_SECRET = 'Health-S3cret';

/** The password of a URL as written in it (decoded), or '' when it has none or does not parse. */
function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/**
 * Asserts the password of `url` appears nowhere in `report`, in plain or URL-encoded form. A
 * password that is also an ordinary part of the URL (`postgres` in `postgres://postgres:postgres@…`)
 * would match the scheme and the user name, so for such a password only the `:password@` form is checked.
 */
function expectNoSecret(report: unknown, password: string, url: string): void {
  const json = JSON.stringify(report);
  const parsed = new URL(url);
  const ordinary = [parsed.protocol, parsed.username, parsed.hostname, parsed.pathname].join(' ');
  for (const form of new Set([password, encodeURIComponent(password)])) {
    expect(json).not.toContain(`:${form}@`);
    if (!ordinary.includes(form)) expect(json).not.toContain(form);
  }
}

export const lifecycleSuite = defineSuite('lifecycle', {
  'health() reports the backend, a server version, the capabilities and no password': async ({
    store,
    adapter,
    url,
    serverUrl,
    openStore,
  }) => {
    const health = await store.health();
    expect(health.ok).toBe(true);
    expect(health.backend).toBe(adapter.name);
    expect(health.serverVersion).toMatch(/\d+\.\d+/);
    expect(health.capabilities).toEqual(store.capabilities);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    // health.url carries no password: none at all, or the redacted `***`.
    expect(['', '***']).toContain(passwordOf(health.url));
    const password = passwordOf(url);
    if (password) expectNoSecret(health, password, url);
    if (!serverUrl) return;
    // A store whose URL carries a known password: its health report must not show it.
    const withSecret = new URL(url);
    withSecret.password = HEALTH_SECRET;
    let secretStore: Store;
    try {
      secretStore = await openStore({ url: withSecret.toString() });
    } catch (error) {
      // This server checks passwords (CI's password-protected servers), so a made-up password is
      // refused at login and there is no health report to inspect. The servers of the local run
      // (PostgreSQL with trust auth) accept it; the suite URL's own password was checked above.
      if (error instanceof AuthenticationError) return;
      throw error;
    }
    const secretHealth = await secretStore.health();
    expect(JSON.stringify(secretHealth)).not.toContain(HEALTH_SECRET);
    expect(['', '***']).toContain(passwordOf(secretHealth.url));
  },
  'migrate() never drops or alters a table that is not in the schema': async ({ store }) => {
    const table = `sy_foreign_${newTag()}`;
    const connection = store.orm.em.getConnection();
    await connection.execute(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
    try {
      await connection.execute(`INSERT INTO ${table} (id) VALUES (42)`);
      await store.migrate();
      const rows: { id: unknown }[] = await connection.execute(`SELECT id FROM ${table}`);
      expect(rows.map((r) => Number(r.id))).toEqual([42]);
    } finally {
      await connection.execute(`DROP TABLE ${table}`);
    }
  },
  'migrate() while a transaction of the same store is open waits for it, and the transaction commits':
    async ({ store }) => {
      const tag = newTag();
      let wrote: () => void = () => undefined;
      const firstWrite = new Promise<void>((resolve) => {
        wrote = resolve;
      });
      const transaction = store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        wrote();
        // Hold the transaction open while migrate() runs, then write again.
        await sleep(100);
        await tx.repo(Sample).insert({ label: tag, int: 2 });
        return 'committed';
      });
      await firstWrite;
      const migration = store.migrate();
      const [result] = await within(
        20_000,
        Promise.all([transaction, migration]),
        'migrate() during an open transaction',
      );
      expect(result).toBe('committed');
      const rows = await store.repo(Sample).find({ label: tag }, { orderBy: { int: 'asc' } });
      expect(rows.items.map((r) => r.int)).toEqual([1, 2]);
    },
  'migrate() and dropSchema() inside a transaction are refused with ValidationError and change nothing':
    async ({ store }) => {
      const tag = newTag();
      await within(
        20_000,
        store.transaction(async (tx) => {
          await tx.repo(Sample).insert({ label: tag, int: 1 });
          await expectError(store.migrate(), ValidationError, 'VALIDATION');
          await expectError(store.dropSchema(), ValidationError, 'VALIDATION');
          await tx.repo(Sample).insert({ label: tag, int: 2 });
        }),
        'migrate() inside a transaction',
      );
      expect(await store.repo(Sample).count({ label: tag })).toBe(2);
    },
  'migrate() a second time changes nothing and keeps the data': async ({ store }) => {
    const row = await store.repo(Sample).insert({ label: 'kept' });
    await store.migrate();
    expect(await store.repo(Sample).get(row.id)).toEqual(row);
  },
  'a second store on the same database sees committed writes of the first': async ({ store, openStore }) => {
    const other = await openStore();
    const row = await store.repo(Sample).insert({ label: 'shared' });
    expect(await other.repo(Sample).get(row.id)).toEqual(row);
  },
  'close() is idempotent and every later call fails with StoreClosedError': async ({ openStore }) => {
    const store = await openStore();
    await store.close();
    await store.close();
    await expectError(() => store.repo(Sample).get(crypto.randomUUID()), StoreClosedError, 'STORE_CLOSED');
    await expectError(() => store.transaction(async () => undefined), StoreClosedError);
    await expectError(() => store.health(), StoreClosedError);
  },
  'an entity outside the schema is refused with a ConfigurationError': async ({ store }) => {
    const { defineEntity, p, ConfigurationError } = await import('@switchyard/core');
    const Stranger = defineEntity({ name: 'Stranger', properties: { id: p.uuid().primary() } });
    expect(() => store.repo(Stranger)).toThrow(ConfigurationError);
  },
  'a URL parameter the backend does not know is refused by name, never silently ignored': async ({
    url,
    openStore,
  }) => {
    const withParam = `${url}${url.includes('?') ? '&' : '?'}no_such_option=1`;
    const error = await expectError(openStore({ url: withParam }), ConfigurationError, 'CONFIGURATION');
    expect(error.message).toContain('no_such_option');
  },
  'a server takes its pool size from ?pool_max and health() shows it': async ({
    adapter,
    url,
    openStore,
  }) => {
    const withPool = `${url}${url.includes('?') ? '&' : '?'}pool_max=3`;
    if (adapter.kind === 'embedded') {
      // One connection by design: a pool size is refused rather than pretended.
      await expectError(openStore({ url: withPool }), ConfigurationError);
      return;
    }
    const store = await openStore({ url: withPool });
    expect((await store.health()).settings.pool_max).toBe(3);
  },
});
