import {
  type AbstractSqlPlatform,
  type DatabaseSchema,
  SchemaComparator,
  type SqlSchemaGenerator,
} from '@mikro-orm/sql';
import type { Adapter } from '../adapter-api.ts';
import { initOrm } from '../store/orm-setup.ts';
import type { AnyEntitySchema } from '../store/store-types.ts';
import type { DialectSnapshot, DialectSteps, MigrationStep } from './migration-types.ts';
import { createSteps, dropSteps, type SchemaObject, schemaObjects } from './schema-objects.ts';
import { reviveSnapshot, snapshotOf } from './schema-snapshot.ts';
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
  const { orm, search, appendOnly, tenancy } = await initOrm(
    adapter,
    { url: adapter.offlineUrl, options: {} },
    entities,
  );
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
    const before = (base?.objects ?? {}) as Record<string, SchemaObject>;
    const after = schemaObjects({ search: search.values(), appendOnly, tenancy });
    const leaving = Object.entries(before).filter(([k, o]) => !sameJson(after[k], o));
    const coming = Object.entries(after).filter(([k, o]) => !sameJson(before[k], o));
    const tableUp = splitStatements(tables.up);
    const tableDown = splitStatements(tables.down);
    // Guards that stay are lifted around changes to their own table where the dialect needs it
    // (SQLite rebuilds tables): the rebuild would drop the triggers, or be refused by them.
    const comparator = new SchemaComparator(orm.em.getPlatform() as AbstractSqlPlatform);
    const touched = (a: DatabaseSchema, b: DatabaseSchema) =>
      new Set(Object.values(comparator.compare(a, b).changedTables).map((t) => t.toTable.name));
    const lift = (tablesChanged: ReadonlySet<string>): [string, SchemaObject][] =>
      adapter.appendOnly?.liftedForTableChanges
        ? Object.entries(after).filter(
            ([k, o]) => o.kind === 'append-only' && sameJson(before[k], o) && tablesChanged.has(o.table),
          )
        : [];
    const liftUp = lift(touched(from, target));
    const liftDown = lift(touched(target, from));
    const drop = (list: [string, SchemaObject][]) => list.flatMap(([, o]) => dropSteps(adapter, o));
    const create = (list: [string, SchemaObject][]) => list.flatMap(([, o]) => createSteps(adapter, o));
    const up: MigrationStep[] = [
      ...drop([...leaving, ...liftUp]),
      ...tableUp,
      ...create([...liftUp, ...coming]),
    ];
    const down: MigrationStep[] = [
      ...drop([...coming, ...liftDown]),
      ...tableDown,
      ...create([...liftDown, ...leaving]),
    ];
    return {
      dialect: adapter.name,
      steps: { up, down },
      snapshot: { schema: snapshotOf(target), objects: after },
    };
  } finally {
    await orm.close(true).catch(() => undefined);
  }
}
