import type { MikroORM } from '@mikro-orm/core';
import type { SqlSchemaGenerator } from '@mikro-orm/sql';
import type { Adapter } from '../adapter-api.ts';
import { raw, type Sql } from '../sql/sql-fragment.ts';
import { dropHistory } from './history-table.ts';
import type { MigrationRunner } from './migration-runner.ts';
import { createSql, dropSql, type SchemaObject } from './schema-objects.ts';
import { splitStatements } from './statement-splitter.ts';

const generatorOf = (orm: MikroORM) => orm.schema as unknown as SqlSchemaGenerator;

/**
 * The statements that would bring the live database to the schema definition, from MikroORM's
 * comparison of the two. Tables the definition does not have (other applications', Switchyard's
 * own) are left out.
 */
export async function liveDiff(orm: MikroORM, safe: boolean): Promise<string[]> {
  const text = await generatorOf(orm).getUpdateSchemaSQL({ wrap: false, safe, dropTables: false });
  return splitStatements(text);
}

/** Runs statements under the migration lock, as one transaction where DDL is transactional. */
function runLocked(
  runner: MigrationRunner,
  adapter: Adapter,
  statements: () => Promise<Sql[]>,
): Promise<void> {
  return runner.locked(async (ex, session) => {
    const list = await statements();
    const run = async () => {
      for (const statement of list) await ex.execute(statement);
    };
    await (adapter.transactionalDdl ? session.atomic(run) : run());
  });
}

/**
 * Without a history, `migrate()` adds what the definition has and the database lacks (never drops),
 * then Switchyard's own objects (search indexes, append-only guards: their DDL is idempotent). The
 * comparison runs inside the lock, so two replicas never both add the same column.
 */
export function pushSchema(
  runner: MigrationRunner,
  adapter: Adapter,
  orm: MikroORM,
  objects: readonly SchemaObject[],
): Promise<void> {
  return runLocked(runner, adapter, async () => [
    ...(await liveDiff(orm, true)).map((s) => raw(s)),
    ...objects.flatMap((o) => createSql(adapter, o)),
  ]);
}

/** Drops Switchyard's objects, the definition's tables and the migration history, nothing else. */
export function dropSchema(
  runner: MigrationRunner,
  adapter: Adapter,
  orm: MikroORM,
  objects: readonly SchemaObject[],
): Promise<void> {
  return runLocked(runner, adapter, async () => [
    ...objects.flatMap((o) => dropSql(adapter, o)),
    ...splitStatements(await generatorOf(orm).getDropSchemaSQL({ wrap: false })).map((s) => raw(s)),
    dropHistory,
  ]);
}
