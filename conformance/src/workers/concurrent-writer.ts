/**
 * A child process of the concurrency suite: one of several OS processes writing the same database
 * at once. It opens its own store, tells the parent it is ready (a JSON line on stdout), waits for
 * "go" on stdin so every process writes at the same moment, runs its transactions and prints one
 * JSON result line.
 *
 * Input — environment: `SWITCHYARD_WORKER_URL` (database URL), `SWITCHYARD_WORKER_ADAPTER`
 * (adapter package, resolved from the working directory); argv[2]: JSON
 * `{ worker, accountId, transactions }`.
 */
import { openStore } from '@switchyard/core';
import { Account, conformanceSchemaFor, Post } from '../conformance-schema.ts';
import { runWorker, type WorkerError } from './worker-support.ts';

export interface WorkerInput {
  readonly worker: number;
  readonly accountId: string;
  readonly transactions: number;
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly worker: number }
  | {
      readonly type: 'result';
      readonly worker: number;
      readonly ok: true;
      readonly committed: number;
      readonly runs: number;
    }
  | {
      readonly type: 'result';
      readonly worker: number;
      readonly ok: false;
      readonly error: WorkerError;
    };

/** `seq` of the post a worker writes in its i-th transaction: unique across workers. */
const postSeq = (worker: number, i: number): number => worker * 100_000 + i;

await runWorker<WorkerInput>(
  ({ url, adapter }) => openStore({ url, schema: conformanceSchemaFor(adapter), adapter }),
  async (store, input) => {
    let runs = 0;
    let committed = 0;
    for (let i = 0; i < input.transactions; i++) {
      await store.transaction(async (tx) => {
        runs++;
        // Lock the shared row first: taking the parent's lock before inserting a child avoids
        // lock-order deadlocks on the server backends.
        const account = await tx.repo(Account).get(input.accountId, { forUpdate: true });
        if (!account) throw new Error(`account ${input.accountId} not found`);
        await tx.repo(Post).insert({
          account: input.accountId,
          title: `worker ${input.worker}`,
          seq: postSeq(input.worker, i),
          createdAt: new Date(),
        });
        await tx.repo(Account).update(input.accountId, { balance: account.balance + 1 });
      });
      committed++;
    }
    return { committed, runs };
  },
);
