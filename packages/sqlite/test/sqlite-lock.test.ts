import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describeLockContract, CONTRACT_LOCK as LOCK, signal } from '@switchyard/conformance';
import { ForeignKeyError, LockTimeoutError } from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteStoreDriver } from '../src/sqlite-driver.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Opened {
  readonly db: Database.Database;
  readonly driver: SqliteStoreDriver;
}

const opened: Opened[] = [];

function open(path: string, busyTimeoutMs = 5000): Opened {
  const db = new Database(path);
  const driver = new SqliteStoreDriver(db, { busyTimeoutMs, memory: path === ':memory:', readOnly: false });
  opened.push({ db, driver });
  return { db, driver };
}

let dir: string;
/** A database file of each test's own. */
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-lock-'));
  file = join(dir, 'app.sqlite');
  // WAL is set up before any process races to open the file.
  open(file);
});

afterEach(async () => {
  for (const { db, driver } of opened.splice(0)) {
    await driver.close();
    db.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

type HolderMessage = {
  waiting?: true;
  locked?: true;
  waitedMs?: number;
  released?: true;
  error?: string;
  message?: string;
};

/** `fixtures/lock-holder.mjs` in its own process: withLock through the adapter's driver. */
class Holder {
  readonly child: ChildProcess;
  readonly messages: HolderMessage[] = [];
  readonly #listeners = new Set<() => void>();
  readonly exited: Promise<void>;

  constructor(file: string, timeoutMs: number) {
    const script = fileURLToPath(new URL('./fixtures/lock-holder.mjs', import.meta.url));
    this.child = spawn(process.execPath, [script, file, String(timeoutMs)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.messages.push(JSON.parse(line) as HolderMessage);
      for (const listener of this.#listeners) listener();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** The first message with `key`, once it arrives. */
  async when(key: keyof HolderMessage): Promise<HolderMessage> {
    for (;;) {
      const found = this.messages.find((m) => m[key] !== undefined);
      if (found) return found;
      const arrived = new Promise<void>((resolve) => this.#listeners.add(resolve));
      await Promise.race([arrived, this.exited]);
      if (this.child.exitCode !== null && !this.messages.some((m) => m[key] !== undefined)) {
        throw new Error(`the lock holder exited without a "${key}" message`);
      }
    }
  }

  release(): void {
    this.child.stdin?.write('release\n');
  }
}

const holders: Holder[] = [];

function startHolder(path: string, timeoutMs: number): Holder {
  const holder = new Holder(path, timeoutMs);
  holders.push(holder);
  return holder;
}

afterEach(() => {
  for (const holder of holders.splice(0)) holder.child.kill('SIGKILL');
});

// Two drivers on one file stand for two processes; the file's write lock is the lock, whatever its name.
describeLockContract({
  backend: 'SQLite',
  replica: () => open(file),
  timeoutMessage: (lock, timeoutMs) =>
    `Waited ${timeoutMs / 1000} s for the lock "${lock}" on this database (SQLite's write lock of the file); another process holds it.`,
  tableExists: async (driver, table) =>
    (await driver.query('SELECT name FROM sqlite_schema WHERE name = ?', [table])).length > 0,
  transactionalDdl: true,
  lockScope: 'database',
  lockTransaction: { openAtomicError: 'while an atomic block was still running' },
  checks: {
    afterOpenAtomic: ({ db }) => expect(db.inTransaction).toBe(false),
  },
});

describe('withLock across processes', () => {
  test('another process waits while this one holds the lock, and runs once it is released', async () => {
    const { driver } = open(file);
    const inside = signal();
    const leave = signal();
    const holding = driver.withLock(LOCK, 1000, async (session) => {
      await session.execute('CREATE TABLE holder_log (pid INTEGER NOT NULL)', []);
      inside.fire();
      await leave.promise;
    });
    await inside.promise;
    const holder = startHolder(file, 20_000);
    await holder.when('waiting');
    await sleep(400);
    expect(holder.messages).toEqual([{ waiting: true }]);
    leave.fire();
    await holding;
    const locked = await holder.when('locked');
    expect(locked.waitedMs).toBeGreaterThanOrEqual(400);
    holder.release();
    await holder.when('released');
    expect(await driver.query('SELECT count(*) AS n FROM holder_log', [])).toEqual([{ n: 1n }]);
  });

  test('a process killed while holding the lock releases it', async () => {
    const holder = startHolder(file, 10_000);
    await holder.when('locked');
    holder.child.kill('SIGKILL');
    await holder.exited;
    const { driver } = open(file);
    const started = performance.now();
    const tables = await driver.withLock(LOCK, 5000, (session) =>
      session.query("SELECT name FROM sqlite_schema WHERE name = 'holder_log'", []),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    // The killed holder's transaction never committed.
    expect(tables).toEqual([]);
  });

  test('while another process holds the lock, withLock waits its timeout without blocking the event loop, then rejects and restores busy_timeout', async () => {
    const holder = startHolder(file, 10_000);
    await holder.when('locked');
    const { driver } = open(file, 1234);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = performance.now();
    let ran = false;
    const attempt = driver.withLock(LOCK, 500, async () => {
      ran = true;
    });
    await expect(attempt).rejects.toBeInstanceOf(LockTimeoutError);
    clearInterval(timer);
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    expect(ran).toBe(false);
    expect(ticks).toBeGreaterThan(20);
    expect((await driver.health()).settings.busy_timeout).toBe(1234);
    holder.release();
    await holder.when('released');
  });
});

describe('withLock and this process', () => {
  test('waits until the open transaction ends, then runs inside its own write transaction', async () => {
    const { db, driver } = open(':memory:');
    await driver.execute('CREATE TABLE t (v INTEGER)', []);
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    let inTransactionDuringWork: boolean | undefined;
    const work = driver.withLock(LOCK, 1000, async () => {
      inTransactionDuringWork = db.inTransaction;
      return 'done';
    });
    await tick();
    expect(inTransactionDuringWork).toBeUndefined();
    await tx.execute('INSERT INTO t (v) VALUES (1)', []);
    await tx.rollback();
    expect(await work).toBe('done');
    expect(inTransactionDuringWork).toBe(true);
    expect(db.inTransaction).toBe(false);
  });

  test("rejects with LockTimeoutError when this process's transaction outlasts the timeout", async () => {
    const { driver } = open(':memory:');
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    await expect(driver.withLock(LOCK, 100, async () => 'ran')).rejects.toBeInstanceOf(LockTimeoutError);
    await tx.commit();
    expect(await driver.withLock(LOCK, 0, async () => 'ran')).toBe('ran');
  });

  test('statements and transactions of the driver wait while the lock is held', async () => {
    const { driver } = open(':memory:');
    await driver.execute('CREATE TABLE t (v INTEGER)', []);
    const leave = signal();
    const order: string[] = [];
    const work = driver.withLock(LOCK, 1000, async () => {
      order.push('work started');
      await leave.promise;
      order.push('work ended');
    });
    await tick();
    const statement = driver.execute('INSERT INTO t (v) VALUES (1)', []).then(() => order.push('statement'));
    const begun = driver.begin({ isolation: undefined, readOnly: false }).then(async (tx) => {
      order.push('begin');
      await tx.commit();
    });
    await tick();
    expect(order).toEqual(['work started']);
    leave.fire();
    await Promise.all([work, statement, begun]);
    expect(order.slice(0, 2)).toEqual(['work started', 'work ended']);
    expect(order).toHaveLength(4);
  });

  test('transactions and locks waiting together take the connection one at a time', async () => {
    const { db, driver } = open(':memory:');
    await driver.execute('CREATE TABLE t (v INTEGER)', []);
    const first = await driver.begin({ isolation: undefined, readOnly: false });
    const order: string[] = [];
    const increments = Array.from({ length: 8 }, async (_, i) => {
      const tx = await driver.begin({ isolation: undefined, readOnly: false });
      order.push(`begin ${i}`);
      await tx.execute('INSERT INTO t (v) VALUES (?)', [i]);
      await tick();
      order.push(`commit ${i}`);
      await tx.commit();
    });
    const locks = Array.from({ length: 3 }, (_, i) =>
      driver.withLock(LOCK, 5000, async (session) => {
        order.push(`lock ${i}`);
        await session.execute('INSERT INTO t (v) VALUES (?)', [100 + i]);
        await tick();
        order.push(`lock ${i} ended`);
      }),
    );
    await tick();
    await first.commit();
    await Promise.all([...increments, ...locks]);
    expect(await driver.query('SELECT count(*) AS n FROM t', [])).toEqual([{ n: 11n }]);
    expect(db.inTransaction).toBe(false);
    // Whoever holds the connection finishes before the next one starts.
    for (let i = 0; i < order.length; i += 2) {
      const started = order[i] as string;
      const ended = started.startsWith('begin') ? started.replace('begin', 'commit') : `${started} ended`;
      expect(order[i + 1]).toBe(ended);
    }
  });

  test('a callback that throws synchronously releases the connection too', async () => {
    const { db, driver } = open(':memory:');
    await expect(
      driver.withLock(LOCK, 1000, () => {
        throw new Error('thrown synchronously');
      }),
    ).rejects.toThrow('thrown synchronously');
    expect(db.inTransaction).toBe(false);
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    await tx.commit();
  });
});

describe('foreign keys during schema work', () => {
  const schema = [
    'CREATE TABLE parent (id INTEGER PRIMARY KEY)',
    'CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE)',
    'INSERT INTO parent (id) VALUES (1)',
    'INSERT INTO child (id, parent_id) VALUES (10, 1)',
  ];

  test('rebuilding a parent table (create, copy, drop, rename) does not cascade to its children', async () => {
    const { driver } = open(':memory:');
    for (const statement of schema) await driver.execute(statement, []);
    await driver.withLock(LOCK, 1000, async (session) => {
      await session.execute('CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT)', []);
      await session.execute('INSERT INTO parent_new (id) SELECT id FROM parent', []);
      await session.execute('DROP TABLE parent', []);
      await session.execute('ALTER TABLE parent_new RENAME TO parent', []);
    });
    expect(await driver.query('SELECT id, parent_id FROM child', [])).toEqual([{ id: 10n, parent_id: 1n }]);
    expect((await driver.health()).settings.foreign_keys).toBe(true);
  });

  test('work that leaves a dangling reference is rolled back with ForeignKeyError naming the tables', async () => {
    const { driver } = open(':memory:');
    for (const statement of schema) await driver.execute(statement, []);
    const attempt = driver.withLock(LOCK, 1000, async (session) => {
      await session.execute('INSERT INTO child (id, parent_id) VALUES (11, 999)', []);
      await session.execute('CREATE TABLE added (v INTEGER)', []);
      return 'done';
    });
    await expect(attempt).rejects.toBeInstanceOf(ForeignKeyError);
    await expect(attempt).rejects.toThrow('"child" → "parent"');
    expect(await driver.query('SELECT id FROM child', [])).toEqual([{ id: 10n }]);
    expect(await driver.query("SELECT name FROM sqlite_schema WHERE name = 'added'", [])).toEqual([]);
    // Foreign keys are enforced again for ordinary writes.
    expect((await driver.health()).settings.foreign_keys).toBe(true);
    await expect(driver.execute('INSERT INTO child (id, parent_id) VALUES (12, 999)', [])).rejects.toThrow(
      /FOREIGN KEY/,
    );
  });
});
