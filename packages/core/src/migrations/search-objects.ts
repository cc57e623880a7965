import type { Adapter } from '../adapter-api.ts';
import { UnsupportedFeatureError } from '../errors.ts';
import type { SearchIndexSpec } from '../search/search-dialect.ts';
import type { SearchModel } from '../search/search-model.ts';
import { compile, type Sql } from '../sql/sql-fragment.ts';
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

/** The snapshot objects of the searchable entities, keyed `search:<index table>`. */
export function searchObjects(models: Iterable<SearchModel>): Record<string, SearchObject> {
  const objects: Record<string, SearchObject> = {};
  for (const model of models) {
    objects[`search:${model.spec.indexTable}`] = {
      kind: 'search',
      spec: model.spec,
      columns: model.fields.map((f) => f.column),
    };
  }
  return objects;
}

function toStep(adapter: Adapter, fragment: Sql): MigrationStep {
  const { sql, params } = compile(fragment, adapter.dialect);
  if (params.length === 0) return sql;
  return { sql, params: params.map((p) => (typeof p === 'number' ? p : String(p))) };
}

function dialectOf(adapter: Adapter, object: SearchObject) {
  if (!adapter.search) {
    throw new UnsupportedFeatureError('search', adapter.name, `${object.spec.entity} is searchable`);
  }
  return adapter.search;
}

/** Creates the index, then fills it from the rows already in the table. */
export function createSearchSteps(adapter: Adapter, object: SearchObject): MigrationStep[] {
  const { spec, columns } = object;
  const reindex: ReindexStep = {
    reindex: {
      table: spec.table,
      key: spec.key.column,
      indexTable: spec.indexTable,
      fields: spec.fields.map((f, i) => ({ column: columns[i] as string, indexColumn: f.column })),
    },
  };
  return [
    ...dialectOf(adapter, object)
      .createIndex(spec)
      .map((s) => toStep(adapter, s)),
    reindex,
  ];
}

export function dropSearchSteps(adapter: Adapter, object: SearchObject): MigrationStep[] {
  return dialectOf(adapter, object)
    .dropIndex(object.spec)
    .map((s) => toStep(adapter, s));
}
