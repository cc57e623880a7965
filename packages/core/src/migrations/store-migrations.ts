import type { MikroORM } from '@mikro-orm/core';
import { ConfigurationError } from '../errors.ts';
import type { Executor } from '../store/session.ts';
import { analyseHistory } from './history-analysis.ts';
import { HistoryTable, historyExists } from './history-table.ts';
import type { MigrationRunner } from './migration-runner.ts';
import type {
  MigrateDownOptions,
  MigrateUpOptions,
  MigrationFile,
  MigrationReport,
  MigrationStatus,
  Migrations,
} from './migration-types.ts';
import { liveDiff } from './schema-sync.ts';

export interface StoreMigrationParts {
  readonly backend: string;
  readonly orm: MikroORM;
  readonly runner: MigrationRunner;
  readonly files: readonly MigrationFile[] | undefined;
  /** Runs statements outside any transaction (status reads). */
  readonly executor: Executor;
  /** Refuses when the store is closed or the caller is inside a transaction. */
  readonly guard: (operation: string) => void;
}

/** `store.migrations`: the history operations on the store's database. */
export class StoreMigrations implements Migrations {
  readonly #parts: StoreMigrationParts;

  constructor(parts: StoreMigrationParts) {
    this.#parts = parts;
  }

  #files(operation: string): readonly MigrationFile[] {
    this.#parts.guard(operation);
    const { files } = this.#parts;
    if (!files) {
      throw new ConfigurationError(
        `migrations.${operation}() needs a migration history: openStore({ migrations: './migrations' }).`,
      );
    }
    return files;
  }

  async status(): Promise<MigrationStatus> {
    const files = this.#files('status');
    const { backend, orm, executor } = this.#parts;
    // Reading, not creating: status never changes the database.
    const rows = (await historyExists(orm)) ? await new HistoryTable(executor).read() : new Map();
    const { pendingFiles: _, ...status } = analyseHistory(backend, files, rows);
    return status;
  }

  async up(options?: MigrateUpOptions): Promise<MigrationReport> {
    this.#files('up');
    return { migrations: await this.#parts.runner.up(options), mode: 'history' };
  }

  async down(options?: MigrateDownOptions): Promise<MigrationReport> {
    this.#files('down');
    return { migrations: await this.#parts.runner.down(options), mode: 'history' };
  }

  async resolve(name: string, outcome: 'applied' | 'rolled-back'): Promise<void> {
    this.#files('resolve');
    if (outcome !== 'applied' && outcome !== 'rolled-back') {
      throw new ConfigurationError(
        `resolve() takes "applied" or "rolled-back", not ${JSON.stringify(outcome)}.`,
      );
    }
    await this.#parts.runner.resolve(name, outcome);
  }

  diff(): Promise<string[]> {
    this.#parts.guard('diff');
    return liveDiff(this.#parts.orm, false);
  }
}
