/**
 * A child process of the transfer suite: runs a transfer and freezes once `stopAt.rows` rows of
 * `stopAt.entity` are in the target, so the parent can SIGKILL it at a known point (batches
 * before it committed, nothing after). It says `{ "type": "ready" }` when frozen.
 *
 * Input — argv[2]: JSON `{ from, to, fromModule, toModule, batchSize, stopAt: { entity, rows } }`.
 */
import { transfer } from '@switchyard/core';
import { transferSchema } from '../transfer/transfer-fixture.ts';
import { loadAdapter, say } from './worker-support.ts';

export interface TransferWorkerInput {
  readonly from: string;
  readonly to: string;
  readonly fromModule: string;
  readonly toModule: string;
  readonly batchSize: number;
  readonly stopAt: { readonly entity: string; readonly rows: number };
}

export type TransferWorkerMessage =
  | { readonly type: 'ready'; readonly done: number }
  | { readonly type: 'result'; readonly finished: true };

const input = JSON.parse(process.argv[2] ?? '{}') as TransferWorkerInput;
const [from, to] = [await loadAdapter(input.fromModule), await loadAdapter(input.toModule)];
await transfer({
  from: input.from,
  to: input.to,
  schema: transferSchema(from, to),
  adapters: { from, to },
  batchSize: input.batchSize,
  onProgress: (event) => {
    if (event.phase !== 'copy' || event.entity !== input.stopAt.entity || event.done < input.stopAt.rows)
      return;
    say({ type: 'ready', done: event.done });
    // Blocks the whole process right here, between two committed batches, until it is killed.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
  },
});
say({ type: 'result', finished: true });
