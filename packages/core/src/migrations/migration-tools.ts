import type { Adapter } from '../adapter-api.ts';
import { MigrationHistoryError } from '../errors.ts';
import { loadAdapter } from '../store/adapter-loader.ts';
import type { AnyEntitySchema } from '../store/store-types.ts';
import {
  chainProblems,
  describeStep,
  migrationName,
  readMigrations,
  writeMigration,
} from './migration-files.ts';
import { type DialectPlan, planDialect } from './migration-planner.ts';
import {
  type CheckResult,
  type CreatedMigration,
  MIGRATION_FORMAT,
  type MigrationFile,
  type MigrationProblem,
} from './migration-types.ts';

export interface MigrationToolOptions {
  /** Every entity of the application (as given to `openStore`). */
  readonly schema: readonly AnyEntitySchema[];
  /** The migrations directory. */
  readonly directory: string;
  /**
   * The dialects to generate and check, as adapters. Default: the built-in SQLite, PostgreSQL and
   * MariaDB adapters (their packages must be installed).
   */
  readonly adapters?: readonly Adapter[];
}

export interface CreateMigrationOptions extends MigrationToolOptions {
  /** Describes the change: `add_tags`. Letters, digits, `_` and `-`. */
  readonly name: string;
  /** Time stamped into the file name. Default: now. */
  readonly now?: Date;
}

const BUILT_IN_DIALECTS = ['sqlite', 'postgres', 'mariadb'] as const;

async function adaptersOf(options: MigrationToolOptions): Promise<readonly Adapter[]> {
  return options.adapters ?? Promise.all(BUILT_IN_DIALECTS.map((scheme) => loadAdapter(scheme)));
}

async function planAll(
  adapters: readonly Adapter[],
  options: MigrationToolOptions,
  latest: MigrationFile | undefined,
): Promise<DialectPlan[]> {
  const plans: DialectPlan[] = [];
  for (const adapter of adapters) {
    const base = latest?.snapshot[adapter.name];
    if (latest && !base) {
      throw new MigrationHistoryError(
        `${latest.name} has no ${adapter.name} snapshot: the history was generated without the ${adapter.name} adapter, and a dialect cannot join an existing history. Generate with the same adapters as before.`,
      );
    }
    plans.push(await planDialect(adapter, options.schema, base));
  }
  return plans;
}

/** A name after `latest`'s even when the clock says otherwise, so files keep applying in order. */
function nextName(now: Date, slug: string, latest: MigrationFile | undefined): string {
  let time = now;
  let name = migrationName(time, slug);
  while (latest && name <= latest.name) {
    time = new Date(time.getTime() + 1000);
    name = migrationName(time, slug);
  }
  return name;
}

/**
 * Writes the next migration of the history: what every dialect needs to go from the last
 * migration's snapshot to the schema definition, derived offline. Writes nothing when no dialect
 * has a change.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<CreatedMigration> {
  migrationName(options.now ?? new Date(), options.name);
  const files = await readMigrations(options.directory, true);
  const chain = chainProblems(files);
  if (chain.length > 0) throw new MigrationHistoryError(chain.join('\n'));
  const latest = files.at(-1);
  const plans = await planAll(await adaptersOf(options), options, latest);
  const steps = Object.fromEntries(plans.map((p) => [p.dialect, p.steps.up.length]));
  if (plans.every((p) => p.steps.up.length === 0)) return { file: null, name: null, steps };
  const name = nextName(options.now ?? new Date(), options.name, latest);
  const file: MigrationFile = {
    format: MIGRATION_FORMAT,
    name,
    parent: latest?.name ?? null,
    dialects: Object.fromEntries(plans.map((p) => [p.dialect, p.steps])),
    snapshot: Object.fromEntries(plans.map((p) => [p.dialect, p.snapshot])),
  };
  return { file: await writeMigration(options.directory, file), name, steps };
}

/**
 * Compares the schema definition with the history on every dialect, offline: the history must be
 * one line, every migration must carry every dialect, and the last snapshot must equal the
 * definition (otherwise a migration is missing).
 */
export async function checkMigrations(options: MigrationToolOptions): Promise<CheckResult> {
  const files = await readMigrations(options.directory, true);
  const adapters = await adaptersOf(options);
  const problems: MigrationProblem[] = chainProblems(files).map((message) => ({ dialect: null, message }));
  const latest = files.at(-1);
  for (const adapter of adapters) {
    const dialect = adapter.name;
    const without = files.filter((f) => !f.dialects[dialect]).map((f) => f.name);
    if (without.length > 0) {
      problems.push({ dialect, message: `no ${dialect} steps in ${without.join(', ')}` });
    }
    if (latest && !latest.snapshot[dialect]) {
      problems.push({ dialect, message: `${latest.name} has no ${dialect} snapshot` });
      continue;
    }
    const plan = await planDialect(adapter, options.schema, latest?.snapshot[dialect]);
    if (plan.steps.up.length > 0) {
      problems.push({
        dialect,
        message: `the schema definition has changes that no migration holds; run "switchyard migrate create <name>"`,
        statements: plan.steps.up.map(describeStep),
      });
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    migrations: files.length,
    dialects: adapters.map((a) => a.name),
  };
}
