import type { Adapter } from '../adapter-api.ts';
import type { AuditVerification } from '../audit/audit-log.ts';
import type { MigrationSource } from '../migrations/migration-types.ts';
import type { AnyEntitySchema } from '../store/store-types.ts';

/**
 * What to do with a target that already holds rows of the schema: `empty` (the default) refuses
 * it, `truncate` drops the schema's tables there and creates them again, `resume` keeps what an
 * earlier, interrupted transfer copied and copies the rest.
 */
export type TransferMode = 'empty' | 'truncate' | 'resume';

export interface TransferOptions {
  /** The source database URL. Only read: nothing is ever written there. */
  readonly from: string;
  /** The target database URL. */
  readonly to: string;
  /** Every entity of the application: what is copied, in foreign-key order. */
  readonly schema: readonly AnyEntitySchema[];
  /**
   * The migration history that creates the target's schema (`switchyard migrate create`). Without
   * it the target's tables are created from the definition (push mode).
   */
  readonly migrations?: MigrationSource;
  /** Default `empty`. */
  readonly mode?: TransferMode;
  /** Compare row counts and checksums of every entity on both sides afterwards. Default true. */
  readonly verify?: boolean;
  /** Rows per read and per load (one transaction each on the target). Default 5000. */
  readonly batchSize?: number;
  /** Adapters to use instead of the ones the URL schemes name. */
  readonly adapters?: { readonly from?: Adapter; readonly to?: Adapter };
  /** Called as rows move, indexes are rebuilt and entities are verified. */
  readonly onProgress?: (event: TransferProgress) => void;
}

export interface TransferProgress {
  readonly entity: string;
  readonly phase: 'copy' | 'reindex' | 'verify';
  /** Rows done in this phase (for `copy`, rows in the target, earlier runs' included). */
  readonly done: number;
  /** Rows in the source. */
  readonly total: number;
}

/** How one entity compares on both sides. */
export interface EntityVerification {
  readonly ok: boolean;
  readonly sourceRows: number;
  readonly targetRows: number;
  /** Order-independent: the sum of the SHA-256 of every row's canonical form, modulo 2^256 (hex). */
  readonly sourceChecksum: string;
  readonly targetChecksum: string;
  /** Up to 5 primary keys each: rows only in the source, only in the target, different. */
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly different: readonly string[];
}

export interface EntityTransfer {
  readonly entity: string;
  readonly table: string;
  /** Rows in the source. */
  readonly rows: number;
  /** Rows copied by this run (a resumed run skips what is already there). */
  readonly copied: number;
  /** UTF-8 bytes of the canonical form of the rows copied by this run. */
  readonly bytes: number;
  readonly seconds: number;
  /** Absent when verification was turned off. */
  readonly verification?: EntityVerification;
}

export interface TransferReport {
  /** False when any entity or the audit chain failed verification. */
  readonly ok: boolean;
  /** Both URLs without their passwords. */
  readonly from: string;
  readonly to: string;
  readonly mode: TransferMode;
  /** In the order they were copied (parents before children). */
  readonly entities: readonly EntityTransfer[];
  /**
   * The search index tables, copied from the source's documents (the normaliser is the same on
   * every backend) and verified like entities.
   */
  readonly searchIndexes: readonly EntityTransfer[];
  /** The searchable entities whose index was rebuilt on the target instead (the source's was incomplete). */
  readonly reindexed: readonly string[];
  /** The audit chain on the target, when the schema has the audit log. */
  readonly audit?: AuditVerification;
  readonly totals: {
    readonly rows: number;
    readonly copied: number;
    readonly bytes: number;
    readonly seconds: number;
  };
  /**
   * Seconds spent in each phase: checks and schema, copying, rebuilding search indexes, verifying.
   * `index` is the build of the target's native full-text indexes after their documents were
   * loaded; it runs alongside the reindex and verify phases, so it overlaps them.
   */
  readonly phases: {
    readonly prepare: number;
    readonly copy: number;
    readonly reindex: number;
    readonly verify: number;
    readonly index: number;
  };
}
