import { LockMode, MikroORM, type Options, raw } from '@mikro-orm/core';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
// Every driver package re-exports @mikro-orm/sql; the types are the same whichever one names them.
import { type AbstractSqlDriver, type SqlEntityManager, SqliteDriver } from '@mikro-orm/sqlite';
import { type ConnectionTarget, connectionTarget } from './connection-target.ts';
import type { Contender, ContenderFactory, NewNote, NoteRow } from './contender.ts';
import { type IMikroNote, MikroNote, MikroNoteSearch, mikroormEntities } from './mikroorm-entities.ts';
import { searchDocument } from './search-document.ts';

type SqlOrm = MikroORM<AbstractSqlDriver, SqlEntityManager<AbstractSqlDriver>>;

/** The connection part of MikroORM's configuration, with the driver package of the backend. */
function connectionOptions(target: ConnectionTarget): Partial<Options<AbstractSqlDriver>> {
  switch (target.backend) {
    case 'sqlite':
      return { driver: SqliteDriver, dbName: target.file };
    case 'postgres':
      return { driver: PostgreSqlDriver, clientUrl: target.connectionString };
    case 'mariadb':
      return {
        driver: MariaDbDriver,
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        dbName: target.database,
      };
  }
}

/**
 * "Notes of the owner whose tags contain the tag". MikroORM has no portable operator for a JSON
 * array of scalars containing a value: `$contains` is PostgreSQL's `@>` (jsonb containment, what
 * the docs offer there); `$elemMatch` only matches properties of object elements. On SQLite and
 * MariaDB the documented escape hatch is a `raw()` fragment as a key of the where object (the
 * empty array value means "no operator"), with the entity's alias passed in.
 */
function tagCondition(backend: ConnectionTarget['backend'], tag: string) {
  switch (backend) {
    case 'postgres':
      return { tags: { $contains: [tag] } };
    case 'sqlite':
      return {
        [raw((alias) => `exists (select 1 from json_each(${alias}.tags) where value = ?)`, [tag])]: [],
      };
    case 'mariadb':
      return { [raw((alias) => `json_contains(${alias}.tags, ?)`, [JSON.stringify(tag)])]: [] };
  }
}

/** The entity as the plain row every contender returns (a Ref's id is loaded without a query). */
function toRow(note: IMikroNote): NoteRow {
  return {
    id: note.id,
    owner: note.owner.id,
    title: note.title,
    body: note.body,
    tags: note.tags,
    pinned: note.pinned,
    createdAt: note.createdAt,
    version: note.version,
  };
}

/**
 * MikroORM 7 used directly, as an application writes it: entities from `mikroorm-entities.ts`, a
 * fresh `em.fork()` per operation (a request's EntityManager: its identity map starts empty, so
 * reads always go to the database), `em.create` + one `flush` for writes (the unit of work batches
 * the inserts in one transaction), `find`/`findOne` for reads, MikroORM's optimistic locking for
 * updates, and `em.execute` for the hand-written search SQL.
 */
export const mikroormContender: ContenderFactory = async (url: string): Promise<Contender> => {
  const target = connectionTarget(url);
  const orm = (await MikroORM.init<AbstractSqlDriver>({
    ...connectionOptions(target),
    entities: mikroormEntities,
    // The tables exist (Switchyard's migrations): never create a database or check the schema.
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
    debug: false,
  })) as SqlOrm;

  return {
    name: 'mikroorm',

    async insertMany(notes: readonly NewNote[]) {
      const em = orm.em.fork();
      for (const input of notes) {
        const note = em.create(MikroNote, {
          id: input.id,
          owner: input.owner,
          title: input.title,
          body: input.body,
          tags: input.tags,
          pinned: input.pinned,
          createdAt: input.createdAt,
        });
        const doc = searchDocument(input);
        em.create(MikroNoteSearch, { note, f0: doc.sy_f0, f1: doc.sy_f1 });
      }
      // One unit of work: batched inserts (notes first, then their index rows) in a transaction.
      await em.flush();
    },

    async get(id) {
      const note = await orm.em.fork().findOne(MikroNote, { id });
      return note ? toRow(note) : null;
    },

    async page(owner, tag, limit) {
      const notes = await orm.em
        .fork()
        .find(
          MikroNote,
          { owner, ...tagCondition(target.backend, tag) },
          { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
        );
      return notes.map(toRow);
    },

    async update(id, patch, expectedVersion) {
      const em = orm.em.fork();
      // MikroORM's optimistic lock: findOne throws OptimisticLockError when the loaded version is
      // not `lockVersion`; the flush's UPDATE checks the version again (`where version = ?`) and
      // throws OptimisticLockError when another writer got there first. A patch equal to the stored
      // values leaves nothing dirty: MikroORM then sends no UPDATE and the version stays.
      const note = await em.findOne(
        MikroNote,
        { id },
        { lockMode: LockMode.OPTIMISTIC, lockVersion: expectedVersion },
      );
      if (!note) throw new Error(`Note ${id} not found`);
      em.assign(note, { pinned: patch.pinned, tags: patch.tags });
      await em.flush();
      return toRow(note);
    },

    async *stream(batchSize) {
      let after: string | undefined;
      for (;;) {
        // A new EntityManager per batch: the previous batch's entities are garbage.
        const batch = await orm.em.fork().find(MikroNote, after === undefined ? {} : { id: { $gt: after } }, {
          orderBy: { id: 'asc' },
          limit: batchSize,
        });
        for (const note of batch) yield toRow(note);
        if (batch.length < batchSize) return;
        after = batch[batch.length - 1]?.id;
      }
    },

    async search(query) {
      // em.execute formats `?` placeholders itself (MikroORM 7 inlines the quoted values through the
      // platform, then sends the statement), so the same text works on all three backends.
      const rows = await orm.em
        .fork()
        .execute<{ id: unknown }[]>(query.statement.sql, [...query.statement.params]);
      return rows.map((row) => String(row.id));
    },

    close: () => orm.close(),
  };
};
