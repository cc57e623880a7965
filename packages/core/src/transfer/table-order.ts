import { TransferError } from '../errors.ts';
import type { EntityModel, SchemaModel } from '../schema/entity-model.ts';

/**
 * The entities in an order that loads every referenced row before the rows that refer to it.
 * A cycle of references (a self-reference included) has no such order: refused, naming it.
 */
export function foreignKeyOrder(schema: SchemaModel): EntityModel[] {
  const ordered: EntityModel[] = [];
  const state = new Map<EntityModel, 'visiting' | 'done'>();
  const visit = (entity: EntityModel, path: readonly string[]): void => {
    const seen = state.get(entity);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new TransferError(
        `The references ${[...path, entity.name].join(' → ')} form a cycle: a transfer loads parents before children and cannot order these rows.`,
      );
    }
    state.set(entity, 'visiting');
    for (const prop of entity.properties) {
      const target = prop.references ? schema.entities.get(prop.references) : undefined;
      if (target) visit(target, [...path, entity.name]);
    }
    state.set(entity, 'done');
    ordered.push(entity);
  };
  for (const entity of [...schema.entities.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    visit(entity, []);
  }
  return ordered;
}
