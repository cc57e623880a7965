import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { EntitySchema, MikroORM } from '@mikro-orm/core';
import { searchExpr } from '@switchyard/conformance';
import {
  compile,
  encodeDocument,
  encodeToken,
  FILLER_TOKEN,
  ident,
  join,
  rankedQuery,
  raw,
  type SearchExpr,
  type SearchIndexSpec,
  type Sql,
  sql,
} from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { sqliteDialect } from '../src/sqlite-dialect.ts';
import { SqliteStoreDriver } from '../src/sqlite-driver.ts';
import { ftsMatchExpression } from '../src/sqlite-fts-query.ts';
import { FTS_TABLES, sqliteSearch } from '../src/sqlite-search.ts';

// Query builders: words are already normalised (lowercase ASCII here), tokens are their encoding.
const { word, prefix, phrase, and, or } = searchExpr;

interface Doc {
  readonly id: string;
  readonly title: string;
  readonly body?: string;
  readonly tenant?: string;
}

let counter = 0;

/** One database file, one entity table with its search index, per test. */
class Fixture {
  readonly dir = mkdtempSync(joinPath(tmpdir(), 'switchyard-search-'));
  readonly db = new Database(joinPath(this.dir, 'search.sqlite'));
  // The adapter's own driver: WAL, foreign_keys = ON and safe integers, as in a store.
  readonly driver = new SqliteStoreDriver(this.db, { busyTimeoutMs: 1000, memory: false, readOnly: false });
  readonly table = `s${process.pid.toString(36)}_${(counter++).toString(36)}`;
  readonly spec: SearchIndexSpec = {
    entity: 'Doc',
    table: this.table,
    key: { column: 'id', sqlType: 'text' },
    indexTable: `${this.table}__search`,
    fields: [
      { property: 'title', column: 'sy_f0', weight: 1 },
      { property: 'body', column: 'sy_f1', weight: 0.5 },
    ],
  };

  async setUp(): Promise<void> {
    expect(this.db.pragma('foreign_keys', { simple: true })).toBe(1);
    // As MikroORM creates a table with a p.uuid() or p.string() primary key on SQLite.
    await this.run(
      sql`CREATE TABLE ${ident(this.table)} (${ident('id')} text not null primary key, ${ident('title')} text not null, ${ident('body')} text null, ${ident('tenant')} text null)`,
    );
    await this.createIndex();
    await this.createIndex();
  }

