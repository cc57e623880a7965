import { type AnyEntitySchema, appendOnly, defineEntity, p } from '@switchyard/core';

/**
 * The append-only suite's own schemas, besides the conformance schema's `Ledger`: append-only
 * rows under normal parents (foreign-key actions), and successive versions of one table for the
 * migration history. `appendOnly` marks one entity object, so every version is an entity of its
 * own; table names stay the same across versions (the database only sees tables).
 */

/** A normal parent: deleting it, or changing its key, cascades to its append-only entries. */
export const AoBook = defineEntity({
  name: 'AoBook',
  tableName: 'sy_ao_book',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(40),
  },
});

/** A normal parent referenced by a nullable property: deleting it sets the reference to NULL. */
export const AoClerk = defineEntity({
  name: 'AoClerk',
  tableName: 'sy_ao_clerk',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(40),
  },
});

/**
 * An append-only child of both parents: `ON DELETE CASCADE ON UPDATE CASCADE` from its book, and
 * MikroORM's default for a nullable reference (`ON DELETE SET NULL`) from its clerk. Each action
 * would change its rows, so the guard must refuse it.
 */
export const AoEntry = appendOnly(
  defineEntity({
    name: 'AoEntry',
    tableName: 'sy_ao_entry',
    properties: {
      id: p.uuid().primary(),
      book: () => p.manyToOne(AoBook).deleteRule('cascade').updateRule('cascade'),
      clerk: () => p.manyToOne(AoClerk).nullable(),
      amount: p.integer(),
    },
  }),
);

export const foreignKeySchema = [AoBook, AoClerk, AoEntry];

/** v1 of the migrated table: a plain entity, updated and deleted freely. */
export const AoEventPlain = defineEntity({
  name: 'AoEventPlain',
  tableName: 'sy_ao_event',
  properties: {
    id: p.uuid().primary(),
    kind: p.string().length(40),
    amount: p.integer(),
  },
});

/** v2: the same table, append-only; nothing else changes. */
export const AoEventGuarded = appendOnly(
  defineEntity({
    name: 'AoEventGuarded',
    tableName: 'sy_ao_event',
    properties: {
      id: p.uuid().primary(),
      kind: p.string().length(40),
      amount: p.integer(),
    },
  }),
);

/** v3: still append-only, with a new nullable column and an index: the table itself changes. */
export const AoEventWidened = appendOnly(
  defineEntity({
    name: 'AoEventWidened',
    tableName: 'sy_ao_event',
    properties: {
      id: p.uuid().primary(),
      kind: p.string().length(40),
      amount: p.integer().index(),
      memo: p.string().length(80).nullable(),
    },
  }),
);

export const eventSchemas = {
  plain: [AoEventPlain],
  guarded: [AoEventGuarded],
  widened: [AoEventWidened],
} as const satisfies Record<string, readonly AnyEntitySchema[]>;

export const eventTable = 'sy_ao_event';
