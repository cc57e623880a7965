import type { SqlSchemaGenerator } from '@mikro-orm/sql';
import type { Adapter } from '../adapter-api.ts';
import { initOrm } from '../store/orm-setup.ts';
import type { AnyEntitySchema } from '../store/store-types.ts';
import type { DialectSnapshot, DialectSteps, MigrationStep } from './migration-types.ts';
import { reviveSnapshot, snapshotOf } from './schema-snapshot.ts';
import { createSearchSteps, dropSearchSteps, type SearchObject, searchObjects } from './search-objects.ts';
import { splitStatements } from './statement-splitter.ts';

export interface DialectPlan {
  readonly dialect: string;
  readonly steps: DialectSteps;
  /** The schema after the steps: the next migration's base. */
  readonly snapshot: DialectSnapshot;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What one dialect needs to go from `base` (the last migration's snapshot, or nothing) to the
 * schema definition, both ways, derived without a database: MikroORM compares its schema of the
 * definition with the snapshot; Switchyard's own objects (search indexes) are compared as JSON.
 *
 * Order of `up`: drop the objects that go or change (they depend on the tables), change the
 * tables, create the objects that come or changed and fill them. `down` mirrors it.
 */
export async function planDialect(
  adapter: Adapter,
  entities: readonly AnyEntitySchema[],
  base: DialectSnapshot | undefined,
): Promise<DialectPlan> {
  const { orm, search } = await initOrm(adapter, { url: adapter.offlineUrl, options: {} }, entities);
  try {
    const generator = orm.schema as unknown as SqlSchemaGenerator;
    const target = generator.getTargetSchema();
    const from = reviveSnapshot(orm.em.getPlatform() as never, base?.schema);
    const tables = await generator.getUpdateSchemaMigrationSQL({
      fromSchema: from,
      wrap: false,
      safe: false,
      dropTables: true,
    });
    const before = (base?.objects ?? {}) as Record<string, SearchObject>;
    const after = searchObjects(search.values());
    const leaving = Object.entries(before).filter(([k, o]) => !sameJson(after[k], o));
    const coming = Object.entries(after).filter(([k, o]) => !sameJson(before[k], o));
    const drop = (list: [string, SearchObject][]) => list.flatMap(([, o]) => dropSearchSteps(adapter, o));
    const create = (list: [string, SearchObject][]) => list.flatMap(([, o]) => createSearchSteps(adapter, o));
    const up: MigrationStep[] = [...drop(leaving), ...splitStatements(tables.up), ...create(coming)];
    const down: MigrationStep[] = [...drop(coming), ...splitStatements(tables.down), ...create(leaving)];
    return {
      dialect: adapter.name,
      steps: { up, down },
      snapshot: { schema: snapshotOf(target), objects: after },
    };
  } finally {
    await orm.close(true).catch(() => undefined);
  }
}