  async tearDown(): Promise<void> {
    for (const statement of sqliteSearch.dropIndex(this.spec)) await this.run(statement);
    await this.run(sql`DROP TABLE IF EXISTS ${ident(this.table)}`);
    await this.driver.close();
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async createIndex(): Promise<void> {
    for (const statement of sqliteSearch.createIndex(this.spec)) await this.run(statement);
  }

  async run(statement: Sql): Promise<void> {
    const { sql: text, params } = compile(statement, sqliteDialect);
    await this.driver.execute(text, params);
  }

  async rows(statement: Sql): Promise<Record<string, unknown>[]> {
    const { sql: text, params } = compile(statement, sqliteDialect);
    return this.driver.query(text, params);
  }

  /** Inserts entity rows and their documents the way core's index writer does. */
  async insert(docs: readonly Doc[]): Promise<void> {
    const tx = await this.driver.begin({ isolation: undefined, readOnly: false });
    try {
      for (let i = 0; i < docs.length; i += 500) {
        const batch = docs.slice(i, i + 500);
        const entities = batch.map((d) => sql`(${d.id}, ${d.title}, ${d.body ?? null}, ${d.tenant ?? null})`);
        const documents = batch.map((d) => {
          const [f0, f1] = encodeDocument([d.title, d.body]);
          return sql`(${d.id}, ${f0}, ${f1})`;
        });
        let c = compile(sql`INSERT INTO ${ident(this.table)} VALUES ${join(entities)}`, sqliteDialect);
        await tx.execute(c.sql, c.params);
        c = compile(
          sql`INSERT INTO ${ident(this.spec.indexTable)} (${ident('sy_id')}, ${ident('sy_f0')}, ${ident('sy_f1')}) VALUES ${join(documents)}`,
          sqliteDialect,
        );
        await tx.execute(c.sql, c.params);
      }
      await tx.commit();
    } catch (error) {
      await tx.rollback();
      throw error;
    }
  }

  async hits(expr: SearchExpr): Promise<{ id: string; rel: number }[]> {
    const id = sql`${raw('b.')}${ident('id')}`;
    const rows = await this.rows(
      rankedQuery(sqliteSearch.hits(this.spec, expr), { columns: sql`${id} AS ${ident('sy_id')}`, key: id }),
    );
    return rows
      .map((r) => ({ id: r.sy_id as string, rel: r.sy_rel as number }))
      .sort((a, b) => b.rel - a.rel || (a.id < b.id ? -1 : 1));
  }

  async ids(expr: SearchExpr): Promise<string[]> {
    return (await this.hits(expr)).map((h) => h.id).sort();
  }

  /** Core's search statement: the ranked rows filtered and keyset-paged. */
  async page(
    expr: SearchExpr,
    limit: number,
    tenant: string,
    after?: { rel: number; id: string },
  ): Promise<{ id: string; rel: number }[]> {
    const ranked = sqliteSearch.hits(this.spec, expr);
    const rel = ranked.relevance;
    const id = sql`${raw('b.')}${ident('id')}`;
    const conditions = [sql`${raw('b.')}${ident('tenant')} = ${tenant}`];
    if (after)
      conditions.push(sql`(${rel} < ${after.rel} OR (${rel} = ${after.rel} AND ${id} > ${after.id}))`);
    const columns = sql`${id}, ${raw('b.')}${ident('title')}`;
    const rows = await this.rows(rankedQuery(ranked, { columns, key: id, conditions, limit }));
    return rows.map((r) => ({ id: r.id as string, rel: r.sy_rel as number }));
  }

  async count(table: string): Promise<number> {
    const rows = await this.rows(sql`SELECT count(*) AS n FROM ${ident(table)}`);
    return Number(rows[0]?.n);
  }

  /** FTS5's own check that its index matches the index table (throws when it does not). */
  async checkFts(): Promise<void> {
    const fts = `${this.spec.indexTable}_fts`;
    await this.run(sql`INSERT INTO ${ident(fts)} (${ident(fts)}, rank) VALUES ('integrity-check', 1)`);
    expect(await this.count(`${fts}_docsize`)).toBe(await this.count(this.spec.indexTable));
  }

  async schemaObjects(): Promise<string[]> {
    const rows = await this.rows(
      sql`SELECT type || ' ' || name AS o FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY o`,
    );
    return rows.map((r) => r.o as string);
  }
}

describe('SQLite full-text search', () => {
  let f: Fixture;

  beforeEach(async () => {
    f = new Fixture();
    await f.setUp();
  });

  afterEach(async () => {
    await f.tearDown();
  });

  test('createIndex is idempotent: an FTS5 table over the index table, kept by three triggers', async () => {
    await f.createIndex();
    const t = f.table;
    expect(await f.schemaObjects()).toEqual(
      [
        `table ${t}`,
        `table ${t}__search`,
        `trigger ${t}__search_ad`,
        `trigger ${t}__search_ai`,
        `trigger ${t}__search_au`,
        `table ${t}__search_fts`,
        `table ${t}__search_fts_config`,
        `table ${t}__search_fts_data`,
        `table ${t}__search_fts_docsize`,
        `table ${t}__search_fts_idx`,
      ].sort(),
    );
    const fts = await f.rows(sql`SELECT sql FROM sqlite_schema WHERE name = ${`${t}__search_fts`}`);
    expect(fts[0]?.sql).toContain("tokenize='ascii'");
  });

  test('a word, a prefix and a phrase', async () => {
    await f.insert([
      { id: 'a', title: 'Red apple pie', body: 'fresh from the oven' },
      { id: 'b', title: 'Green apple', body: 'red sauce' },
      { id: 'c', title: 'Apricot jam', body: 'pie crust' },
      { id: 'd', title: 'Pineapple', body: 'apples' },
    ]);
    expect(await f.ids(word('apple'))).toEqual(['a', 'b']);
    expect(await f.ids(word('red'))).toEqual(['a', 'b']);
    expect(await f.ids(prefix('ap'))).toEqual(['a', 'b', 'c', 'd']);
    expect(await f.ids(prefix('apple'))).toEqual(['a', 'b', 'd']);
    expect(await f.ids(phrase('apple', 'pie'))).toEqual(['a']);
    expect(await f.ids(phrase('pie', 'apple'))).toEqual([]);
    expect(await f.ids(word('pear'))).toEqual([]);
  });

  test('a phrase never spans two fields', async () => {
    await f.insert([{ id: 'a', title: 'big red', body: 'apple tart' }]);
    expect(await f.ids(phrase('red', 'apple'))).toEqual([]);
    expect(await f.ids(phrase('big', 'red'))).toEqual(['a']);
    expect(await f.ids(phrase('apple', 'tart'))).toEqual(['a']);
  });

  test('the filler token holds a position, so it breaks a phrase', async () => {
    // The 257th "a" is over the per-token cap: encodeDocument writes the filler in its place.
    await f.insert([{ id: 'capped', title: `${'a '.repeat(256)}a b` }]);
    expect(encodeDocument([`${'a '.repeat(256)}a b`])[0]).toContain(` ${FILLER_TOKEN} `);
    const [a, b] = ['a', 'b'].map(encodeToken);
    await f.run(sql`INSERT INTO ${ident(f.table)} (id, title) VALUES ('raw', 'x')`);
    await f.run(
      sql`INSERT INTO ${ident(f.spec.indexTable)} (sy_id, sy_f0, sy_f1) VALUES ('raw', ${`${a} ${FILLER_TOKEN} ${b}`}, '')`,
    );
    expect(await f.ids(phrase('a', 'b'))).toEqual([]);
    expect(await f.ids(word('b'))).toEqual(['capped', 'raw']);
    expect(await f.ids(phrase('a', 'a'))).toEqual(['capped']);
  });

  test('and, or and exclusions nest: alpha (bravo OR charlie) -"delta echo"', async () => {
    await f.insert([
      { id: '1', title: 'alpha bravo' },
      { id: '2', title: 'alpha', body: 'charlie' },
      { id: '3', title: 'alpha bravo delta echo' },
      { id: '4', title: 'alpha bravo echo delta' },
      { id: '5', title: 'alpha' },
      { id: '6', title: 'bravo charlie' },
      { id: '7', title: 'alpha bravo delta', body: 'echo' },
      { id: '8', title: 'alpha charlie', body: 'x delta echo' },
    ]);
    const query = and([word('alpha'), or(word('bravo'), word('charlie'))], [phrase('delta', 'echo')]);
    expect(await f.ids(query)).toEqual(['1', '2', '4', '7']);
    // An exclusion with its own exclusion: alpha -(bravo -charlie).
    await f.insert([{ id: '9', title: 'alpha bravo charlie' }]);
    expect(await f.ids(and([word('alpha')], [and([word('bravo')], [word('charlie')])]))).toEqual([
      '2',
      '5',
      '8',
      '9',
    ]);
    // (alpha echo) OR (charlie -bravo), and several exclusions at once.
    expect(
      await f.ids(or(and([word('alpha'), word('echo')]), and([word('charlie')], [word('bravo')]))),
    ).toEqual(['2', '3', '4', '7', '8']);
    expect(await f.ids(and([word('alpha')], [word('charlie'), prefix('ech')]))).toEqual(['1', '5']);
  });

  test('relevance: every term beats fewer terms, and a title match beats a body match', async () => {
    await f.insert([
      { id: 'both', title: 'alpha bravo filler' },
      { id: 'one', title: 'alpha charlie filler' },
      { id: 'title', title: 'kiwi', body: 'plum' },
      { id: 'body', title: 'plum', body: 'kiwi' },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `z${i}`, title: `other words ${i}` })),
    ]);
    const ranked = await f.hits(or(word('alpha'), word('bravo')));
    expect(ranked.map((h) => h.id)).toEqual(['both', 'one']);
    expect(ranked[0]?.rel).toBeGreaterThan(ranked[1]?.rel as number);
    const weighted = await f.hits(word('kiwi'));
    expect(weighted.map((h) => h.id)).toEqual(['title', 'body']);
    expect(weighted[0]?.rel).toBeGreaterThan(weighted[1]?.rel as number);
    for (const h of [...ranked, ...weighted]) expect(h.rel).toBeGreaterThan(0);
    // Deterministic for unchanged data.
    expect(await f.hits(or(word('alpha'), word('bravo')))).toEqual(ranked);
  });

  test('an update re-indexes the document, and a delete of the entity row cascades out of FTS5', async () => {
    await f.insert([
      { id: 'a', title: 'first title', body: 'body' },
      { id: 'b', title: 'second title', body: 'body' },
    ]);
    const [t0, t1] = encodeDocument(['renamed heading', 'text']);
    await f.run(sql`UPDATE ${ident(f.spec.indexTable)} SET sy_f0 = ${t0}, sy_f1 = ${t1} WHERE sy_id = 'a'`);
    expect(await f.ids(word('first'))).toEqual([]);
    expect(await f.ids(word('renamed'))).toEqual(['a']);
    expect(await f.ids(word('title'))).toEqual(['b']);
    await f.checkFts();

    await f.run(sql`DELETE FROM ${ident(f.table)} WHERE id = 'a'`);
    expect(await f.count(f.spec.indexTable)).toBe(1);
    expect(await f.ids(word('renamed'))).toEqual([]);
    await f.checkFts();

    // Core's reindex: delete the document and insert it again.
    await f.run(sql`DELETE FROM ${ident(f.spec.indexTable)} WHERE sy_id IN ('b')`);
    await f.run(
      sql`INSERT INTO ${ident(f.spec.indexTable)} (sy_id, sy_f0, sy_f1) VALUES ('b', ${encodeDocument(['again'])[0]}, '')`,
    );
    expect(await f.ids(word('again'))).toEqual(['b']);
    await f.checkFts();
  });

  test('a document needs its entity row: the foreign key is enforced', async () => {
    await expect(
      f.run(sql`INSERT INTO ${ident(f.spec.indexTable)} (sy_id, sy_f0, sy_f1) VALUES ('ghost', '', '')`),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  });

  test('dropIndex removes only the index, and createIndex builds it again', async () => {
    await f.insert([{ id: 'a', title: 'kept row' }]);
    for (const statement of sqliteSearch.dropIndex(f.spec)) await f.run(statement);
    for (const statement of sqliteSearch.dropIndex(f.spec)) await f.run(statement);
    expect(await f.schemaObjects()).toEqual([`table ${f.table}`]);
    expect(await f.count(f.table)).toBe(1);

    await f.createIndex();
    await f.createIndex();
    expect(await f.ids(word('kept'))).toEqual([]);
    await f.insert([{ id: 'b', title: 'kept again' }]);
    expect(await f.ids(word('kept'))).toEqual(['b']);
    await f.checkFts();
  });

  test('createIndex rebuilds an FTS index that missed writes', async () => {
    await f.insert([{ id: 'a', title: 'before' }]);
    // As if a run stopped after creating the index table, and documents were written meanwhile.
    await f.run(sql`DROP TABLE ${ident(`${f.spec.indexTable}_fts`)}`);
    for (const suffix of ['_ai', '_ad', '_au']) {
      await f.run(sql`DROP TRIGGER ${ident(`${f.spec.indexTable}${suffix}`)}`);
    }
    await f.insert([{ id: 'b', title: 'meanwhile' }]);
    await f.createIndex();
    expect(await f.ids(word('before'))).toEqual(['a']);
    expect(await f.ids(word('meanwhile'))).toEqual(['b']);
    await f.checkFts();
  });

  test("core's wrapping query filters and pages exactly on the sy_rel it read back", async () => {
    const docs: Doc[] = Array.from({ length: 60 }, (_, i) => ({
      id: `d${String(i).padStart(2, '0')}`,
      title: i % 3 === 0 ? 'topic topic topic' : i % 3 === 1 ? 'topic' : 'nothing here',
      body: i % 4 === 0 ? 'topic' : `words ${'x '.repeat(i % 5)}`,
      tenant: i % 2 === 0 ? 'even' : 'odd',
    }));
    await f.insert(docs);
    const query = word('topic');
    const all = (await f.hits(query)).filter((h) => docs.find((d) => d.id === h.id)?.tenant === 'even');
    expect(all.length).toBeGreaterThan(10);

    const seen: { id: string; rel: number }[] = [];
    let after: { id: string; rel: number } | undefined;
    for (;;) {
      const page = await f.page(query, 7, 'even', after);
      seen.push(...page);
      if (page.length < 7) break;
      after = page[page.length - 1];
    }
    expect(seen).toEqual(all);
    expect(new Set(all.map((h) => h.rel)).size).toBeLessThan(all.length); // ties were paged through
  });

  test('the MATCH expression quotes every token and is the only bound text', () => {
    const query = and([word('alpha'), or(word('bravo'), prefix('ch'))], [phrase('delta', 'echo'), word('x')]);
    const [a, b, c, d, e, x] = ['alpha', 'bravo', 'ch', 'delta', 'echo', 'x'].map(encodeToken);
    const match = `(("${a}") AND (("${b}") OR ("${c}"*))) NOT (("${d} ${e}") OR ("${x}"))`;
    expect(ftsMatchExpression(query)).toBe(match);
    const ranked = sqliteSearch.hits(f.spec, query);
    const { sql: text, params } = compile(
      sql`${ranked.where} ${ranked.relevance} ${ranked.from}`,
      sqliteDialect,
    );
    expect(params).toEqual([match, 1, 0.5]);
    expect(text).not.toContain(a as string);
    // A token is a plain FTS5 string even if it spelled an operator or held a quote.
    expect(ftsMatchExpression({ type: 'term', words: [], tokens: ['not', 'a"b'], prefix: false })).toBe(
      '"not a""b"',
    );
  });

  test('1000 documents index quickly and match exactly like a reference matcher', async () => {
    const random = mulberry32(20240611);
    const vocabulary = ['ab', 'abc', 'abd', 'ac', 'b', 'ba', 'bab', 'c', 'ca', 'cab', 'd', 'da'];
    const pick = () => vocabulary[Math.floor(random() * vocabulary.length)] as string;
    const words = (max: number) => Array.from({ length: Math.floor(random() * (max + 1)) }, pick).join(' ');
    const docs: Doc[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `doc${String(i).padStart(4, '0')}`,
      title: words(5),
      // Every 50th body repeats a word past the per-token cap, so the filler shows up in phrases.
      body: i % 50 === 0 ? `${`${pick()} `.repeat(258)}${words(6)}` : words(12),
    }));
    const started = performance.now();
    await f.insert(docs);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);
    await f.checkFts();

    const fields = docs.map((d) => encodeDocument([d.title, d.body]).map((v) => (v ? v.split(' ') : [])));
    const term = (): SearchExpr => {
      const roll = random();
      if (roll < 0.5) return word(pick());
      if (roll < 0.7) return prefix(pick().slice(0, 1 + Math.floor(random() * 2)));
      return phrase(pick(), pick(), ...(random() < 0.3 ? [pick()] : []));
    };
    const expr = (depth: number): SearchExpr => {
      const roll = random();
      if (depth === 0 || roll < 0.4) return term();
      const n = () => 1 + Math.floor(random() * 2);
      if (roll < 0.7) {
        const exclude = random() < 0.6 ? Array.from({ length: n() }, () => expr(depth - 1)) : [];
        return and(
          Array.from({ length: n() }, () => expr(depth - 1)),
          exclude,
        );
      }
      return or(...Array.from({ length: n() + 1 }, () => expr(depth - 1)));
    };
    let informative = 0;
    for (let i = 0; i < 150; i++) {
      const query = expr(3);
      const expected = docs.filter((_, j) => matches(query, fields[j] as string[][])).map((d) => d.id);
      expect(await f.ids(query), ftsMatchExpression(query)).toEqual(expected);
      if (expected.length > 0 && expected.length < docs.length) informative++;
    }
    // Most queries match some documents but not all, so the comparison says something.
    expect(informative).toBeGreaterThan(100);
  });
});

