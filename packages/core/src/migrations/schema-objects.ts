import type { Adapter } from '../adapter-api.ts';
import { UnsupportedFeatureError } from '../errors.ts';
import { LOCK_TABLE } from '../locks/lock-dialect.ts';
import type { EntityModel } from '../schema/entity-model.ts';
import type { PortableKind } from '../schema/portable-kind.ts';
import type { SearchIndexSpec } from '../search/search-dialect.ts';
import type { SearchModel } from '../search/search-model.ts';
import { compile, type Sql } from '../sql/sql-fragment.ts';
import type { TenantModel } from '../tenancy/tenant-model.ts';
import type { MigrationStep, ReindexStep } from './migration-types.ts';

/**
 * A search index as a migration snapshot keeps it: the adapter's index spec, and the entity
 * table's column of each field (what a reindex reads).
 */
export interface SearchObject {
  readonly kind: 'search';
  readonly spec: SearchIndexSpec;
  readonly columns: readonly string[];
}

/** The guard (triggers) that makes a table append-only. */
export interface AppendOnlyObject {
  readonly kind: 'append-only';
  readonly table: string;
}

/** The storage of `store.locks` (SQLite's lease table; nothing on the servers). Part of every schema. */
export interface LocksObject {
  readonly kind: 'locks';
  readonly table: typeof LOCK_TABLE;
}

/** The row-level security policy of a tenant-scoped table (`rowLevelSecurity`). */
export interface TenantPolicyObject {
  readonly kind: 'tenant-policy';
  readonly table: string;
  readonly column: string;
  readonly type: PortableKind;
}

/**
 * What Switchyard itself keeps in the database besides the definition's tables. Snapshots key
 * them `<kind>:<name>` and compare them as JSON: a changed object is dropped and created again.
 */
export type SchemaObject = SearchObject | AppendOnlyObject | LocksObject | TenantPolicyObject;

export interface ObjectSources {
  readonly search: Iterable<SearchModel>;
  readonly appendOnly: Iterable<EntityModel>;
  readonly tenancy: ReadonlyMap<EntityModel, TenantModel>;
}

export function schemaObjects(sources: ObjectSources): Record<string, SchemaObject> {
  const objects: Record<string, SchemaObject> = {};
  for (const model of sources.search) {
    objects[`search:${model.spec.indexTable}`] = {
      kind: 'search',
      spec: model.spec,
      columns: model.fields.map((f) => f.column),
    };
  }
  for (const entity of sources.appendOnly) {
    objects[`append-only:${entity.table}`] = { kind: 'append-only', table: entity.table };
  }
  for (const [entity, tenancy] of sources.tenancy) {
    if (!tenancy.rowLevelSecurity) continue;
    objects[`tenant-policy:${entity.table}`] = {
      kind: 'tenant-policy',
      table: entity.table,
      column: tenancy.property.column,
      type: tenancy.property.kind,
    };
  }
  objects[`locks:${LOCK_TABLE}`] = { kind: 'locks', table: LOCK_TABLE };
  return objects;
}

// A flag declared false refuses the feature here too, as `openStore` does.
function searchDialect(adapter: Adapter, object: SearchObject) {
  if (!adapter.search || adapter.capabilities?.search === false) {
    throw new UnsupportedFeatureError('search', adapter.name, `${object.spec.entity} is searchable`);
  }
  return adapter.search;
}

function appendOnlyDialect(adapter: Adapter, object: AppendOnlyObject) {
  if (!adapter.appendOnly || adapter.capabilities?.appendOnly === false) {
    throw new UnsupportedFeatureError('appendOnly', adapter.name, `${object.table} is append-only`);
  }
  return adapter.appendOnly;
}

/**
 * The DDL creating an object (idempotent), without filling it. An adapter without a lock dialect
 * has nothing to create for the locks: it refuses `store.locks` instead.
 */
export function createSql(adapter: Adapter, object: SchemaObject): Sql[] {
  switch (object.kind) {
    case 'search':
      return searchDialect(adapter, object).createIndex(object.spec);
    case 'append-only':
      return appendOnlyDialect(adapter, object).guard(object.table);
    case 'locks':
      return adapter.locks?.createStorage() ?? [];
    case 'tenant-policy':
      return adapter.tenantPolicy?.enable(object.table, object.column, object.type) ?? [];
  }
}

/** The DDL removing an object when present (never the entity's table). */
export function dropSql(adapter: Adapter, object: SchemaObject): Sql[] {
  switch (object.kind) {
    case 'search':
      return searchDialect(adapter, object).dropIndex(object.spec);
    case 'append-only':
      return appendOnlyDialect(adapter, object).unguard(object.table);
    case 'locks':
      return adapter.locks?.dropStorage() ?? [];
    case 'tenant-policy':
      return adapter.tenantPolicy?.disable(object.table) ?? [];
  }
}

function toStep(adapter: Adapter, fragment: Sql): MigrationStep {
  const { sql, params } = compile(fragment, adapter.dialect);
  if (params.length === 0) return sql;
  return { sql, params: params.map((p) => (typeof p === 'number' ? p : String(p))) };
}

/** Creates the object; a search index is then filled from the rows already in its table. */
export function createSteps(adapter: Adapter, object: SchemaObject): MigrationStep[] {
  const steps = createSql(adapter, object).map((s) => toStep(adapter, s));
  if (object.kind !== 'search') return steps;
  const { spec, columns } = object;
  const reindex: ReindexStep = {
    reindex: {
      table: spec.table,
      key: spec.key.column,
      indexTable: spec.indexTable,
      fields: spec.fields.map((f, i) => ({ column: columns[i] as string, indexColumn: f.column })),
    },
  };
  return [...steps, reindex];
}

export function dropSteps(adapter: Adapter, object: SchemaObject): MigrationStep[] {
  return dropSql(adapter, object).map((s) => toStep(adapter, s));
}
