import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnyEntitySchema,
  createMigration,
  type DialectSteps,
  type MigrationFile,
  type MigrationStep,
  type Store,
} from '@switchyard/core';
import type { SuiteContext } from '../suite-definition.ts';
import { migrationSchemas, type SchemaVersion } from './migration-schemas.ts';

/** Generated migrations are a minute apart, so name order is creation order whatever the clock does. */
const FIRST_MIGRATION_AT = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

/** Named versions of one application schema, each a complete schema as `openStore` takes it. */
export type SchemaVersions<V extends string> = Readonly<Record<V, readonly AnyEntitySchema[]>>;

/**
 * One migrations test's world: a fresh empty database and a migrations directory of its own, so
 * no test sees another's tables or history. Migrations are generated for the adapter under test
 * only, so the suite never needs another adapter's package. The schema versions are the
 * migrations suite's (`migrationSchemas`) unless another suite brings its own.
 */
export class MigrationLab<V extends string = SchemaVersion> {
  readonly #context: SuiteContext;
  readonly #schemas: SchemaVersions<V>;
  readonly #stores: Store[] = [];
  readonly #files = new Map<string, string>();
  #created = 0;

  private constructor(
    context: SuiteContext,
    schemas: SchemaVersions<V>,
    readonly url: string,
    readonly directory: string,
  ) {
    this.#context = context;
    this.#schemas = schemas;
  }

  static async start<V extends string>(
    context: SuiteContext,
    schemas: SchemaVersions<V>,
  ): Promise<MigrationLab<V>> {
    const url = await context.freshDatabase();
    return new MigrationLab(context, schemas, url, mkdtempSync(join(tmpdir(), 'switchyard-migrations-')));
  }

  /** The adapter's name: the key of its steps and snapshot in a migration file. */
  get dialect(): string {
    return this.#context.adapter.name;
  }

  /** Generates the migration from the history to `version`; fails when there is nothing to generate. */
  async create(version: V, name: string): Promise<string> {
    const created = await createMigration({
      schema: this.#schemas[version],
      directory: this.directory,
      name,
      adapters: [this.#context.adapter],
      now: new Date(FIRST_MIGRATION_AT + this.#created++ * MINUTE),
    });
    if (!created.file || !created.name) {
      throw new Error(`createMigration wrote nothing for ${version} (${name}): ${JSON.stringify(created)}`);
    }
    this.#files.set(created.name, created.file);
    return created.name;
  }

  /** A store on the lab's database, at schema `version`, with the lab's migration history. */
  async open(version: V): Promise<Store> {
    const store = await this.#context.openStore({
      url: this.url,
      schema: this.#schemas[version],
      migrations: this.directory,
    });
    this.#stores.push(store);
    return store;
  }

  #path(name: string): string {
    const path = this.#files.get(name);
    if (!path) throw new Error(`no migration ${name} in this lab`);
    return path;
  }

  read(name: string): MigrationFile {
    return JSON.parse(readFileSync(this.#path(name), 'utf8')) as MigrationFile;
  }

  /** This dialect's steps of a migration. */
  steps(name: string): DialectSteps {
    const steps = this.read(name).dialects[this.dialect];
    if (!steps) throw new Error(`migration ${name} has no ${this.dialect} steps`);
    return steps;
  }

  /**
   * Rewrites this dialect's `up` steps of a migration, as someone editing the file would; returns
   * a function that puts the original bytes back.
   */
  editUp(name: string, edit: (up: readonly MigrationStep[]) => readonly MigrationStep[]): () => void {
    const path = this.#path(name);
    const original = readFileSync(path, 'utf8');
    const file = JSON.parse(original) as MigrationFile;
    const steps = this.steps(name);
    const changed: MigrationFile = {
      ...file,
      dialects: { ...file.dialects, [this.dialect]: { ...steps, up: edit(steps.up) } },
    };
    writeFileSync(path, `${JSON.stringify(changed, null, 2)}\n`);
    return () => writeFileSync(path, original);
  }

  remove(name: string): void {
    unlinkSync(this.#path(name));
  }

  async dispose(): Promise<void> {
    for (const store of this.#stores) await store.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Runs `fn` with a new lab, and cleans the lab up however `fn` ends (the database goes with the suite). */
export function withLab<T>(context: SuiteContext, fn: (lab: MigrationLab) => Promise<T>): Promise<T> {
  return withSchemaLab(context, migrationSchemas, fn);
}

/** {@link withLab} over another suite's schema versions. */
export async function withSchemaLab<V extends string, T>(
  context: SuiteContext,
  schemas: SchemaVersions<V>,
  fn: (lab: MigrationLab<V>) => Promise<T>,
): Promise<T> {
  const lab = await MigrationLab.start(context, schemas);
  try {
    return await fn(lab);
  } finally {
    await lab.dispose();
  }
}

/** Whether `table` exists, asked the way any SQL user would: by reading it. */
export async function tableExists(store: Store, table: string): Promise<boolean> {
  try {
    await store.orm.em.getConnection().execute(`SELECT COUNT(*) AS n FROM ${table}`);
    return true;
  } catch (error) {
    // Every backend names the missing table; any other failure is not an answer.
    if (error instanceof Error && error.message.includes(table)) return false;
    throw error;
  }
}

export async function countRows(store: Store, table: string): Promise<number> {
  const rows: { n: unknown }[] = await store.orm.em
    .getConnection()
    .execute(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

/**
 * Runs a migration's SQL steps by hand, outside Switchyard, as an operator repairing a database
 * would. A reindex step has no SQL form, so a migration holding one cannot be repaired this way.
 */
export async function runByHand(store: Store, steps: readonly MigrationStep[]): Promise<void> {
  const connection = store.orm.em.getConnection();
  for (const step of steps) {
    if (typeof step === 'string') await connection.execute(step);
    else if ('sql' in step) await connection.execute(step.sql, [...step.params]);
    else throw new Error(`a reindex step cannot run by hand: ${JSON.stringify(step)}`);
  }
}