describe('SQLite search index next to MikroORM', () => {
  test("MikroORM's schema update skips the FTS5 tables and leaves the index alone", async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'switchyard-search-orm-'));
    const table = `o${process.pid.toString(36)}`;
    const spec: SearchIndexSpec = {
      entity: 'Note',
      table,
      key: { column: 'id', sqlType: 'text' },
      indexTable: `${table}__search`,
      fields: [{ property: 'title', column: 'sy_f0', weight: 1 }],
    };
    const Note = new EntitySchema({
      name: 'Note',
      tableName: table,
      properties: { id: { type: 'string', primary: true }, title: { type: 'string' } },
    });
    const orm = await MikroORM.init({
      ...sqliteAdapter.ormOptions({ url: `sqlite:${joinPath(dir, 'orm.sqlite')}`, options: {} }),
      entities: [Note],
    });
    try {
      const connection = orm.em.getConnection();
      await orm.schema.update({ safe: true, dropTables: false });
      for (const statement of sqliteSearch.createIndex(spec)) {
        const { sql: text, params } = compile(statement, sqliteDialect);
        await connection.execute(text, params);
      }
      // FTS5's tables have untyped columns: introspecting them would throw inside MikroORM.
      await orm.schema.update({ safe: true, dropTables: false });
      expect(await orm.schema.getUpdateSchemaSQL({ safe: true, dropTables: false })).toBe('');
      const objects = await connection.execute(
        `SELECT count(*) AS n FROM sqlite_schema WHERE name LIKE '${table}__search%'`,
      );
      expect(Number(objects[0]?.n)).toBe(9);
    } finally {
      await orm.close(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the skipped names are exactly the FTS5 table and its shadow tables', () => {
    for (const suffix of ['', '_data', '_idx', '_docsize', '_config', '_content']) {
      expect(FTS_TABLES.test(`note__search_fts${suffix}`)).toBe(true);
    }
    for (const name of ['note', 'note__search', 'note__search_fts_x', 'search_fts']) {
      expect(FTS_TABLES.test(name)).toBe(false);
    }
  });
});

/** The matching rules of SearchDialect, on encoded fields (the filler never equals a query token). */
function matches(expr: SearchExpr, fields: readonly string[][]): boolean {
  switch (expr.type) {
    case 'and':
      return expr.include.every((e) => matches(e, fields)) && !expr.exclude.some((e) => matches(e, fields));
    case 'or':
      return expr.anyOf.some((e) => matches(e, fields));
    case 'term': {
      const [first] = expr.tokens as [string];
      if (expr.prefix) return fields.some((f) => f.some((t) => t.startsWith(first)));
      return fields.some((f) =>
        f.some((_, start) => expr.tokens.every((token, k) => f[start + k] === token)),
      );
    }
  }
}

/** A small seeded PRNG, so the random queries are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
