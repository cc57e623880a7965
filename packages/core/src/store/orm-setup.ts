import { MikroORM } from '@mikro-orm/core';
import type { Adapter, AdapterOpenContext } from '../adapter-api.ts';
import { isAppendOnly } from '../schema/append-only.ts';
import type { EntityModel, SchemaModel } from '../schema/entity-model.ts';
import { SchemaDiscovery } from '../schema/schema-discovery.ts';
import type { SearchModel } from '../search/search-model.ts';
import { buildSearchModels } from '../search/search-model.ts';
import { buildTenancy, type TenantModel } from '../tenancy/tenant-model.ts';
import type { AnyEntitySchema } from './store-types.ts';

export interface OrmSetup {
  readonly orm: MikroORM;
  readonly schema: SchemaModel;
  readonly search: Map<EntityModel, SearchModel>;
  /** The entities declared with `appendOnly`. */
  readonly appendOnly: ReadonlySet<EntityModel>;
  /** The entities declared with `tenantScoped`. */
  readonly tenancy: ReadonlyMap<EntityModel, TenantModel>;
}

/**
 * Initialises MikroORM for one adapter with the application's entities, and builds core's models
 * of them. Never connects (MikroORM's connections are lazy): `migrate create` uses it offline for
 * every dialect, `openStore` before it connects.
 */
export async function initOrm(
  adapter: Adapter,
  context: AdapterOpenContext,
  entities: readonly AnyEntitySchema[],
): Promise<OrmSetup> {
  const discovery = new SchemaDiscovery(adapter.prepareColumn);
  const orm = await MikroORM.init({
    ...adapter.ormOptions(context),
    entities: [...entities],
    discovery: { onMetadata: discovery.onMetadata },
    debug: false,
  });
  try {
    const schema = discovery.buildModel(orm.getMetadata());
    const tenancy = buildTenancy(entities, schema);
    const search = buildSearchModels(entities, schema, orm.getMetadata(), tenancy);
    const appendOnly = new Set(
      entities.filter(isAppendOnly).flatMap((e) => schema.entities.get(e.meta.className) ?? []),
    );
    return { orm, schema, search, appendOnly, tenancy };
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw error;
  }
}
