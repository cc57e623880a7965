import { type Dictionary, Type, t, UnknownType } from '@mikro-orm/core';
import { type AbstractSqlPlatform, type Column, DatabaseSchema, DatabaseTable } from '@mikro-orm/sql';

/** A MikroORM schema as plain JSON: what a migration file keeps of each dialect's schema. */
export function snapshotOf(schema: DatabaseSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}

/**
 * Rebuilds the schema a migration file recorded, for MikroORM's comparator: the base `create`
 * diffs the definition against, with no database involved. An empty history is an empty schema.
 */
export function reviveSnapshot(platform: AbstractSqlPlatform, snapshot: unknown): DatabaseSchema {
  const data = (snapshot ?? {}) as Dictionary;
  const schema = new DatabaseSchema(platform, data.name ?? '');
  const enums = (data.nativeEnums ?? {}) as Dictionary;
  const tables = ((data.tables ?? []) as Dictionary[]).map((tbl) => {
    const table = new DatabaseTable(platform, tbl.name, tbl.schema ?? undefined);
    table.nativeEnums = enums;
    table.comment = tbl.comment ?? undefined;
    table.setIndexes(tbl.indexes ?? []);
    table.setChecks(tbl.checks ?? []);
    table.setForeignKeys(tbl.foreignKeys ?? {});
    table.setTriggers(tbl.triggers ?? []);
    // Default roles are left out of the JSON; the comparator expects the array.
    if (tbl.policies)
      table.setPolicies(tbl.policies.map((p: Dictionary) => ({ ...p, roles: p.roles ?? [] })));
    table.rlsEnabled = Boolean(tbl.rlsEnabled);
    table.rlsForced = Boolean(tbl.rlsForced);
    for (const column of Object.values((tbl.columns ?? {}) as Dictionary<Dictionary>)) {
      const typeClass = (t as Dictionary)[column.mappedType] ?? UnknownType;
      table.addColumn({ ...column, mappedType: Type.getType(typeClass) } as Column);
    }
    return table;
  });
  schema.setTables(tables);
  schema.setNamespaces(new Set((data.namespaces ?? []) as string[]));
  schema.setNativeEnums(enums as never);
  schema.setViews(data.views ?? []);
  return schema;
}
