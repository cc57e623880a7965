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
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { openStore, type Store } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import { Account, conformanceSchema, Post } from '../conformance-schema.ts';

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
      readonly error: { readonly name: string; readonly code?: string; readonly message: string };
    };

/** `seq` of the post a worker writes in its i-th transaction: unique across workers. */
const postSeq = (worker: number, i: number): number => worker * 100_000 + i;

function say(message: WorkerMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function loadAdapter(moduleName: string): Promise<Adapter> {
  const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(moduleName);
  const mod = (await import(pathToFileURL(resolved).href)) as { adapter?: Adapter };
  if (!mod.adapter) throw new Error(`${moduleName} does not export "adapter"`);
  return mod.adapter;
}

function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        resolve();
      }
    });
    lines.on('close', () => resolve());
    lines.on('error', reject);
  });
}

async function main(): Promise<void> {
  const url = process.env.SWITCHYARD_WORKER_URL;
  const adapterModule = process.env.SWITCHYARD_WORKER_ADAPTER;
  const input = JSON.parse(process.argv[2] ?? '{}') as WorkerInput;
  if (!url || !adapterModule)
    throw new Error('SWITCHYARD_WORKER_URL and SWITCHYARD_WORKER_ADAPTER are required');
  const adapter = await loadAdapter(adapterModule);
  let store: Store | undefined;
  let runs = 0;
  let committed = 0;
  try {
    store = await openStore({ url, schema: conformanceSchema, adapter });
    say({ type: 'ready', worker: input.worker });
    await waitForGo();
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
    say({ type: 'result', worker: input.worker, ok: true, committed, runs });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    say({
      type: 'result',
      worker: input.worker,
      ok: false,
      error: { name: e.name, code: (e as { code?: string }).code, message: e.message },
    });
    process.exitCode = 1;
  } finally {
    await store?.close();
  }
}

await main();
