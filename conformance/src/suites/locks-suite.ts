import {
  type HeldLock,
  LockLostError,
  LockTimeoutError,
  type Store,
  StoreClosedError,
  ValidationError,
} from '@switchyard/core';
import { expect } from 'vitest';
import { Account, Sample } from '../conformance-schema.ts';
import { signal } from '../driver-contract/lock-contract.ts';
import { defineSuite, type SuiteContext } from '../suite-definition.ts';
import type { LockWorkerInput, LockWorkerMessage, Section } from '../workers/lock-worker.ts';
import { expectError } from './expect-error.ts';
import { newTag, sleep, within } from './suite-helpers.ts';
import { runTogether, startWorker } from './worker-process.ts';

/**
 * Named locks (`store.locks`): `withLock(name, fn, { wait, ttl })` and `tryLock(name, { ttl })`,
 * shared by every process on the database. Two holders of a name never overlap; a lock is not
 * reentrant; a holder that is killed loses its lock (at once on the servers, whose connection
 * drops; after its ttl on SQLite, whose lease is no longer renewed).
 *
 * Tests on the suite's database use lock names of their own. The multi-process tests work on a
 * fresh database with the Sample table only, created by `migrate()` (which creates the lock
 * storage too).
 */

const COUNT_PROCESSES = 4;
const ROUNDS_PER_PROCESS = 20;
/** Longest the counting processes may take together, start-up included. */
const PROCESS_DEADLINE_MS = 120_000;
/** The ttl of the holder that is killed. */
const KILLED_TTL_MS = 1500;

/** A lock name no other test uses (the tests share the suite's database). */
const lockName = (what: string) => `${what}:${newTag()}`;

/** Takes `name` on `store`, failing the test when it is not free. */
async function take(store: Store, name: string, ttl?: number): Promise<HeldLock> {
  const held = await store.locks.tryLock(name, ttl === undefined ? {} : { ttl });
  if (!held) throw new Error(`the lock "${name}" was not free`);
  return held;
}

/** Asserts `name` is free, by taking and releasing it on `store`. */
async function expectFree(store: Store, name: string): Promise<void> {
  const held = await store.locks.tryLock(name);
  expect(held, `"${name}" is free`).not.toBeNull();
  await held?.release();
}

/** A store with the Sample table only on a fresh database, migrated (lock storage included). */
async function freshStore(context: SuiteContext): Promise<{ store: Store; url: string }> {
  const url = await context.freshDatabase();
  const store = await context.openStore({ url, schema: [Sample] });
  await store.migrate();
  return { store, url };
}

/** Pairs of sections (in enter order) where the later one was entered before the earlier one was left. */
function overlaps(sections: readonly Section[]): string[] {
  const sorted = [...sections].sort((a, b) => a[0] - b[0]);
  const found: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1] as Section;
    const after = sorted[i] as Section;
    if (after[0] <= before[1]) found.push(`[${before.join(', ')}] and [${after.join(', ')}]`);
  }
  return found;
}

