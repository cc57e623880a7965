import {
  BusyError,
  DeadlockError,
  type IsolationLevel,
  LockTimeoutError,
  NotFoundError,
  type RetryOptions,
  SerializationError,
  type Store,
  TransactionEndedError,
  type TransactionScope,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core';
import { expect } from 'vitest';
import { Account, Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { newTag, sleep, within } from './suite-helpers.ts';

const newAccount = (email = `${crypto.randomUUID()}@example.com`) => ({ email, name: 'Ada', balance: 0 });
const CONCURRENT = 8;

class Boom extends Error {
  override readonly name = 'Boom';
}

async function labelsOf(store: Store, tag: string): Promise<number[]> {
  const page = await store.repo(Sample).find({ label: tag }, { orderBy: { int: 'asc' } });
  return page.items.map((r) => r.int as number);
}

/** CONCURRENT read-modify-write increments at `isolation` (retried) must all survive. */
async function expectNoLostUpdate(store: Store, isolation: IsolationLevel): Promise<void> {
  const account = await store.repo(Account).insert(newAccount());
  await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      store.transaction(
        async (tx) => {
          const row = await tx.repo(Account).get(account.id);
          if (!row) throw new Error('the account disappeared');
          await tx.repo(Account).update(account.id, { balance: row.balance + 1 });
        },
        { isolation, retry: { attempts: 50 } },
      ),
    ),
  );
  const final = await store.repo(Account).get(account.id);
  expect(final?.balance).toBe(CONCURRENT);
  expect(final?.version).toBe(CONCURRENT + 1);
}

