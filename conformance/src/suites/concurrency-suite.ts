import { UniqueConstraintError, VersionConflictError } from '@switchyard/core';
import { expect } from 'vitest';
import { Account, Post } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import type { WorkerInput, WorkerMessage } from '../workers/concurrent-writer.ts';
import { runTogether, startWorker } from './worker-process.ts';

const newAccount = (email = `${crypto.randomUUID()}@example.com`) => ({ email, name: 'Ada', balance: 0 });

const WRITERS = 8;
const INCREMENTS = 25;
const PROCESSES = 4;
const TRANSACTIONS_PER_PROCESS = 50;
/** Longest a worker process may take, start-up included. */
const PROCESS_DEADLINE_MS = 45_000;

export const concurrencySuite = defineSuite('concurrency', {
  '8 parallel writers doing read-modify-write with expectedVersion lose no update': async ({ store }) => {
    const repo = store.repo(Account);
    const account = await repo.insert(newAccount());
    const writer = async () => {
      for (let done = 0; done < INCREMENTS; ) {
        const row = await repo.get(account.id);
        if (!row) throw new Error('the account disappeared');
        try {
          await repo.update(row.id, { balance: row.balance + 1 }, { expectedVersion: row.version });
          done++;
        } catch (error) {
          if (!(error instanceof VersionConflictError)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    const final = await repo.get(account.id);
    expect(final?.balance).toBe(WRITERS * INCREMENTS);
    expect(final?.version).toBe(WRITERS * INCREMENTS + 1);
  },
  '8 parallel inserts of one unique key: exactly one wins, 7 throw UniqueConstraintError': async ({
    store,
  }) => {
    const repo = store.repo(Account);
    const email = `${crypto.randomUUID()}@example.com`;
    const outcomes = await Promise.allSettled(
      Array.from({ length: WRITERS }, () => repo.insert(newAccount(email))),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(WRITERS - 1);
    for (const reason of lost) {
      expect(reason).toBeInstanceOf(UniqueConstraintError);
      expect((reason as UniqueConstraintError).code).toBe('UNIQUE_VIOLATION');
    }
    expect(await repo.count({ email })).toBe(1);
  },
  '8 parallel upserts of one new key all succeed and leave one row': async ({ store }) => {
    const repo = store.repo(Account);
    const id = crypto.randomUUID();
    const email = `${id}@example.com`;
    const outcomes = await Promise.allSettled(
      Array.from({ length: WRITERS }, (_, i) => repo.upsert({ id, email, name: `writer ${i}`, balance: i })),
    );
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(failures).toEqual([]);
    expect(await repo.count({ id })).toBe(1);
    const row = await repo.get(id);
    // The first upsert inserts (version 1); each later one updates (version + 1).
    expect(row?.version).toBe(WRITERS);
  },
  '4 OS processes writing one database at once: no error reaches the caller, none is retried, every write is present':
    async ({ store, url, adapterModule }) => {
      const account = await store.repo(Account).insert(newAccount());
      const workers = Array.from({ length: PROCESSES }, (_, worker) =>
        startWorker<WorkerMessage>('concurrent-writer.js', url, adapterModule, {
          worker,
          accountId: account.id,
          transactions: TRANSACTIONS_PER_PROCESS,
        } satisfies WorkerInput),
      );
      // Every process has opened its store before any of them writes: the writes overlap.
      const results = await runTogether(workers, PROCESS_DEADLINE_MS);
      for (const [worker, r] of results.entries()) {
        const detail = `worker ${worker}: exit ${r.code} ${r.signal ?? ''} ${JSON.stringify(r.result)} ${r.stderr}`;
        expect(r.code, detail).toBe(0);
        expect(r.result, detail).toMatchObject({
          type: 'result',
          ok: true,
          committed: TRANSACTIONS_PER_PROCESS,
        });
        // Each transaction took its locks up front and waited for them: none failed with a busy,
        // lock-timeout or deadlock error that a retry then hid.
        expect(r.result, detail).toMatchObject({ runs: TRANSACTIONS_PER_PROCESS });
      }
      const posts = await store.repo(Post).find({ account: account.id }, { orderBy: { seq: 'asc' } });
      const expected = Array.from({ length: PROCESSES }, (_, w) =>
        Array.from({ length: TRANSACTIONS_PER_PROCESS }, (_, i) => w * 100_000 + i),
      ).flat();
      expect(posts.items.map((p) => p.seq)).toEqual(expected);
      const final = await store.repo(Account).get(account.id);
      expect(final?.balance).toBe(PROCESSES * TRANSACTIONS_PER_PROCESS);
      expect(final?.version).toBe(PROCESSES * TRANSACTIONS_PER_PROCESS + 1);
    },
});