export const locksSuite = defineSuite('locks', {
  'tryLock takes a free lock; while it is held every store gets null, the holder included; once released it is free again':
    {
      needs: ['locks'],
      run: async (context) => {
        const { store } = context;
        const other = await context.openStore();
        const name = lockName('try');
        const held = await take(store, name);
        expect(held.name).toBe(name);
        expect(held.signal.aborted).toBe(false);
        // Not reentrant: the holding store is refused like any other.
        expect(await store.locks.tryLock(name)).toBeNull();
        expect(await other.locks.tryLock(name)).toBeNull();
        await held.release();
        await held.release();
        const again = await take(other, name);
        expect(await store.locks.tryLock(name)).toBeNull();
        await again.release();
        // Released, not lost: the signal never aborts.
        expect(held.signal.aborted).toBe(false);
        expect(again.signal.aborted).toBe(false);
        {
          await using scoped = await store.locks.tryLock(name);
          expect(scoped).not.toBeNull();
          expect(await other.locks.tryLock(name)).toBeNull();
        }
        // `await using` released it at the end of the block.
        await expectFree(other, name);
      },
    },

  'different names are different locks, and names are exact: case, surrounding spaces and Unicode normalisation matter':
    {
      needs: ['locks'],
      run: async (context) => {
        const { store } = context;
        const other = await context.openStore();
        const base = `Café ${newTag()}`;
        const names = [
          base,
          base.toLowerCase(),
          base.toUpperCase(),
          ` ${base}`,
          `${base} `,
          base.normalize('NFD'),
          `${base}%`,
          `${base}_`,
          `${base}😀`,
        ];
        expect(new Set(names).size).toBe(names.length);
        const held = [];
        for (const name of names) held.push(await take(store, name));
        for (const name of names) expect(await other.locks.tryLock(name), JSON.stringify(name)).toBeNull();
        for (const lock of held) await lock.release();
        for (const name of names) await expectFree(other, name);
      },
    },

  'withLock runs fn holding the lock, returns its value, and releases the lock afterwards': {
    needs: ['locks'],
    run: async (context) => {
      const { store } = context;
      const other = await context.openStore();
      const name = lockName('with');
      const result = await store.locks.withLock(name, async (lockSignal) => {
        expect(lockSignal.aborted).toBe(false);
        expect(await other.locks.tryLock(name)).toBeNull();
        return { answer: 42 };
      });
      expect(result).toEqual({ answer: 42 });
      await expectFree(other, name);
    },
  },

  "withLock releases the lock when fn throws, and rethrows fn's error unchanged": {
    needs: ['locks'],
    run: async (context) => {
      const { store } = context;
      const other = await context.openStore();
      const name = lockName('throws');
      const failure = new Error('the job failed');
      await expect(
        store.locks.withLock(name, async () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
      await expectFree(other, name);
    },
  },

  'withLock waits for a holder that releases within wait, and runs fn only after the release': {
    needs: ['locks'],
    run: async (context) => {
      const { store } = context;
      const other = await context.openStore();
      const name = lockName('waits');
      const held = await take(other, name);
      let releasing = Number.POSITIVE_INFINITY;
      const releaser = sleep(400).then(() => {
        releasing = performance.now();
        return held.release();
      });
      const entered = await store.locks.withLock(name, async () => performance.now(), { wait: 5000 });
      await releaser;
      expect(entered).toBeGreaterThan(releasing);
    },
  },

  'withLock throws LockTimeoutError naming the lock when the holder keeps it past wait, and never runs fn': {
    needs: ['locks'],
    run: async (context) => {
      const { store } = context;
      const other = await context.openStore();
      const name = lockName('timeout');
      const held = await take(other, name);
      let runs = 0;
      const fn = async () => {
        runs++;
      };
      try {
        const started = performance.now();
        const error = await expectError(
          store.locks.withLock(name, fn, { wait: 400 }),
          LockTimeoutError,
          'LOCK_TIMEOUT',
        );
        const waited = performance.now() - started;
        expect(waited).toBeGreaterThanOrEqual(390);
        expect(waited).toBeLessThan(2000);
        expect(error.message).toContain(`"${name}"`);
        expect(error.message).toContain('0.4 s');
        // wait 0 is one attempt.
        await expectError(store.locks.withLock(name, fn, { wait: 0 }), LockTimeoutError, 'LOCK_TIMEOUT');
        expect(runs).toBe(0);
      } finally {
        await held.release();
      }
      await expectFree(store, name);
    },
  },

  'a bad name, wait or ttl is refused with ValidationError before anything is held; the limits themselves are accepted':
    {
      needs: ['locks'],
      run: async (context) => {
        const { store } = context;
        const other = await context.openStore();
        const name = lockName('valid');
        let runs = 0;
        const fn = async () => {
          runs++;
        };
        const invalid: [string, () => Promise<unknown>][] = [
          ['empty name', () => store.locks.tryLock('')],
          ['201-character name', () => store.locks.withLock('🔒'.repeat(201), fn)],
          ['name not a string', () => store.locks.tryLock(42 as unknown as string)],
          ['negative wait', () => store.locks.withLock(name, fn, { wait: -1 })],
          ['fractional wait', () => store.locks.withLock(name, fn, { wait: 1.5 })],
          ['NaN wait', () => store.locks.withLock(name, fn, { wait: Number.NaN })],
          ['wait as a string', () => store.locks.withLock(name, fn, { wait: '10' as unknown as number })],
          ['ttl below a second', () => store.locks.withLock(name, fn, { ttl: 999 })],
          ['zero ttl', () => store.locks.tryLock(name, { ttl: 0 })],
          ['fractional ttl', () => store.locks.tryLock(name, { ttl: 1000.5 })],
          ['infinite ttl', () => store.locks.tryLock(name, { ttl: Number.POSITIVE_INFINITY })],
          ['no function', () => store.locks.withLock(name, undefined as unknown as typeof fn)],
        ];
        for (const [what, action] of invalid) {
          const error = await expectError(action, ValidationError, 'VALIDATION');
          expect(error.message, what).toMatch(/^locks: /);
        }
        expect(runs).toBe(0);
        await expectFree(other, name);
        // 200 characters (not UTF-16 units), wait 0 and a one-second ttl are fine.
        const tag = newTag();
        const longest = await take(store, `${tag}${'🔒'.repeat(200 - tag.length)}`, 1000);
        await longest.release();
        expect(await store.locks.withLock(name, async () => 'ran', { wait: 0, ttl: 1000 })).toBe('ran');
      },
    },

  'inside a transaction a lock is refused with ValidationError; the lock first and the transaction inside it works':
    {
      needs: ['locks'],
      run: async (context) => {
        const { store } = context;
        const other = await context.openStore();
        const name = lockName('tx');
        let runs = 0;
        await store.transaction(async () => {
          await expectError(
            store.locks.withLock(name, async () => {
              runs++;
            }),
            ValidationError,
            'VALIDATION',
          );
          await expectError(store.locks.tryLock(name), ValidationError, 'VALIDATION');
        });
        expect(runs).toBe(0);
        await expectFree(other, name);
        const tag = newTag();
        await store.locks.withLock(name, () =>
          store.transaction((tx) => tx.repo(Sample).insert({ label: tag })),
        );
        expect(await store.repo(Sample).count({ label: tag })).toBe(1);
        await expectFree(other, name);
      },
    },

  'close() releases the locks still held and aborts their signals with LockLostError; another store takes them at once':
    {
      needs: ['locks'],
      run: async (context) => {
        const closing = await context.openStore();
        const other = await context.openStore();
        const first = lockName('closed');
        const second = lockName('closed');
        // The default ttl (30 s): on SQLite too, the locks must be free long before it runs out.
        const held = await take(closing, first);
        const inside = signal();
        const running = closing.locks.withLock(second, async (lockSignal) => {
          inside.fire();
          await new Promise((resolve) => lockSignal.addEventListener('abort', resolve, { once: true }));
          return lockSignal.reason;
        });
        await inside.promise;
        await closing.close();
        expect(held.signal.aborted).toBe(true);
        expect(held.signal.reason).toBeInstanceOf(LockLostError);
        expect(await running).toBeInstanceOf(LockLostError);
        const started = performance.now();
        for (const name of [first, second]) await take(other, name);
        expect(performance.now() - started).toBeLessThan(1000);
        await expectError(closing.locks.tryLock(first), StoreClosedError, 'STORE_CLOSED');
        await held.release();
      },
    },

  'an application lock never blocks migrations, not even one named like the migration lock': {
    needs: ['locks'],
    run: async (context) => {
      const { store, url } = await freshStore(context);
      const held = await take(store, 'switchyard:migrate');
      try {
        const grown = await context.openStore({ url, schema: [Sample, Account] });
        await within(30_000, grown.migrate(), 'migrate() while an application lock is held');
        expect(await grown.repo(Account).count()).toBe(0);
      } finally {
        await held.release();
      }
    },
  },

  'mutual exclusion across 4 OS processes: 20 read-modify-write rounds each under withLock lose no update and never overlap':
    {
      needs: ['locks'],
      timeoutMs: PROCESS_DEADLINE_MS + 30_000,
      run: async (context) => {
        const { store, url } = await freshStore(context);
        const counter = await store.repo(Sample).insert({ label: 'counter', int: 0 });
        const lock = lockName('counter');
        const workers = Array.from({ length: COUNT_PROCESSES }, (_, worker) =>
          startWorker<LockWorkerMessage>('lock-worker.js', url, context.adapterModule, {
            mode: 'count',
            worker,
            lock,
            counterId: counter.id,
            rounds: ROUNDS_PER_PROCESS,
            wait: PROCESS_DEADLINE_MS,
          } satisfies LockWorkerInput),
        );
        const results = await runTogether(workers, PROCESS_DEADLINE_MS);
        const sections: Section[] = [];
        for (const [worker, r] of results.entries()) {
          const detail = `worker ${worker}: exit ${r.code} ${r.signal ?? ''} ${JSON.stringify(r.result)} ${r.stderr}`;
          expect(r.code, detail).toBe(0);
          if (!r.result?.ok) throw new Error(`the rounds failed in ${detail}`);
          expect(r.result.sections, detail).toHaveLength(ROUNDS_PER_PROCESS);
          sections.push(...r.result.sections);
        }
        expect((await store.repo(Sample).get(counter.id))?.int).toBe(COUNT_PROCESSES * ROUNDS_PER_PROCESS);
        expect(overlaps(sections)).toEqual([]);
      },
    },

  'a holder killed with SIGKILL loses its lock: another store takes it within its wait, and never before the kill (servers: at once; SQLite: after the ttl)':
    {
      needs: ['locks'],
      timeoutMs: 60_000,
      run: async (context) => {
        const { store, url } = await freshStore(context);
        const name = lockName('leader');
        const holder = startWorker<LockWorkerMessage>('lock-worker.js', url, context.adapterModule, {
          mode: 'hold',
          worker: 0,
          lock: name,
          ttl: KILLED_TTL_MS,
        } satisfies LockWorkerInput);
        try {
          await within(30_000, holder.ready, 'the holder taking the lock');
          expect(holder.child.exitCode, 'the holder took the lock and lives').toBeNull();
          expect(await store.locks.tryLock(name)).toBeNull();
          const acquired = store.locks.withLock(name, async () => performance.now(), { wait: 10_000 });
          // The holder keeps its lock for longer than its ttl while it lives: renewed (SQLite), or
          // held by its connection (servers).
          await sleep(2 * KILLED_TTL_MS);
          const killedAt = performance.now();
          holder.child.kill('SIGKILL');
          const enteredAt = await acquired;
          expect((await holder.done).signal).toBe('SIGKILL');
          expect(enteredAt).toBeGreaterThan(killedAt);
          // A server sees the connection drop at once; a lease is taken over once its ttl has run
          // out since the last renewal.
          const bound = context.adapter.kind === 'server' ? 1500 : KILLED_TTL_MS + 1500;
          expect(enteredAt - killedAt).toBeLessThan(bound);
        } finally {
          if (holder.child.exitCode === null) holder.child.kill('SIGKILL');
        }
      },
    },
});
