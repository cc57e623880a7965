import type { MetadataStorage } from '@mikro-orm/core';
import { SchemaError } from '../errors.ts';
import type { EntityModel, PropertyModel, SchemaModel } from '../schema/entity-model.ts';
import type { AnyEntitySchema } from '../store/store-types.ts';
import type { TenantModel } from '../tenancy/tenant-model.ts';
import { MAX_SEARCH_FIELDS } from './document-encoder.ts';
import type { SearchIndexSpec } from './search-dialect.ts';
import { type SearchDeclaration, searchDeclarationOf } from './searchable.ts';

/** What core knows about one searchable entity. */
export interface SearchModel {
  readonly entity: EntityModel;
  readonly spec: SearchIndexSpec;
  /** The searchable properties, aligned with `spec.fields`. */
  readonly fields: readonly PropertyModel[];
  readonly tenant: PropertyModel | undefined;
}

/** PostgreSQL's identifier limit, the lowest of the three backends. */
const MAX_IDENTIFIER = 63;
/** PostgreSQL's ts_rank has four weight classes; more distinct weights could not rank the same everywhere. */
const MAX_DISTINCT_WEIGHTS = 4;

/**
 * Builds the search model of every entity declared with `searchable`, or throws one SchemaError
 * listing every problem.
 */
export function buildSearchModels(
  entities: readonly AnyEntitySchema[],
  schema: SchemaModel,
  metadata: MetadataStorage,
  tenancy: ReadonlyMap<EntityModel, TenantModel>,
): Map<EntityModel, SearchModel> {
  const models = new Map<EntityModel, SearchModel>();
  const problems: string[] = [];
  for (const entity of entities) {
    const declaration = searchDeclarationOf(entity);
    const model = schema.entities.get(entity.meta.className);
    if (!declaration || !model) continue;
    const built = buildOne(model, declaration, metadata, tenancy.get(model)?.property, problems);
    if (built) models.set(model, built);
  }
  if (problems.length > 0) {
    throw new SchemaError(`The search declarations are not valid:\n  - ${problems.join('\n  - ')}`);
  }
  return models;
}

function buildOne(
  entity: EntityModel,
  declaration: SearchDeclaration,
  metadata: MetadataStorage,
  tenantScope: PropertyModel | undefined,
  problems: string[],
): SearchModel | undefined {
  const where = entity.name;
  const before = problems.length;
  const weighted: [string, unknown][] = Array.isArray(declaration.fields)
    ? declaration.fields.map((name) => [String(name), 1])
    : Object.entries(declaration.fields ?? {});
  if (weighted.length === 0) problems.push(`${where}: searchable needs at least one field`);
  if (weighted.length > MAX_SEARCH_FIELDS) {
    problems.push(`${where}: at most ${MAX_SEARCH_FIELDS} searchable fields`);
  }
  const fields: PropertyModel[] = [];
  for (const [name, weight] of weighted) {
    const prop = entity.byName.get(name);
    if (!prop) problems.push(`${where}.${name}: no such property`);
    else if (prop.kind !== 'string' && prop.kind !== 'text') {
      problems.push(`${where}.${name}: only p.string() and p.text() properties are searchable`);
    } else fields.push(prop);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      problems.push(`${where}.${name}: a weight must be a positive number`);
    }
  }
  const weights = weighted.map(([, w]) => Number(w));
  if (new Set(weights).size > MAX_DISTINCT_WEIGHTS) {
    problems.push(`${where}: at most ${MAX_DISTINCT_WEIGHTS} distinct field weights`);
  }
  // A tenant-scoped entity is searched per tenant through its tenant property.
  const tenantName = declaration.tenant ?? tenantScope?.name;
  const tenant = tenantName === undefined ? undefined : entity.byName.get(tenantName);
  if (tenantName !== undefined && !tenant) {
    problems.push(`${where}.${tenantName}: the tenant property does not exist`);
  }
  if (tenantScope && tenant && tenant !== tenantScope) {
    problems.push(
      `${where}: the search tenant (${tenant.name}) must be the entity's tenant property (${tenantScope.name})`,
    );
  }
  const indexTable = `${entity.table}__search`;
  if (indexTable.length > MAX_IDENTIFIER) {
    problems.push(
      `${where}: the index table name "${indexTable}" is longer than ${MAX_IDENTIFIER} characters; shorten the table name`,
    );
  }
  if (problems.length > before) return undefined;
  const heaviest = Math.max(...weights);
  const meta = [...metadata.getAll().values()].find((m) => m.className === entity.name);
  const keyType = meta?.properties[entity.primaryKey.name as never]?.columnTypes?.[0];
  return {
    entity,
    fields,
    tenant,
    spec: {
      entity: entity.name,
      table: entity.table,
      key: { column: entity.primaryKey.column, sqlType: String(keyType) },
      indexTable,
      fields: fields.map((prop, i) => ({
        property: prop.name,
        column: `sy_f${i}`,
        weight: (weights[i] as number) / heaviest,
      })),
    },
  };
}
