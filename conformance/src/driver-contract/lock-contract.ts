/**
 * The driver-level contract of `Driver.withLock` and `LockedSession.atomic` (the adapter SPI in
 * `@switchyard/core/adapter`), written once against the SPI and registered by each adapter's lock
 * test file with what differs between backends. Backend-specific behaviour (killed connections,
 * other OS processes, session settings, …) stays in the adapter's own tests.
 */
import { type Driver, LockTimeoutError } from '@switchyard/core/adapter';
import { afterEach, describe, expect, test } from 'vitest';

/** The lock name the scenarios take (the one migrations use). */
export const CONTRACT_LOCK = 'switchyard:migrate';

/** A promise and the function that resolves it. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/** Resolves with the signal's reason once it aborts; rejects when it has not aborted within `ms`. */
export function abortedWithin(signal: AbortSignal, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(signal.reason);
    const timer = setTimeout(() => reject(new Error(`the signal did not abort within ${ms} ms`)), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(signal.reason);
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock `name` on `driver` and holds it until `leave()`; resolves once the callback runs.
 * `done` settles with `withLock`.
 */
export async function holdLock(
  driver: Driver,
  name = CONTRACT_LOCK,
): Promise<{ leave: () => void; done: Promise<void> }> {
  const inside = signal();
  const leave = signal();
  const done = driver.withLock(name, 1000, async () => {
    inside.fire();
    await leave.promise;
  });
  await Promise.race([inside.promise, done]);
  return { leave: leave.fire, done };
}

/**
 * One store's driver, as a separate replica of the application would have it, with whatever else
 * the backend's `checks` need (its pool, its database handle).
 */
export interface LockReplica {
  readonly driver: Driver;
}

/** Extra checks of one backend, run inside the shared scenarios at the point each one names. */
export interface LockContractChecks<R extends LockReplica> {
  /** After a waiter timed out and the holder released the lock; `waiter` is the one that timed out. */
  afterTimeout?(waiter: R): void | Promise<void>;
  /** After a callback threw and another replica took the lock at once; `holder` ran the callback. */
  afterThrow?(holder: R): void | Promise<void>;
  /** After an atomic block outlived its callback and was undone; `holder` ran the callback. */
  afterOpenAtomic?(holder: R): void | Promise<void>;
  /** After the holder's connection was killed and its `withLock` rejected. */
  afterKill?(holder: R): void | Promise<void>;
}

export interface LockContractOptions<R extends LockReplica = LockReplica> {
  /** Backend name for the test titles, e.g. `PostgreSQL`. */
  readonly backend: string;
  /**
   * A new driver on the contract's database, independent of every other one (its own pool or
   * connection): two of them behave as two processes of the application. Every test takes one or
   * more and creates tables named `sy_lock_*` there.
   */
  replica(): R | Promise<R>;
  /**
   * A driver on another database of the same server (`lockScope: 'name'` only): the same name
   * there is another lock.
   */
  otherDatabase?(): R | Promise<R>;
  /** Run after each test of the contract, e.g. to close the replicas. */
  cleanup?(): void | Promise<void>;
  /**
   * The exact message of the `LockTimeoutError` after waiting `timeoutMs` for `lock`. Default: the
   * servers' `Waited 0.4 s for the lock "<lock>" on this database; another process holds it.`
   */
  timeoutMessage?(lock: string, timeoutMs: number): string;
  /** Whether `table` exists, read through `driver` (its own `query`). */
  tableExists(driver: Driver, table: string): Promise<boolean>;
  /** `Adapter.transactionalDdl`: DDL inside a failing atomic block is undone with it. */
  readonly transactionalDdl: boolean;
  /**
   * `database`: one lock per database whatever the name (SQLite: the file's write lock is the
   * lock). `name`: each name is a lock of its own (servers).
   */
  readonly lockScope: 'database' | 'name';
  /**
   * Set where holding the lock is itself one transaction (SQLite): nothing the callback did is
   * kept when it throws, and a callback that settles while an atomic block is still running makes
   * `withLock` reject with `openAtomicError`, keeping nothing. Unset (servers): statements outside
   * `atomic` are kept as they run, and `withLock` resolves while the open block alone is undone.
   */
  readonly lockTransaction?: { readonly openAtomicError: string };
  /**
   * A query returning the session's connection id as `id`, to check the callback's statements share
   * one connection. Omitted where the driver has a single connection (SQLite).
   */
  readonly connectionIdSql?: string;
  /**
   * Kills the connection whose id `connectionIdSql` returned, from outside (an admin session), as a
   * crashed process would lose it: the server must release the lock at once. Servers only.
   */
  killConnection?(id: unknown): Promise<void>;
  readonly checks?: LockContractChecks<R>;
}

const LOCK = CONTRACT_LOCK;
const defaultTimeoutMessage = (lock: string, timeoutMs: number) =>
  `Waited ${timeoutMs / 1000} s for the lock "${lock}" on this database; another process holds it.`;
const RELEASED = 'The lock has been released';

/** `v` of every row of `table`, in order, read by a driver of its own. */
async function values(driver: Driver, table: string): Promise<number[]> {
  const rows = await driver.query(`SELECT v FROM ${table} ORDER BY v`, []);
  return rows.map((row) => Number(row.v));
}

async function dropTables(driver: Driver, ...tables: string[]): Promise<void> {
  for (const table of tables) await driver.execute(`DROP TABLE IF EXISTS ${table}`, []);
}

/**
 * Registers the lock contract for one backend (call it at the top level of a vitest test file).
 * Every scenario is the same on every backend; `options` says only what really differs.
 */
export function describeLockContract<R extends LockReplica>(options: LockContractOptions<R>): void {
  const { backend, checks = {} } = options;
  const replica = async () => options.replica();
  const tableExists = (driver: Driver, table: string) => options.tableExists(driver, table);

  describe(`withLock contract on ${backend}`, () => {
    if (options.cleanup) afterEach(() => options.cleanup?.());

    test('a second replica waits up to its timeout, then rejects with LockTimeoutError', async () => {
      const a = await replica();
      const b = await replica();
      const held = await holdLock(a.driver);
      try {
        const started = performance.now();
        let ran = false;
        const attempt = b.driver.withLock(LOCK, 400, async () => {
          ran = true;
        });
        await expect(attempt).rejects.toBeInstanceOf(LockTimeoutError);
        const message = options.timeoutMessage?.(LOCK, 400) ?? defaultTimeoutMessage(LOCK, 400);
        await expect(attempt).rejects.toThrow(message);
        const waited = performance.now() - started;
        expect(waited).toBeGreaterThanOrEqual(390);
        expect(waited).toBeLessThan(1500);
        expect(ran).toBe(false);
      } finally {
        held.leave();
        await held.done;
      }
      await checks.afterTimeout?.(b);
    });

    test('mutual exclusion: the second caller runs only after the first released the lock', async () => {
      const a = await replica();
      const b = await replica();
      const order: string[] = [];
      const inside = signal();
      const first = a.driver.withLock(LOCK, 5000, async () => {
        order.push('a start');
        inside.fire();
        await sleep(400);
        order.push('a end');
      });
      await inside.promise;
      const second = b.driver.withLock(LOCK, 5000, async () => {
        order.push('b start');
        order.push('b end');
      });
      await Promise.all([first, second]);
      expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
    });

    if (options.lockScope === 'database') {
      test('a second replica is excluded whatever lock name it asks for', async () => {
        const held = await holdLock((await replica()).driver);
        const other = await replica();
        try {
          await expect(other.driver.withLock('another name', 200, async () => 'ran')).rejects.toBeInstanceOf(
            LockTimeoutError,
          );
        } finally {
          held.leave();
          await held.done;
        }
        expect(await other.driver.withLock('another name', 0, async () => 'ran')).toBe('ran');
      });
    } else {
      test('another name, or the same name on another database, is another lock', async () => {
        const held = await holdLock((await replica()).driver);
        try {
          expect(await (await replica()).driver.withLock('another lock', 0, async () => 'ran')).toBe('ran');
          if (options.otherDatabase) {
            const elsewhere = await options.otherDatabase();
            expect(await elsewhere.driver.withLock(LOCK, 0, async () => 'ran')).toBe('ran');
          }
        } finally {
          held.leave();
          await held.done;
        }
      });
    }

    const connectionIdSql = options.connectionIdSql;
    if (connectionIdSql !== undefined) {
      test("the callback's statements run on one connection, and its result comes back", async () => {
        const { driver } = await replica();
        const ids = await driver.withLock(LOCK, 1000, async (session) => {
          const [one] = await session.query(connectionIdSql, []);
          const [two] = await session.query(connectionIdSql, []);
          return [one?.id, two?.id];
        });
        expect(ids[0]).toBeDefined();
        expect(ids[1]).toBe(ids[0]);
      });
    }

    const killConnection = options.killConnection;
    if (connectionIdSql !== undefined && killConnection) {
      test('a killed connection releases the lock at once, and its withLock rejects', async () => {
        const a = await replica();
        const b = await replica();
        const inside = signal();
        const killed = signal();
        const holding = a.driver.withLock(LOCK, 1000, async (session) => {
          const [row] = await session.query(connectionIdSql, []);
          await killConnection(row?.id);
          inside.fire();
          await killed.promise;
          await session.query('SELECT 1', []);
        });
        await inside.promise;
        const started = performance.now();
        expect(await b.driver.withLock(LOCK, 5000, async () => 'taken')).toBe('taken');
        expect(performance.now() - started).toBeLessThan(1000);
        killed.fire();
        await expect(holding).rejects.toThrow();
        await checks.afterKill?.(a);
        expect(await a.driver.withLock(LOCK, 1000, async () => 'again')).toBe('again');
      });
    }

    test('after the callback throws, its error comes back unchanged and the lock is free at once', async () => {
      const a = await replica();
      const failure = new Error('migration step failed');
      await expect(
        a.driver.withLock(LOCK, 1000, async (session) => {
          await session.execute('CREATE TABLE sy_lock_thrown (v int)', []);
          throw failure;
        }),
      ).rejects.toBe(failure);
      const b = await replica();
      expect(await b.driver.withLock(LOCK, 0, async () => 'free')).toBe('free');
      await checks.afterThrow?.(a);
      // Where the lock is one transaction, nothing of the callback was kept.
      if (options.lockTransaction) expect(await tableExists(b.driver, 'sy_lock_thrown')).toBe(false);
      await dropTables(b.driver, 'sy_lock_thrown');
    });

    test('the session refuses statements once the callback has settled', async () => {
      const { driver } = await replica();
      const session = await driver.withLock(LOCK, 1000, async (s) => s);
      await expect(session.query('SELECT 1', [])).rejects.toThrow(RELEASED);
      await expect(session.execute('SELECT 1', [])).rejects.toThrow(RELEASED);
      await expect(session.atomic(async () => 1)).rejects.toThrow(RELEASED);
    });
  });

  describe(`atomic contract on ${backend}`, () => {
    if (options.cleanup) afterEach(() => options.cleanup?.());

    test(`a failing atomic block rolls its rows back${options.transactionalDdl ? ', DDL included' : ''}; committed blocks stay`, async () => {
      const { driver } = await replica();
      const failure = new Error('step 2 failed');
      await driver.withLock(LOCK, 1000, async (session) => {
        await session.atomic(async () => {
          await session.execute('CREATE TABLE sy_lock_kept (v int)', []);
          await session.execute('INSERT INTO sy_lock_kept (v) VALUES (1)', []);
        });
        await expect(
          session.atomic(async () => {
            await session.execute('INSERT INTO sy_lock_kept (v) VALUES (2)', []);
            // Without transactional DDL a CREATE would commit the insert: see the adapter's own tests.
            if (options.transactionalDdl) await session.execute('CREATE TABLE sy_lock_dropped (v int)', []);
            throw failure;
          }),
        ).rejects.toBe(failure);
      });
      const observer = (await replica()).driver;
      expect(await values(observer, 'sy_lock_kept')).toEqual([1]);
      if (options.transactionalDdl) expect(await tableExists(observer, 'sy_lock_dropped')).toBe(false);
      await dropTables(observer, 'sy_lock_kept');
    });

    test('atomic blocks nest as savepoints: an inner failure undoes the inner block only', async () => {
      const { driver } = await replica();
      const inner = new Error('inner');
      await driver.withLock(LOCK, 1000, async (session) => {
        await session.execute('CREATE TABLE sy_lock_nested (v int)', []);
        await session.atomic(async () => {
          await session.execute('INSERT INTO sy_lock_nested (v) VALUES (1)', []);
          await expect(
            session.atomic(async () => {
              await session.execute('INSERT INTO sy_lock_nested (v) VALUES (2)', []);
              throw inner;
            }),
          ).rejects.toBe(inner);
          // A failed statement, not only a thrown error, is undone with its block.
          await expect(
            session.atomic(async () => {
              await session.execute('INSERT INTO sy_lock_nested (v) VALUES (4)', []);
              await session.execute('INSERT INTO sy_lock_missing (v) VALUES (5)', []);
            }),
          ).rejects.toThrow();
          await session.execute('INSERT INTO sy_lock_nested (v) VALUES (3)', []);
        });
      });
      const observer = (await replica()).driver;
      expect(await values(observer, 'sy_lock_nested')).toEqual([1, 3]);
      await dropTables(observer, 'sy_lock_nested');
    });

    test('an atomic block still open when the callback settles keeps nothing, and the lock is free', async () => {
      const holder = await replica();
      const entered = signal();
      const leave = signal();
      let pending: Promise<unknown> | undefined;
      const work = holder.driver.withLock(LOCK, 1000, async (session) => {
        await session.execute('CREATE TABLE sy_lock_orphan (v int)', []);
        pending = session.atomic(async () => {
          await session.execute('INSERT INTO sy_lock_orphan (v) VALUES (1)', []);
          if (options.transactionalDdl) await session.execute('CREATE TABLE sy_lock_orphan_ddl (v int)', []);
          entered.fire();
          await leave.promise;
        });
        await entered.promise;
        return 'settled';
      });
      try {
        if (options.lockTransaction)
          await expect(work).rejects.toThrow(options.lockTransaction.openAtomicError);
        else expect(await work).toBe('settled');
      } finally {
        leave.fire();
      }
      await expect(pending).rejects.toThrow(RELEASED);
      await checks.afterOpenAtomic?.(holder);
      const observer = (await replica()).driver;
      // Where the lock is one transaction, the table made outside the block went with it.
      if (options.lockTransaction) expect(await tableExists(observer, 'sy_lock_orphan')).toBe(false);
      else expect(await values(observer, 'sy_lock_orphan')).toEqual([]);
      if (options.transactionalDdl) expect(await tableExists(observer, 'sy_lock_orphan_ddl')).toBe(false);
      expect(await observer.withLock(LOCK, 1000, async () => 'free')).toBe('free');
      await dropTables(observer, 'sy_lock_orphan', 'sy_lock_orphan_ddl');
    });
  });
}
