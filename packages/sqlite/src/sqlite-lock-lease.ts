import { randomUUID } from 'node:crypto';
import {
  type AcquiredLock,
  ConfigurationError,
  type DriverSession,
  ident,
  LOCK_TABLE,
  type LockDialect,
  LockLostError,
  type LockRequest,
  sql,
} from '@switchyard/core/adapter';

/**
 * `store.locks` on SQLite: a lease row per held name in `switchyard_locks`. SQLite has no lock that
 * outlives a statement without blocking every other writer of the file, and nothing tells it that
 * a process died; a lease does both jobs: it is renewed while its holder lives, and any process may
 * take it over once its expiry has passed. Every process of one database file shares the machine's
 * clock, so `expires_at` (milliseconds since the epoch) means the same to all of them.
 */
export const sqliteLockStorage: LockDialect = {
  createStorage: () => [
    sql`CREATE TABLE IF NOT EXISTS ${ident(LOCK_TABLE)} ("name" TEXT PRIMARY KEY NOT NULL, "owner" TEXT NOT NULL, "expires_at" INTEGER NOT NULL)`,
  ],
  dropStorage: () => [sql`DROP TABLE IF EXISTS ${ident(LOCK_TABLE)}`],
};

const TABLE = `"${LOCK_TABLE}"`;
/** One statement, so it is atomic on its own: a new row, or an expired one taken over; nothing otherwise. */
const TAKE = `INSERT INTO ${TABLE} ("name", "owner", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("name") DO UPDATE SET "owner" = excluded."owner", "expires_at" = excluded."expires_at" WHERE ${TABLE}."expires_at" <= ?`;
const RENEW = `UPDATE ${TABLE} SET "expires_at" = ? WHERE "name" = ? AND "owner" = ?`;
const RELEASE = `DELETE FROM ${TABLE} WHERE "name" = ? AND "owner" = ?`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function missingTable(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'SQLITE_ERROR' && typeof message === 'string' && message.includes(`no such table: ${LOCK_TABLE}`)
  );
}

async function tryTake(session: DriverSession, name: string, owner: string, now: number, ttlMs: number) {
  try {
    const { affectedRows } = await session.execute(TAKE, [name, owner, now + ttlMs, now]);
    return affectedRows === 1;
  } catch (error) {
    if (!missingTable(error)) throw error;
    throw new ConfigurationError(
      `store.locks needs the table ${LOCK_TABLE}: run store.migrate() (with a migration history, create the migration that adds it with "switchyard migrate create").`,
      { cause: error },
    );
  }
}

/**
 * Takes the lease `name`, polling until `waitMs` has passed (a jitter keeps waiting processes
 * apart). The statements run on the driver's connection outside any transaction: between them the
 * database is free for everyone.
 */
export async function takeLease(
  session: DriverSession,
  name: string,
  request: LockRequest,
): Promise<AcquiredLock | null> {
  const deadline = performance.now() + request.waitMs;
  const owner = randomUUID();
  for (;;) {
    const now = Date.now();
    if (await tryTake(session, name, owner, now, request.ttlMs)) {
      return new SqliteLease(session, name, owner, request.ttlMs, now + request.ttlMs);
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) return null;
    await sleep(Math.min(remaining, 50 + Math.random() * 100));
  }
}

/**
 * A held lease: renewed every ttl / 3. It is lost when a renewal finds the row no longer this
 * holder's (taken over after it expired, or deleted), or when the expiry passes without a
 * successful renewal (the database was busy or failing) — from then on another process may take it.
 */
class SqliteLease implements AcquiredLock {
  readonly #session: DriverSession;
  readonly #name: string;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #controller = new AbortController();
  readonly lost = this.#controller.signal;
  #renewal: NodeJS.Timeout | undefined;
  #expiry: NodeJS.Timeout | undefined;
  /** Why the last renewal failed, if it did: the cause when the lease then runs out. */
  #renewalError: unknown;
  #released: Promise<void> | undefined;

  constructor(session: DriverSession, name: string, owner: string, ttlMs: number, expiresAt: number) {
    this.#session = session;
    this.#name = name;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.#expireAt(expiresAt);
    this.#scheduleRenewal();
  }

  get #ended(): boolean {
    return this.#released !== undefined || this.lost.aborted;
  }

  #expireAt(expiresAt: number): void {
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(
      () => this.#lose('its lease ran out before it could be renewed', this.#renewalError),
      Math.max(0, expiresAt - Date.now()),
    );
    // A held lock must not keep the process alive on its own.
    this.#expiry.unref();
  }

  #scheduleRenewal(): void {
    this.#renewal = setTimeout(() => void this.#renew(), Math.floor(this.#ttlMs / 3));
    this.#renewal.unref();
  }

  async #renew(): Promise<void> {
    if (this.#ended) return;
    const expiresAt = Date.now() + this.#ttlMs;
    let affectedRows: number;
    try {
      ({ affectedRows } = await this.#session.execute(RENEW, [expiresAt, this.#name, this.#owner]));
    } catch (error) {
      // Tried again next time; the expiry timer decides when it is too late.
      this.#renewalError = error;
      if (!this.#ended) this.#scheduleRenewal();
      return;
    }
    if (this.#ended) return;
    if (affectedRows === 0) {
      this.#lose('another process took its lease over, or its row was deleted');
      return;
    }
    this.#renewalError = undefined;
    this.#expireAt(expiresAt);
    this.#scheduleRenewal();
  }

  #lose(why: string, cause?: unknown): void {
    if (this.#ended) return;
    clearTimeout(this.#renewal);
    clearTimeout(this.#expiry);
    const message = `The lock "${this.#name}" was lost: ${why}.`;
    this.#controller.abort(new LockLostError(message, cause === undefined ? {} : { cause }));
  }

  release(): Promise<void> {
    this.#released ??= this.#delete();
    return this.#released;
  }

  async #delete(): Promise<void> {
    clearTimeout(this.#renewal);
    clearTimeout(this.#expiry);
    try {
      await this.#session.execute(RELEASE, [this.#name, this.#owner]);
    } catch {
      // Nobody else can delete it by mistake (the owner is this lease's own); it runs out after its ttl.
    }
  }
}
