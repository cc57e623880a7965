import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineEntity, openStore, PoolTimeoutError, p, type Store } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendProvider, TestDatabase } from '../backend-provider.ts';
import { withQuery } from '../url-helpers.ts';

/**
 * Pool exhaustion on a server backend, written once: more concurrent calls than `pool_max` queue
 * for a connection, and a call that waits longer than `pool_timeout` fails with PoolTimeoutError
 * instead of hanging, leaking no connection. The acquire helper's own rules (late connection
 * released, timer cleared) are core's unit tests.
 */
export interface PoolContractOptions {
  /** Shown in the test names. */
  readonly backend: string;
  readonly adapter: Adapter;
  readonly provider: BackendProvider;
  /** The server to create the test's database on. */
  readonly serverUrl: string;
}

const Item = defineEntity({
  name: 'PtItem',
  tableName: 'pt_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

/** What `call` rejects with, and after how many milliseconds. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('the call succeeded');
}

export function describePoolContract(options: PoolContractOptions): void {
  const { backend, adapter, provider, serverUrl } = options;
  describe(`pool exhaustion on ${backend}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await provider.createDatabase(
        serverUrl,
        `sy_pool_timeout_${randomBytes(4).toString('hex')}`,
      );
      store = await openStore({
        url: withQuery(database.url, 'pool_max=2&pool_timeout=300'),
        schema: [Item],
        adapter,
      });
      await store.migrate();
    });

    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    test('12 concurrent transactions on 2 connections queue, at most 2 at a time, and all complete without a retry', async () => {
      // Each wait is at most ~5 holds of 20 ms, well under pool_timeout: no call may time out.
      let active = 0;
      let most = 0;
      const done = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          store.transaction(
            async (tx) => {
              most = Math.max(most, ++active);
              await tx.repo(Item).insert({ n });
              await sleep(20);
              active--;
              return n;
            },
            { retry: false },
          ),
        ),
      );
      expect(done).toEqual(Array.from({ length: 12 }, (_, n) => n));
      expect(most).toBe(2);
      expect(await store.repo(Item).count()).toBe(12);
    });

    test('with both connections held, a transaction and a read outside one fail with PoolTimeoutError after pool_timeout; afterwards no connection is missing', async () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const started: Promise<void>[] = [];
      const holders = [1, 2].map((n) => {
        let running!: () => void;
        started.push(new Promise<void>((resolve) => (running = resolve)));
        return store.transaction(async (tx) => {
          await tx.repo(Item).count();
          running();
          await gate;
          return n;
        });
      });
      await Promise.all(started);

      let ran = false;
      const transaction = await failure(() =>
        store.transaction(
          async () => {
            ran = true;
          },
          { retry: false },
        ),
      );
      expect(transaction.error).toBeInstanceOf(PoolTimeoutError);
      expect(transaction.error).toMatchObject({ code: 'POOL_TIMEOUT', retryable: true });
      expect((transaction.error as Error).message).toMatch(/pool_timeout.*pool_max/);
      expect(transaction.ms).toBeGreaterThanOrEqual(250);
      expect(transaction.ms).toBeLessThan(3000);
      expect(ran).toBe(false);

      const read = await failure(() => store.repo(Item).count());
      expect(read.error).toBeInstanceOf(PoolTimeoutError);
      expect(read.ms).toBeGreaterThanOrEqual(250);
      expect(read.ms).toBeLessThan(3000);

      open();
      expect(await Promise.all(holders)).toEqual([1, 2]);
      // Both connections are back: two transactions that each wait until the other is inside its own
      // transaction only finish if both get one (a lost connection makes one time out).
      let arrived = 0;
      const bothInside = async () => {
        arrived++;
        const deadline = performance.now() + 2000;
        while (arrived < 2) {
          if (performance.now() > deadline) throw new Error('the other transaction never got a connection');
          await sleep(5);
        }
      };
      await Promise.all([
        store.transaction(bothInside, { retry: false }),
        store.transaction(bothInside, { retry: false }),
      ]);
      await expect(store.repo(Item).count()).resolves.toBeTypeOf('number');
    });
  });
}
