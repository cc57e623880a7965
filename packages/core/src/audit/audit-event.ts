import { defineEntity, p } from '@mikro-orm/core';
import { appendOnly } from '../schema/append-only.ts';

/**
 * The audit log's table. Add it to the application's schema (`openStore({ schema: [..., AuditEvent] })`)
 * to use `store.audit`; like every table it comes through the migration history, guarded
 * append-only by the database.
 */
export const AuditEvent = appendOnly(
  defineEntity({
    name: 'AuditEvent',
    tableName: 'switchyard_audit',
    properties: {
      id: p.uuid().primary(),
      /** 1, 2, 3, …: one line, no gaps (unique: two appenders can never take the same place). */
      seq: p.bigint().unique(),
      at: p.datetime(),
      actor: p.string().length(200),
      action: p.string().length(200),
      subject: p.string().length(200),
      data: p.json<unknown>().nullable(),
      /** `hash` of the event before (64 zeros for the first). */
      prevHash: p.string().length(64),
      /** SHA-256 of the event's content and `prevHash`, hex. */
      hash: p.string().length(64),
    },
    indexes: [{ properties: ['subject', 'seq'] }, { properties: ['actor', 'seq'] }, { properties: ['at'] }],
  }),
);
