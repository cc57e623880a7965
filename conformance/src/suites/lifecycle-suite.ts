import { ConfigurationError, StoreClosedError } from '@switchyard/core';
import { expect } from 'vitest';
import { Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';

export const lifecycleSuite = defineSuite('lifecycle', {
  'health() reports the backend, a server version, the capabilities and no password': async ({
    store,
    adapter,
  }) => {
    const health = await store.health();
    expect(health.ok).toBe(true);
    expect(health.backend).toBe(adapter.name);
    expect(health.serverVersion).toMatch(/\d+\.\d+/);
    expect(health.capabilities).toEqual(store.capabilities);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(health)).not.toMatch(/:[^:@/]+@/);
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
