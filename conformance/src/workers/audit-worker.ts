/**
 * A child process of the audit suite: one of several OS processes appending to the same audit log
 * at once. It opens its own store with the audit table only, tells the parent it is ready, waits
 * for "go" on stdin so every process appends at the same moment, appends its events one after
 * another and prints one JSON result line with the `seq` each event got.
 *
 * Input — environment: `SWITCHYARD_WORKER_URL`, `SWITCHYARD_WORKER_ADAPTER` (as for
 * `concurrent-writer.ts`); argv[2]: JSON `{ worker, events }`.
 */
import { AuditEvent, openStore } from '@switchyard/core';
import { runWorker, type WorkerError } from './worker-support.ts';

export interface AuditWorkerInput {
  readonly worker: number;
  /** How many events this process appends. */
  readonly events: number;
}

export type AuditWorkerMessage =
  | { readonly type: 'ready'; readonly worker: number }
  | {
      readonly type: 'result';
      readonly worker: number;
      readonly ok: true;
      /** The `seq` of each appended event, in append order (decimal strings: JSON has no bigint). */
      readonly seqs: string[];
    }
  | { readonly type: 'result'; readonly worker: number; readonly ok: false; readonly error: WorkerError };

await runWorker<AuditWorkerInput>(
  ({ url, adapter }) => openStore({ url, schema: [AuditEvent], adapter }),
  async (store, input) => {
    const seqs: string[] = [];
    for (let i = 0; i < input.events; i++) {
      const event = await store.audit.append({
        // The suite finds each process's events by actor and each event by subject.
        actor: `worker-${input.worker}`,
        action: 'append',
        subject: `w${input.worker}:e${i}`,
        data: { worker: input.worker, i },
      });
      seqs.push(String(event.seq));
    }
    return { seqs };
  },
);
