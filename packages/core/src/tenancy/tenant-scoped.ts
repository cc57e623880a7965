import type { InferEntity } from '@mikro-orm/core';
import type { AnyEntitySchema } from '../store/store-types.ts';

export interface TenantDeclaration<E extends AnyEntitySchema = AnyEntitySchema> {
  /**
   * The property holding the row's tenant: required (not nullable), a `p.string()`, `p.uuid()`,
   * `p.integer()` or `p.bigint()`, neither the primary key nor the version.
   */
  readonly property: Extract<keyof InferEntity<E>, string>;
  /**
   * Adds the database's own row-level security as a second layer, where the backend has it
   * (PostgreSQL; elsewhere it changes nothing): the migration history creates a policy that lets
   * a connection see and write only the rows of the tenant bound to its transaction, so raw SQL
   * that forgets the tenant finds nothing. Every repository call then runs in a transaction that
   * binds the tenant first. Default false.
   */
  readonly rowLevelSecurity?: boolean;
}

declare const tenantProperty: unique symbol;

/**
 * Type-level mark of a `tenantScoped` entity: names its tenant property, so an insert through a
 * tenant scope may leave it out. Never present at run time.
 */
export interface TenantScopedEntity<K extends string> {
  readonly [tenantProperty]: K;
}

const declarations = new WeakMap<object, TenantDeclaration>();

/**
 * Declares an entity tenant-scoped, and returns the entity itself: every row belongs to one tenant,
 * and the entity is only reachable through a tenant context (`store.tenant(id)`), never through
 * `store.repo` — a missing tenant is a `TenantScopeError`, never "all tenants".
 *
 * ```ts
 * export const Note = tenantScoped(defineEntity({ … }), { property: 'tenantId' });
 * const notes = store.tenant(tenantId).repo(Note);
 * ```
 */
export function tenantScoped<
  E extends AnyEntitySchema,
  const K extends Extract<keyof InferEntity<E>, string>,
>(
  entity: E,
  declaration: { readonly property: K; readonly rowLevelSecurity?: boolean },
): E & TenantScopedEntity<K> {
  declarations.set(entity, declaration as TenantDeclaration);
  return entity as E & TenantScopedEntity<K>;
}

/** The declaration made with {@link tenantScoped}, if any. */
export function tenantDeclarationOf(entity: AnyEntitySchema): TenantDeclaration | undefined {
  return declarations.get(entity);
}
