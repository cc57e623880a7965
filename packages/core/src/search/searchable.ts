import type { InferEntity } from '@mikro-orm/core';
import type { AnyEntitySchema } from '../store/store-types.ts';

type StringKeys<E> = Extract<keyof InferEntity<E>, string>;

export interface SearchDeclaration<E extends AnyEntitySchema = AnyEntitySchema> {
  /**
   * The searchable properties (`p.string()` or `p.text()`): a list (all weighted alike) or a map
   * from property to a positive weight (relative; at most 4 distinct weights).
   */
  readonly fields: readonly StringKeys<E>[] | Partial<Record<StringKeys<E>, number>>;
  /**
   * A property that scopes every search: `store.search` then requires `tenant` and only returns
   * rows whose property equals it.
   */
  readonly tenant?: StringKeys<E>;
}

const declarations = new WeakMap<object, SearchDeclaration>();

/**
 * Declares which properties of an entity are full-text searchable, and returns the entity itself:
 *
 * ```ts
 * export const Note = searchable(defineEntity({ … }), { fields: { title: 3, body: 1 }, tenant: 'tenantId' });
 * ```
 *
 * `store.migrate()` creates the index; repository writes keep it exact.
 */
export function searchable<E extends AnyEntitySchema>(entity: E, declaration: SearchDeclaration<E>): E {
  declarations.set(entity, declaration as SearchDeclaration);
  return entity;
}

/** The declaration made with {@link searchable}, if any. */
export function searchDeclarationOf(entity: AnyEntitySchema): SearchDeclaration | undefined {
  return declarations.get(entity);
}
