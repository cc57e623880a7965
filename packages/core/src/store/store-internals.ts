import type { Adapter, AdapterOpenContext, Driver } from '../adapter-api.ts';
import { ConfigurationError } from '../errors.ts';
import type { EntityModel, SchemaModel } from '../schema/entity-model.ts';
import type { SearchModel } from '../search/search-model.ts';
import type { TenantModel } from '../tenancy/tenant-model.ts';
import type { RowCodec } from './row-codec.ts';
import type { Executor } from './session.ts';
import type { Store } from './store-types.ts';

/** The key of a store's internals: reachable by core's own tools (transfers), not by applications. */
export const storeInternals = Symbol('switchyard.storeInternals');

/** What core's tools need beneath the contract: whole tables, whatever tenant or guard. */
export interface StoreInternals {
  readonly adapter: Adapter;
  readonly context: AdapterOpenContext;
  readonly driver: Driver;
  readonly schema: SchemaModel;
  readonly rows: RowCodec;
  /** Statements outside any transaction. */
  readonly executor: Executor;
  /** Runs `fn` in a transaction of its own (never retried). */
  atomic<T>(fn: (executor: Executor) => Promise<T>): Promise<T>;
  readonly tenancy: ReadonlyMap<EntityModel, TenantModel>;
  readonly search: ReadonlyMap<EntityModel, SearchModel>;
  readonly appendOnly: ReadonlySet<EntityModel>;
}

export function internalsOf(store: Store): StoreInternals {
  const read = (store as unknown as { [storeInternals]?: () => StoreInternals })[storeInternals];
  if (typeof read !== 'function') throw new ConfigurationError('Expected a store opened by openStore().');
  return read.call(store);
}
