import { defineEntity, p, searchable } from '@switchyard/core';

export const Owner = defineEntity({
  name: 'Owner',
  tableName: 'demo_owner',
  properties: {
    id: p.uuid().primary(),
    handle: p.string().length(40).unique(),
    displayName: p.string().length(120),
  },
});

// Titles weigh twice the body in search relevance. The index serves an owner's notes newest first.
export const Note = searchable(
  defineEntity({
    name: 'Note',
    tableName: 'demo_note',
    indexes: [{ name: 'demo_note_owner_created_index', properties: ['owner', 'createdAt'] }],
    properties: {
      id: p.uuid().primary(),
      owner: () => p.manyToOne(Owner),
      title: p.string().length(200),
      body: p.text(),
      tags: p.json<string[]>(),
      pinned: p.boolean(),
      createdAt: p.datetime().onCreate(() => new Date()),
      version: p.integer().version(),
    },
  }),
  { fields: { title: 2, body: 1 } },
);

export const demoSchema = [Owner, Note];
