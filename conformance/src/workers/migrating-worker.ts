/**
 * A child process of the migrations suite: one of several replicas starting at once, each calling
 * `store.migrate()` on the same database with the same history. It opens its store, tells the
 * parent it is ready, waits for "go" on stdin so every process migrates at the same moment, and
 * prints one JSON result line with its migration report.
 *
 * Input — environment: `SWITCHYARD_WORKER_URL`, `SWITCHYARD_WORKER_ADAPTER` (as for
 * `concurrent-writer.ts`); argv[2]: JSON `{ worker, directory, version }`.
 */
import { type MigrationReport, openStore } from '@switchyard/core';
import { migrationSchemas, type SchemaVersion } from '../migrations/migration-schemas.ts';
import { runWorker, type WorkerError } from './worker-support.ts';

export interface MigratingWorkerInput {
  readonly worker: number;
  /** The migrations directory, shared by every process. */
  readonly directory: string;
  /** The schema the application is at (the latest version in the directory). */
  readonly version: SchemaVersion;
}

export type MigratingWorkerMessage =
  | { readonly type: 'ready'; readonly worker: number }
  | { readonly type: 'result'; readonly worker: number; readonly ok: true; readonly report: MigrationReport }
  | { readonly type: 'result'; readonly worker: number; readonly ok: false; readonly error: WorkerError };

await runWorker<MigratingWorkerInput>(
  ({ url, adapter, input }) =>
    openStore({ url, schema: migrationSchemas[input.version], adapter, migrations: input.directory }),
  async (store) => ({ report: await store.migrate() }),
);