export const transactionsSuite = defineSuite('transactions', {
  'commit makes every write visible to another store, and nothing is visible before it': async ({
    store,
    openStore,
  }) => {
    const other = await openStore();
    const tag = newTag();
    const updated = await store.repo(Sample).insert({ label: tag, int: 0 });
    const deleted = await store.repo(Sample).insert({ label: tag, int: 9 });
    const result = await store.transaction(async (tx) => {
      await tx.repo(Sample).insertMany([
        { label: tag, int: 1 },
        { label: tag, int: 2 },
      ]);
      await tx.repo(Sample).update(updated.id, { body: 'changed' });
      await tx.repo(Sample).delete(deleted.id);
      expect(await labelsOf(other, tag)).toEqual([0, 9]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await labelsOf(other, tag)).toEqual([0, 1, 2]);
    expect((await other.repo(Sample).get(updated.id))?.body).toBe('changed');
    expect(await other.repo(Sample).get(deleted.id)).toBeNull();
  },
  'a throw rolls back every write and rethrows the very same error object': async ({ store }) => {
    const tag = newTag();
    const kept = await store.repo(Sample).insert({ label: tag, int: 0, body: 'before' });
    const boom = new Boom('rolled back');
    let caught: unknown;
    try {
      await store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        await tx.repo(Sample).update(kept.id, { body: 'after' });
        const victim = await tx.repo(Sample).insert({ label: tag, int: 2 });
        await tx.repo(Sample).delete(victim.id);
        await tx.repo(Sample).delete(kept.id);
        throw boom;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(boom);
    expect(await labelsOf(store, tag)).toEqual([0]);
    expect(await store.repo(Sample).get(kept.id)).toEqual(kept);
  },
  'a database error inside the callback rolls back the earlier writes and rethrows the typed error': async ({
    store,
  }) => {
    const tag = newTag();
    const taken = await store.repo(Account).insert(newAccount());
    await expectError(
      store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        await tx.repo(Account).insert(newAccount(taken.email));
      }),
      UniqueConstraintError,
      'UNIQUE_VIOLATION',
    );
    expect(await labelsOf(store, tag)).toEqual([]);
  },
  'store.repo() inside the callback joins the transaction (ambient), and so does tx.repo()': async ({
    store,
    openStore,
  }) => {
    const other = await openStore();
    const tag = newTag();
    const boom = new Boom('undo both');
    await expectError(
      store.transaction(async (tx) => {
        await store.repo(Sample).insert({ label: tag, int: 1 });
        await tx.repo(Sample).insert({ label: tag, int: 2 });
        // Each sees the other's write: one transaction, one connection.
        expect(await labelsOf(store, tag)).toEqual([1, 2]);
        expect(await tx.repo(Sample).count({ label: tag })).toBe(2);
        // Neither write is committed yet.
        expect(await labelsOf(other, tag)).toEqual([]);
        throw boom;
      }),
      Boom,
    );
    expect(await labelsOf(store, tag)).toEqual([]);
  },
  'a nested tx.transaction() that throws and is caught rolls back only its own writes': async ({ store }) => {
    const tag = newTag();
    await store.transaction(async (tx) => {
      await tx.repo(Sample).insert({ label: tag, int: 1 });
      const boom = new Boom('inner');
      let caught: unknown;
      try {
        await tx.transaction(async (inner) => {
          await inner.repo(Sample).insert({ label: tag, int: 2 });
          expect(await labelsOf(store, tag)).toEqual([1, 2]);
          throw boom;
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBe(boom);
      expect(await labelsOf(store, tag)).toEqual([1]);
      await tx.repo(Sample).insert({ label: tag, int: 3 });
    });
    expect(await labelsOf(store, tag)).toEqual([1, 3]);
  },
  'a nested failure that propagates rolls back the whole transaction': async ({ store }) => {
    const tag = newTag();
    const boom = new Boom('propagates');
    let caught: unknown;
    try {
      await store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        await tx.transaction(async (inner) => {
          await inner.repo(Sample).insert({ label: tag, int: 2 });
          throw boom;
        });
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(boom);
    expect(await labelsOf(store, tag)).toEqual([]);
  },
  'nested transactions are savepoints: two levels deep, each rolls back alone': async ({ store }) => {
    const tag = newTag();
    const value = await store.transaction(async (tx) => {
      await tx.repo(Sample).insert({ label: tag, int: 1 });
      const fromLevel1 = await tx.transaction(async (level1) => {
        await level1.repo(Sample).insert({ label: tag, int: 2 });
        // Level 2 fails and is caught: only its own write goes.
        await level1
          .transaction(async (level2) => {
            await level2.repo(Sample).insert({ label: tag, int: 3 });
            throw new Boom('level 2');
          })
          .catch((error: unknown) => {
            if (!(error instanceof Boom)) throw error;
          });
        // Level 2 succeeds: its write is kept with level 1's.
        const fromLevel2 = await level1.transaction(async (level2) => {
          await level2.repo(Sample).insert({ label: tag, int: 4 });
          return 'level 2 value';
        });
        await level1.repo(Sample).insert({ label: tag, int: 5 });
        return fromLevel2;
      });
      expect(fromLevel1).toBe('level 2 value');
      // Level 1 fails after a successful level 2: both go, level 0 stays.
      await tx
        .transaction(async (level1) => {
          await level1.repo(Sample).insert({ label: tag, int: 6 });
          await level1.transaction(async (level2) => {
            await level2.repo(Sample).insert({ label: tag, int: 7 });
          });
          throw new Boom('level 1');
        })
        .catch((error: unknown) => {
          if (!(error instanceof Boom)) throw error;
        });
      await tx.repo(Sample).insert({ label: tag, int: 8 });
      return 'outer value';
    });
    expect(value).toBe('outer value');
    expect(await labelsOf(store, tag)).toEqual([1, 2, 4, 5, 8]);
  },
  'a database error inside a nested transaction leaves the outer transaction usable': async ({ store }) => {
    const tag = newTag();
    const taken = await store.repo(Account).insert(newAccount());
    await store.transaction(async (tx) => {
      await tx.repo(Sample).insert({ label: tag, int: 1 });
      await expectError(
        tx.transaction(async (inner) => {
          await inner.repo(Sample).insert({ label: tag, int: 2 });
          await inner.repo(Account).insert(newAccount(taken.email));
        }),
        UniqueConstraintError,
      );
      await tx.repo(Sample).insert({ label: tag, int: 3 });
    });
    expect(await labelsOf(store, tag)).toEqual([1, 3]);
  },
  'nested transactions started at once run one after another: a failing one rolls back only its own writes':
    async ({ store }) => {
      const tag = newTag();
      const succeeds = (first: number) => async (inner: TransactionScope) => {
        await inner.repo(Sample).insert({ label: tag, int: first });
        await sleep(10);
        await inner.repo(Sample).insert({ label: tag, int: first + 1 });
        return 'kept';
      };
      const fails = (value: number) => async (inner: TransactionScope) => {
        await inner.repo(Sample).insert({ label: tag, int: value });
        await sleep(5);
        throw new Boom(`nested ${value} fails`);
      };
      const caught = (error: unknown) => {
        if (!(error instanceof Boom)) throw error;
        return 'rolled back';
      };
      await within(
        20_000,
        store.transaction(async (tx) => {
          await tx.repo(Sample).insert({ label: tag, int: 1 });
          // The succeeding one started first, then the failing one first.
          expect(
            await Promise.all([tx.transaction(succeeds(10)), tx.transaction(fails(20)).catch(caught)]),
          ).toEqual(['kept', 'rolled back']);
          expect(
            await Promise.all([tx.transaction(fails(30)).catch(caught), tx.transaction(succeeds(40))]),
          ).toEqual(['rolled back', 'kept']);
          await tx.repo(Sample).insert({ label: tag, int: 50 });
        }),
        'concurrent nested transactions',
      );
      expect(await labelsOf(store, tag)).toEqual([1, 10, 11, 40, 41, 50]);
    },
  'store.transaction() inside a transaction nests as a savepoint instead of opening a second connection':
    async ({ store }) => {
      const tag = newTag();
      await within(
        20_000,
        store.transaction(async () => {
          await store.repo(Sample).insert({ label: tag, int: 1 });
          await store
            .transaction(async () => {
              await store.repo(Sample).insert({ label: tag, int: 2 });
              // Sees the outer transaction's uncommitted write: same connection.
              expect(await labelsOf(store, tag)).toEqual([1, 2]);
              throw new Boom('inner only');
            })
            .catch((error: unknown) => {
              if (!(error instanceof Boom)) throw error;
            });
          await store.transaction(async () => {
            await store.repo(Sample).insert({ label: tag, int: 3 });
          });
        }),
        'a transaction nested with store.transaction()',
      );
      expect(await labelsOf(store, tag)).toEqual([1, 3]);
    },
  'a call through a transaction that has ended fails with TransactionEndedError and never writes, even inside a later transaction':
    async ({ store }) => {
      const tag = newTag();
      let committed: TransactionScope | undefined;
      // The late call's outcome is captured at once, so its rejection is never unhandled.
      let late: Promise<unknown> | undefined;
      await store.transaction(async (tx) => {
        committed = tx;
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        // A callback that outlives the transaction: not awaited, writes after the commit.
        late = sleep(50).then(() => tx.repo(Sample).insert({ label: tag, int: 2 }));
        late.catch(() => undefined);
      });
      if (!committed || !late) throw new Error('the transaction callback did not run');
      const ended: TransactionScope = committed;
      await expectError(late, TransactionEndedError, 'TRANSACTION_ENDED');
      await expectError(
        ended.repo(Sample).insert({ label: tag, int: 3 }),
        TransactionEndedError,
        'TRANSACTION_ENDED',
      );
      await expectError(ended.repo(Sample).find({ label: tag }), TransactionEndedError);
      await expectError(
        ended.transaction(async () => undefined),
        TransactionEndedError,
      );
      // Nor does the old handle join a later transaction: it fails there too, and the later
      // transaction still commits its own writes.
      await store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 4 });
        await expectError(
          ended.repo(Sample).insert({ label: tag, int: 5 }),
          TransactionEndedError,
          'TRANSACTION_ENDED',
        );
        await tx.repo(Sample).insert({ label: tag, int: 6 });
      });
      // The handle of a rolled-back transaction is refused the same way.
      let rolledBack: TransactionScope | undefined;
      await expectError(
        store.transaction(async (tx) => {
          rolledBack = tx;
          await tx.repo(Sample).insert({ label: tag, int: 7 });
          throw new Boom('roll back');
        }),
        Boom,
      );
      if (!rolledBack) throw new Error('the transaction callback did not run');
      await expectError(rolledBack.repo(Sample).insert({ label: tag, int: 8 }), TransactionEndedError);
      expect(await labelsOf(store, tag)).toEqual([1, 4, 6]);
    },
  'store.health() inside a transaction answers without waiting for the transaction (no deadlock)': async ({
    store,
  }) => {
    const tag = newTag();
    const health = await within(
      20_000,
      store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        const report = await store.health();
        await tx.repo(Sample).insert({ label: tag, int: 2 });
        return report;
      }),
      'health() inside a transaction',
    );
    expect(health.ok).toBe(true);
    expect(await labelsOf(store, tag)).toEqual([1, 2]);
  },
  'a retryable error (lock timeout, deadlock, serialization failure, busy) reruns the callback, which commits once':
    async ({ store }) => {
      for (const Retryable of [LockTimeoutError, DeadlockError, SerializationError, BusyError]) {
        const tag = newTag();
        let runs = 0;
        const result = await store.transaction(async (tx) => {
          runs++;
          await tx.repo(Sample).insert({ label: tag, int: runs });
          if (runs <= 2) throw new Retryable(`transient failure ${runs}`);
          return runs;
        });
        expect(runs, Retryable.name).toBe(3);
        expect(result, Retryable.name).toBe(3);
        // The failed runs were rolled back; only the third run's write is committed.
        expect(await labelsOf(store, tag), Retryable.name).toEqual([3]);
      }
    },
  'retry.attempts bounds the runs, then the last error is rethrown': async ({ store }) => {
    const tag = newTag();
    let runs = 0;
    const errors: LockTimeoutError[] = [];
    let caught: unknown;
    try {
      await store.transaction(
        async (tx) => {
          runs++;
          await tx.repo(Sample).insert({ label: tag, int: runs });
          const error = new LockTimeoutError(`attempt ${runs}`);
          errors.push(error);
          throw error;
        },
        { retry: { attempts: 2, baseDelayMs: 1 } },
      );
    } catch (error) {
      caught = error;
    }
    expect(runs).toBe(2);
    expect(caught).toBe(errors[1]);
    expect(await labelsOf(store, tag)).toEqual([]);
  },
  'retry.attempts left undefined means the default of 5 runs; 0 or a fraction is refused with ValidationError before the callback runs':
    async ({ store }) => {
      let runs = 0;
      const alwaysLocked = async () => {
        runs++;
        throw new LockTimeoutError(`attempt ${runs}`);
      };
      await expectError(
        store.transaction(alwaysLocked, { retry: { attempts: undefined, baseDelayMs: 1 } }),
        LockTimeoutError,
      );
      expect(runs).toBe(5);
      for (const attempts of [0, 1.5, -1, Number.NaN, '3' as never]) {
        runs = 0;
        const retry: RetryOptions = { attempts, baseDelayMs: 1 };
        await expectError(store.transaction(alwaysLocked, { retry }), ValidationError, 'VALIDATION');
        expect(runs, String(attempts)).toBe(0);
      }
    },
  'retry: false runs the callback once': async ({ store }) => {
    let runs = 0;
    const error = new DeadlockError('no retry');
    let caught: unknown;
    try {
      await store.transaction(
        async () => {
          runs++;
          throw error;
        },
        { retry: false },
      );
    } catch (e) {
      caught = e;
    }
    expect(runs).toBe(1);
    expect(caught).toBe(error);
  },
  'a non-retryable error is never retried': async ({ store }) => {
    const taken = await store.repo(Account).insert(newAccount());
    const failures: [string, () => Promise<unknown>][] = [
      [
        'a plain Error',
        () => {
          throw new Boom('plain');
        },
      ],
      ['ValidationError', () => store.repo(Sample).insert({ int: 1.5 })],
      ['UniqueConstraintError', () => store.repo(Account).insert(newAccount(taken.email))],
      ['NotFoundError', () => store.repo(Sample).update(crypto.randomUUID(), { label: 'x' })],
    ];
    for (const [what, fail] of failures) {
      let runs = 0;
      let caught: unknown;
      try {
        await store.transaction(
          async () => {
            runs++;
            await fail();
          },
          { retry: { attempts: 5, baseDelayMs: 1 } },
        );
      } catch (error) {
        caught = error;
      }
      expect(runs, what).toBe(1);
      expect(caught, what).toBeDefined();
    }
    // The NotFoundError case, once more, to pin its class.
    await expectError(
      store.transaction(() => store.repo(Sample).update(crypto.randomUUID(), { label: 'x' })),
      NotFoundError,
    );
  },
  'a nested transaction is not retried on its own: the outermost one is': async ({ store }) => {
    const tag = newTag();
    let outerRuns = 0;
    let innerRuns = 0;
    await store.transaction(
      async (tx) => {
        outerRuns++;
        await tx.repo(Sample).insert({ label: tag, int: outerRuns * 10 });
        await tx.transaction(async (inner) => {
          innerRuns++;
          await inner.repo(Sample).insert({ label: tag, int: outerRuns * 10 + 1 });
          if (innerRuns === 1) throw new LockTimeoutError('inner conflict');
        });
      },
      { retry: { attempts: 3, baseDelayMs: 1 } },
    );
    expect(outerRuns).toBe(2);
    expect(innerRuns).toBe(2);
    expect(await labelsOf(store, tag)).toEqual([20, 21]);
  },
  'a readOnly transaction reads, and a write in it is refused with ValidationError writing nothing': async ({
    store,
  }) => {
    const tag = newTag();
    const existing = await store.repo(Sample).insert({ label: tag, int: 1 });
    const read = await store.transaction(async (tx) => tx.repo(Sample).get(existing.id), { readOnly: true });
    expect(read).toEqual(existing);
    await expectError(
      store.transaction((tx) => tx.repo(Sample).insert({ label: tag, int: 2 }), { readOnly: true }),
      ValidationError,
    );
    await expectError(
      store.transaction((tx) => tx.repo(Sample).update(existing.id, { int: 3 }), { readOnly: true }),
      ValidationError,
    );
    await expectError(
      store.transaction(() => store.repo(Sample).deleteMany({ label: tag }), { readOnly: true }),
      ValidationError,
    );
    expect(await labelsOf(store, tag)).toEqual([1]);
    // The store is writable again afterwards.
    await store.repo(Sample).insert({ label: tag, int: 4 });
    await store.transaction((tx) => tx.repo(Sample).insert({ label: tag, int: 5 }));
    expect(await labelsOf(store, tag)).toEqual([1, 4, 5]);
  },
  "isolation 'serializable' is honoured: 8 concurrent read-modify-write transactions lose no update": {
    needs: ['isolationLevels'],
    run: ({ store }) => expectNoLostUpdate(store, 'serializable'),
  },
  "isolation 'repeatable read' is honoured: 8 concurrent read-modify-write transactions lose no update": {
    needs: ['isolationLevels'],
    run: ({ store }) => expectNoLostUpdate(store, 'repeatable read'),
  },
  'forUpdate inside a transaction serialises 8 concurrent read-modify-write transactions at the default isolation':
    {
      needs: ['forUpdate'],
      run: async ({ store }) => {
        const account = await store.repo(Account).insert(newAccount());
        await Promise.all(
          Array.from({ length: CONCURRENT }, () =>
            store.transaction(async (tx) => {
              const row = await tx.repo(Account).get(account.id, { forUpdate: true });
              if (!row) throw new Error('the account disappeared');
              await tx.repo(Account).update(account.id, { balance: row.balance + 1 });
            }),
          ),
        );
        const final = await store.repo(Account).get(account.id);
        expect(final?.balance).toBe(CONCURRENT);
        expect(final?.version).toBe(CONCURRENT + 1);
      },
    },
  'forUpdate outside a transaction is refused with ValidationError': {
    needs: ['forUpdate'],
    run: async ({ store }) => {
      const row = await store.repo(Sample).insert({ label: newTag() });
      await expectError(store.repo(Sample).get(row.id, { forUpdate: true }), ValidationError, 'VALIDATION');
      await expectError(
        store.repo(Sample).find({ id: row.id }, { forUpdate: true }),
        ValidationError,
        'VALIDATION',
      );
    },
  },
  'isolation or readOnly on a nested transaction is refused with ValidationError': {
    needs: ['isolationLevels', 'readOnlyTransactions'],
    run: async ({ store }) => {
      const tag = newTag();
      let innerRuns = 0;
      await store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        const inner = async () => {
          innerRuns++;
        };
        await expectError(
          store.transaction(inner, { isolation: 'serializable' }),
          ValidationError,
          'VALIDATION',
        );
        await expectError(store.transaction(inner, { readOnly: true }), ValidationError, 'VALIDATION');
        // The refusal left the outer transaction intact.
        await tx.repo(Sample).insert({ label: tag, int: 2 });
      });
      expect(innerRuns).toBe(0);
      expect(await labelsOf(store, tag)).toEqual([1, 2]);
    },
  },
  'an unknown isolation level is refused with ValidationError before the callback runs': async ({
    store,
  }) => {
    let runs = 0;
    await expectError(
      store.transaction(
        async () => {
          runs++;
        },
        { isolation: 'snapshot' as never },
      ),
      ValidationError,
      'VALIDATION',
    );
    expect(runs).toBe(0);
  },
  'a statement of the outer transaction while a nested one is open is refused, and no committed write is lost':
    {
      needs: ['savepoints'],
      run: async ({ store }) => {
        const tag = newTag();
        let outerError: unknown;
        await store.transaction(async (tx) => {
          await tx.repo(Sample).insert({ label: tag, int: 1 });
          await Promise.all([
            tx
              .transaction(async (inner) => {
                await inner.repo(Sample).insert({ label: tag, int: 2 });
                await sleep(20);
                throw new Error('rolled back on purpose');
              })
              .catch(() => undefined),
            (async () => {
              await sleep(5);
              await tx
                .repo(Sample)
                .insert({ label: tag, int: 3 })
                .catch((error: unknown) => {
                  outerError = error;
                });
            })(),
          ]);
          await tx.repo(Sample).insert({ label: tag, int: 4 });
        });
        expect(outerError).toBeInstanceOf(ValidationError);
        const ints = (await store.repo(Sample).find({ label: tag }, { orderBy: { int: 'asc' } })).items.map(
          (r) => r.int,
        );
        expect(ints).toEqual([1, 4]);
      },
    },
  'a call through a nested transaction after it ended fails with TransactionEndedError and never writes': {
    needs: ['savepoints'],
    run: async ({ store }) => {
      const tag = newTag();
      // The late call's outcome is captured at once, so its rejection is never unhandled.
      let late: Promise<unknown> | undefined;
      await store.transaction(async (tx) => {
        await tx
          .transaction(async (inner) => {
            late = sleep(30)
              .then(() => inner.repo(Sample).insert({ label: tag, int: 9 }))
              .then(
                () => undefined,
                (error: unknown) => error,
              );
            throw new Error('rolled back on purpose');
          })
          .catch(() => undefined);
        await sleep(60);
        await tx.repo(Sample).insert({ label: tag, int: 1 });
      });
      const lateError = await late;
      expect(lateError).toBeInstanceOf(TransactionEndedError);
      expect((lateError as TransactionEndedError).code).toBe('TRANSACTION_ENDED');
      expect((await store.repo(Sample).find({ label: tag })).items.map((r) => r.int)).toEqual([1]);
    },
  },
});
