/**
 * The public shapes of migrations (DESIGN §6): the file format, and what `store.migrations`
 * reports. One file per migration holds every dialect's steps, so an application keeps one
 * history whatever database it is installed on.
 */

/** Version of the migration file format; a file with another version is refused. */
export const MIGRATION_FORMAT = 1;

/**
 * Rebuilds one search index from its table's rows after the index was created: normalising text
 * happens in JavaScript (DESIGN §5), so no SQL statement could do it.
 */
export interface ReindexStep {
  readonly reindex: {
    /** The entity's table and its primary-key column. */
    readonly table: string;
    readonly key: string;
    /** The index table (`<table>__search`). */
    readonly indexTable: string;
    /** Per field: the entity table's column and the index table's column, in field order. */
    readonly fields: readonly { readonly column: string; readonly indexColumn: string }[];
  };
}

/** A statement with bound parameters (Switchyard's own DDL reads some names as values). */
export interface ParameterizedStep {
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

/** A SQL statement (no trailing semicolon), one with parameters, or a reindex. */
export type MigrationStep = string | ParameterizedStep | ReindexStep;

export interface DialectSteps {
  readonly up: readonly MigrationStep[];
  readonly down: readonly MigrationStep[];
}

/** What one dialect's database looks like after the migration: the base of the next `create`. */
export interface DialectSnapshot {
  /** MikroORM's schema snapshot (`DatabaseSchema.toJSON()`). */
  readonly schema: unknown;
  /** Switchyard's own objects (search indexes), keyed by name; compared as JSON. */
  readonly objects: Readonly<Record<string, unknown>>;
}

/** The content of one migration file (`<name>.json`). */
export interface MigrationFile {
  readonly format: typeof MIGRATION_FORMAT;
  /** `<UTC timestamp>_<slug>`: files apply in name order. */
  readonly name: string;
  /** The migration this one was generated after (null for the first): the history is one line. */
  readonly parent: string | null;
  /** Steps per dialect (adapter name: `sqlite`, `postgres`, `mariadb`). */
  readonly dialects: Readonly<Record<string, DialectSteps>>;
  readonly snapshot: Readonly<Record<string, DialectSnapshot>>;
}

/** Where `openStore` and the migration functions find the history. */
export type MigrationSource = string | readonly MigrationFile[];

export type MigrationState =
  /** In the files, not applied. */
  | 'pending'
  | 'applied'
  /** Started and not finished (failed part-way, or the process died): see `done`, `error`. */
  | 'partial'
  /** Applied, but its file is gone. */
  | 'missing';

export interface MigrationStatusEntry {
  readonly name: string;
  readonly state: MigrationState;
  /** ISO time the migration finished (applied) or started (partial). */
  readonly at?: string;
  /** Steps of this dialect in the file. */
  readonly steps: number;
  /** Steps done (partial only; counts down steps when `direction` is `down`). */
  readonly done?: number;
  readonly direction?: 'up' | 'down';
  /** The failure that stopped a partial migration. */
  readonly error?: string;
  /** True when the file changed after the migration was applied. */
  readonly modified?: boolean;
}

export interface MigrationStatus {
  readonly backend: string;
  /** In name order: applied and partial ones first, as recorded, then pending; missing ones where they sort. */
  readonly migrations: readonly MigrationStatusEntry[];
  /** Names of the pending migrations, in the order `up` applies them. */
  readonly pending: readonly string[];
  /** Problems that make `up` refuse to run, each with what to do. Empty when the history is sound. */
  readonly problems: readonly string[];
}

export interface MigrationReport {
  /** Migrations applied (up) or reverted (down) by this call, in order. Empty when nothing was due. */
  readonly migrations: readonly string[];
  /** `push` when the store has no history and synchronised the schema directly. */
  readonly mode: 'history' | 'push';
}

export interface MigrateUpOptions {
  /** Apply up to and including this migration (default: all pending). */
  readonly to?: string;
}

export interface MigrateDownOptions {
  /**
   * Revert every migration after this one (it stays applied); `null` reverts all of them.
   * Default: only the latest.
   */
  readonly to?: string | null;
}

/** What `store.migrations` does on the store's database. */
export interface Migrations {
  /** The history as recorded, the files, and what `up` would do. Never changes anything. */
  status(): Promise<MigrationStatus>;
  /** Applies pending migrations (holding the migration lock; other replicas wait). */
  up(options?: MigrateUpOptions): Promise<MigrationReport>;
  /** Reverts applied migrations, latest first. */
  down(options?: MigrateDownOptions): Promise<MigrationReport>;
  /**
   * Records the outcome of a migration repaired by hand: `applied` marks it applied, `rolled-back`
   * removes it from the history. For a partial migration (or an applied one you reverted by hand).
   */
  resolve(name: string, outcome: 'applied' | 'rolled-back'): Promise<void>;
  /**
   * The statements that would bring the live database to the schema definition (tables, columns,
   * indexes, foreign keys); empty when they agree. Tables not in the definition are ignored.
   */
  diff(): Promise<string[]>;
}

/** One disagreement found by `checkMigrations`. */
export interface MigrationProblem {
  /** The dialect concerned, or null for problems of the files themselves. */
  readonly dialect: string | null;
  readonly message: string;
  /** The statements a new migration would hold for this dialect (definition ahead of history). */
  readonly statements?: readonly string[];
}

export interface CheckResult {
  readonly ok: boolean;
  readonly problems: readonly MigrationProblem[];
  /** Migrations read from the directory. */
  readonly migrations: number;
  readonly dialects: readonly string[];
}

export interface CreatedMigration {
  /** Null when the definition and the history already agree on every dialect (nothing written). */
  readonly file: string | null;
  readonly name: string | null;
  /** Steps per dialect (up). */
  readonly steps: Readonly<Record<string, number>>;
}
