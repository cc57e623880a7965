import type { AnyEntitySchema } from '../store/store-types.ts';

const declared = new WeakSet<object>();

/**
 * Declares an entity append-only, and returns the entity itself: rows are inserted and read,
 * never updated or deleted. The repository refuses updates and deletes before anything runs
 * (`AppendOnlyError`), and the database refuses them too — triggers created by the migration
 * history (or `migrate()`), so raw SQL through any connection is refused as well.
 *
 * ```ts
 * export const Event = appendOnly(defineEntity({ … }));
 * ```
 */
export function appendOnly<E extends AnyEntitySchema>(entity: E): E {
  declared.add(entity);
  return entity;
}

/** Whether {@link appendOnly} declared the entity. */
export function isAppendOnly(entity: AnyEntitySchema): boolean {
  return declared.has(entity);
}
