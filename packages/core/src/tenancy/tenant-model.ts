import { SchemaError } from '../errors.ts';
import type { EntityModel, PropertyModel, SchemaModel } from '../schema/entity-model.ts';
import type { PortableKind } from '../schema/portable-kind.ts';
import type { AnyEntitySchema } from '../store/store-types.ts';
import { tenantDeclarationOf } from './tenant-scoped.ts';

/** What core knows about one tenant-scoped entity. */
export interface TenantModel {
  readonly property: PropertyModel;
  /** The database's row-level security guards the table too (`rowLevelSecurity`). */
  readonly rowLevelSecurity: boolean;
}

/** Kinds whose values compare exactly on every backend, so a tenant predicate means the same everywhere. */
const TENANT_KINDS: readonly PortableKind[] = ['string', 'uuid', 'integer', 'bigint'];

/**
 * The tenant property of every entity declared with `tenantScoped`, or one SchemaError listing
 * every problem.
 */
export function buildTenancy(
  entities: readonly AnyEntitySchema[],
  schema: SchemaModel,
): Map<EntityModel, TenantModel> {
  const tenancy = new Map<EntityModel, TenantModel>();
  const problems: string[] = [];
  for (const entity of entities) {
    const declaration = tenantDeclarationOf(entity);
    const model = schema.entities.get(entity.meta.className);
    if (!declaration || !model) continue;
    const where = `${model.name}.${String(declaration.property)}`;
    const prop = model.byName.get(String(declaration.property));
    if (!prop) problems.push(`${where}: the tenant property does not exist`);
    else if (prop.primary || prop.version) {
      problems.push(`${where}: the tenant property cannot be the primary key or the version`);
    } else if (!TENANT_KINDS.includes(prop.kind)) {
      problems.push(`${where}: a tenant property is a p.string(), p.uuid(), p.integer() or p.bigint()`);
    } else if (prop.nullable) {
      problems.push(`${where}: the tenant property cannot be nullable (every row belongs to a tenant)`);
    } else if (
      declaration.rowLevelSecurity !== undefined &&
      typeof declaration.rowLevelSecurity !== 'boolean'
    ) {
      problems.push(`${where}: rowLevelSecurity is true or false`);
    } else tenancy.set(model, { property: prop, rowLevelSecurity: declaration.rowLevelSecurity === true });
  }
  if (problems.length > 0) {
    throw new SchemaError(`The tenant declarations are not valid:\n  - ${problems.join('\n  - ')}`);
  }
  return tenancy;
}
