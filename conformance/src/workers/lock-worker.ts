/**
 * A child process of the locks suite, in one of two modes:
 *
 * - `count`: one of several OS processes taking the same lock in turns. After "go" it runs
 *   `rounds` critical sections under `withLock(lock)`, each a read-modify-write of one shared
 *   counter row through the repository, outside any transaction (read, pause, write +1): only the
 *   lock keeps two processes from losing each other's increments. It prints the wall-clock time
 *   each section was entered and left.
 * - `hold`: takes the lock while opening its store, so its "ready" line means it holds the lock,
 *   then waits for a "go" the parent never sends: the parent kills it with SIGKILL.
 *
 * Input — environment: `SWITCHYARD_WORKER_URL`, `SWITCHYARD_WORKER_ADAPTER` (as for
 * `concurrent-writer.ts`); argv[2]: JSON `LockWorkerInput`.
 */
import { openStore } from '@switchyard/core';
import { Sample } from '../conformance-schema.ts';
import { runWorker, type WorkerError } from './worker-support.ts';

export type LockWorkerInput =
  | {
      readonly mode: 'count';
      readonly worker: number;
      readonly lock: string;
      /** The Sample row whose `int` is the counter. */
      readonly counterId: string;
      readonly rounds: number;
      /** How long each section waits for the lock. */
      readonly wait: number;
    }
  | { readonly mode: 'hold'; readonly worker: number; readonly lock: string; readonly ttl: number };

/** When a critical section was entered and left: milliseconds since the epoch, sub-millisecond precision. */
export type Section = readonly [enter: number, leave: number];

export type LockWorkerMessage =
  | { readonly type: 'ready'; readonly worker: number }
  | { readonly type: 'result'; readonly worker: number; readonly ok: true; readonly sections: Section[] }
  | { readonly type: 'result'; readonly worker: number; readonly ok: false; readonly error: WorkerError };

/** The wall clock every process of the machine shares, finer than `Date.now()`. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

await runWorker<LockWorkerInput>(
  async ({ url, adapter, input }) => {
    const store = await openStore({ url, schema: [Sample], adapter });
    if (input.mode === 'hold') {
      const held = await store.locks.tryLock(input.lock, { ttl: input.ttl });
      if (!held) {
        await store.close();
        throw new Error(`the lock "${input.lock}" was not free`);
      }
    }
    return store;
  },
  async (store, input) => {
    if (input.mode === 'hold') throw new Error('a holder is killed before it is told to go on');
    const samples = store.repo(Sample);
    const sections: Section[] = [];
    for (let round = 0; round < input.rounds; round++) {
      await store.locks.withLock(
        input.lock,
        async () => {
          const enter = now();
          const row = await samples.get(input.counterId);
          if (!row) throw new Error(`counter ${input.counterId} not found`);
          // Another process inside the section now would read the same value: an increment lost.
          await sleep(3);
          await samples.update(input.counterId, { int: (row.int ?? 0) + 1 });
          sections.push([enter, now()]);
        },
        { wait: input.wait },
      );
      // A pause outside the lock, about as long as a waiter's polling interval, gives the waiting
      // processes their chance: the lock changes hands rather than going back to the same process.
      await sleep(20 + Math.random() * 60);
    }
    return { sections };
  },
);
