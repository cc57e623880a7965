import type { EntityModel, PropertyModel } from '../schema/entity-model.ts';
import type { SearchModel } from '../search/search-model.ts';

const column = (name: string, base: Omit<PropertyModel, 'name' | 'column'>): PropertyModel => ({
  ...base,
  name,
  column: name,
});

/**
 * A search index table (`<table>__search`) seen as an entity: its key `sy_id` (the entity's key)
 * and one text column per searchable field, which hold the normalised document — the same text on
 * every backend, since the normaliser runs in JS. Other columns (SQLite's rowid, PostgreSQL's
 * generated tsvector) are the backend's own and are derived by it.
 */
export function searchIndexTable(model: SearchModel): EntityModel {
  const pk = model.entity.primaryKey;
  const key = column('sy_id', { ...pk, primary: true, references: undefined });
  const text: Omit<PropertyModel, 'name' | 'column'> = {
    kind: 'text',
    nullable: false,
    primary: false,
    version: false,
    maxLength: undefined,
    precision: undefined,
    scale: undefined,
    references: undefined,
    onCreate: undefined,
    onUpdate: undefined,
    defaultValue: undefined,
  };
  const properties = [key, ...model.spec.fields.map((f) => column(f.column, text))];
  return {
    name: `${model.entity.name} search index`,
    table: model.spec.indexTable,
    primaryKey: key,
    properties,
    byName: new Map(properties.map((p) => [p.name, p])),
    versionProperty: undefined,
  };
}
