import { randomUUID } from 'node:crypto';
import { searchExpr } from '@switchyard/conformance';
import {
  compile,
  encodeDocument,
  encodeToken,
  FILLER_TOKEN,
  MAX_DOCUMENT_TOKENS,
  MAX_TOKEN_OCCURRENCES,
  raw,
  type SearchExpr,
  type SearchIndexSpec,
  type SearchTerm,
  type Sql,
  sql,
} from '@switchyard/core/adapter';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SESSION_OPTIONS } from '../src/postgres-adapter.ts';
import { postgresDialect } from '../src/postgres-dialect.ts';
import { PostgresStoreDriver } from '../src/postgres-driver.ts';
import {
  docIndexName,
  matchQuery,
  postgresSearch,
  rankedDocuments,
  rankQuery,
  weightClasses,
} from '../src/postgres-search.ts';

const URL = process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Every run works in a schema of its own, dropped at the end. */
const SCHEMA = `sy_search_${randomUUID().slice(0, 8)}`;

let admin: pg.Client;
let pool: pg.Pool;
let driver: PostgresStoreDriver;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  pool = new pg.Pool({
    connectionString: URL,
    max: 2,
    options: `${SESSION_OPTIONS} -c search_path=${SCHEMA}`,
  });
  driver = new PostgresStoreDriver(pool, { poolMax: 2, sslMode: 'disable', poolTimeoutMs: 30_000 });
});

afterAll(async () => {
  await driver?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.end();
});

const run = (fragment: Sql) => {
  const { sql: text, params } = compile(fragment, postgresDialect);
  return driver.query(text, params);
};
const runAll = async (fragments: Sql[]) => {
  for (const f of fragments) await run(f);
};

// ---- queries, built by hand the way core's normaliser builds them ----

const { word, prefix, phrase, and, or } = searchExpr;

// ---- an entity table with a uuid key (what p.uuid().primary() creates) and its index ----

let tables = 0;

/** A fresh `(id uuid, title, body)` entity with its index created twice (idempotence). */
async function entity(weights: number[] = [1, 0.5]) {
  const table = `e${++tables}`;
  const spec: SearchIndexSpec = {
    entity: `E${tables}`,
    table,
    key: { column: 'id', sqlType: 'uuid' },
    indexTable: `${table}__search`,
    fields: weights.map((weight, i) => ({ property: `p${i}`, column: `sy_f${i}`, weight })),
  };
  const columns = weights.map((_, i) => `p${i} text COLLATE "C"`).join(', ');
  await driver.execute(`CREATE TABLE ${table} (id uuid PRIMARY KEY, ${columns})`, []);
  await runAll(postgresSearch.createIndex(spec));
  await runAll(postgresSearch.createIndex(spec));
  const ids = new Map<string, string>();
  const names = new Map<string, string>();

  /** Inserts entity rows and their documents in one statement each, as core's index writer does. */
  async function insert(docs: Record<string, string[]>) {
    const entries = Object.entries(docs);
    if (entries.length === 0) return;
    const rows: unknown[] = [];
    const docsParams: unknown[] = [];
    const rowTuples: string[] = [];
    const docTuples: string[] = [];
    const width = weights.length + 1;
    entries.forEach(([name, fields], n) => {
      const id = randomUUID();
      ids.set(name, id);
      names.set(id, name);
      rows.push(id, ...fields);
      docsParams.push(id, ...encodeDocument(fields));
      const marks = Array.from({ length: width }, (_, k) => `$${n * width + k + 1}`).join(', ');
      rowTuples.push(`(${marks})`);
      docTuples.push(`(${marks})`);
    });
    const fieldCols = weights.map((_, i) => `p${i}`).join(', ');
    const docCols = spec.fields.map((f) => f.column).join(', ');
    await driver.execute(`INSERT INTO ${table} (id, ${fieldCols}) VALUES ${rowTuples.join(', ')}`, rows);
    await driver.execute(
      `INSERT INTO ${spec.indexTable} (sy_id, ${docCols}) VALUES ${docTuples.join(', ')}`,
      docsParams,
    );
  }

  /** Matching names in core's order (relevance, then key), with their relevance. */
  async function hits(query: SearchExpr): Promise<{ name: string; rel: number }[]> {
    const rows = await run(
      sql`SELECT h.sy_id, h.sy_rel FROM (${rankedDocuments(spec, query)}) h JOIN ${raw(table)} b ON b.id = h.sy_id ORDER BY h.sy_rel DESC, b.id ASC`,
    );
    return rows.map((r) => ({ name: names.get(String(r.sy_id)) ?? '?', rel: r.sy_rel as number }));
  }

  /** The set of matching names, sorted. */
  const match = async (query: SearchExpr) => (await hits(query)).map((h) => h.name).sort();

  return { spec, table, ids, insert, hits, match };
}

describe('what PostgreSQL does with our tokens', () => {
  test("to_tsvector('simple') keeps every token of the index alphabet as one lexeme, unchanged", async () => {
    const samples = [
      ...new Set([
        ...Array.from({ length: 256 }, (_, b) => `x${b.toString(16).padStart(2, '0')}`),
        ...['1', '.', 'a', 'wal', '東', 'é', 'σ', 'ж', 'ش', 'ก', '한', '0123456789', 'e1', 'x', 'ffff'].map(
          encodeToken,
        ),
        encodeToken('a'.repeat(40)),
        'x1e10',
        'x0e0',
        'x2d2d',
        'xdeadbeef',
      ]),
    ];
    const [row] = await driver.query(
      `SELECT array_agg(lexeme ORDER BY positions[1]) AS lexemes, array_agg(positions[1] ORDER BY positions[1]) AS pos
       FROM unnest(to_tsvector('simple', $1))`,
      [samples.join(' ')],
    );
    expect(row?.lexemes).toEqual(samples);
    expect(row?.pos).toEqual(samples.map((_, i) => i + 1));
  });

  test('a lexeme keeps 255 positions per to_tsvector call; positions are capped at 16,383', async () => {
    const [row] = await driver.query(
      `SELECT (SELECT cardinality(positions) FROM unnest(to_tsvector('simple', repeat('x61 ', 300)))) AS kept,
              (SELECT max(p) FROM unnest(to_tsvector('simple', (SELECT string_agg('x' || to_hex(g), ' ') FROM generate_series(4096, 4096 + 17000) g))) u, unnest(u.positions) p) AS top`,
      [],
    );
    expect(row?.kept).toBe(255);
    expect(row?.top).toBe(16383);
    // Core's document cap plus one separator per field (at most 16) stays below the position cap.
    expect(MAX_DOCUMENT_TOKENS + 16).toBeLessThan(16383);
  });

  test('tsquery text is read with quoted lexemes, prefixes, phrases and operators', () => {
    const q = and([word('a'), or(prefix('bc'), phrase('d', 'e'))], [phrase('f', 'g')]);
    expect(matchQuery(q)).toBe("('x61' & ('x6263':* | ('x64' <-> 'x65')) & !('x66' <-> 'x67'))");
    // Excluded terms do not rank; every positive lexeme does, once.
    expect(rankQuery(and([word('a'), or(word('a'), phrase('d', 'e'))], [word('f')]))).toBe(
      "'x61' | 'x64' | 'x65'",
    );
  });
});

describe('index DDL', () => {
  test('creates an index table keyed and cascaded to the entity, with a GIN-indexed tsvector', async () => {
    const e = await entity();
    const columns = await driver.query(
      `SELECT column_name, data_type, is_nullable, is_generated FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [SCHEMA, e.spec.indexTable],
    );
    expect(columns).toEqual([
      { column_name: 'sy_id', data_type: 'uuid', is_nullable: 'NO', is_generated: 'NEVER' },
      { column_name: 'sy_f0', data_type: 'text', is_nullable: 'NO', is_generated: 'NEVER' },
      { column_name: 'sy_f1', data_type: 'text', is_nullable: 'NO', is_generated: 'NEVER' },
      { column_name: 'sy_doc', data_type: 'tsvector', is_nullable: 'YES', is_generated: 'ALWAYS' },
    ]);
    const [fk] = await driver.query(
      `SELECT confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid = $1::regclass`,
      [e.spec.indexTable],
    );
    expect(fk?.confdeltype).toBe('c');
    const [index] = await driver.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [
      docIndexName(e.spec),
    ]);
    expect(String(index?.indexdef)).toContain('USING gin (sy_doc)');
  });

  test('a document whose entity row does not exist, or with a NULL field, is refused', async () => {
    const e = await entity();
    await expect(
      driver.execute(`INSERT INTO ${e.spec.indexTable} (sy_id, sy_f0, sy_f1) VALUES ($1, '', '')`, [
        randomUUID(),
      ]),
    ).rejects.toMatchObject({ code: '23503' });
    await e.insert({ a: ['x', 'y'] });
    await expect(
      driver.execute(`UPDATE ${e.spec.indexTable} SET sy_f1 = NULL WHERE sy_id = $1`, [e.ids.get('a')]),
    ).rejects.toMatchObject({ code: '23502' });
  });

  test('a string key is copied with the entity column type and the "C" collation', async () => {
    const spec: SearchIndexSpec = {
      entity: 'S',
      table: 'skey',
      key: { column: 'code', sqlType: 'varchar(255)' },
      indexTable: 'skey__search',
      fields: [{ property: 'title', column: 'sy_f0', weight: 1 }],
    };
    await driver.execute(`CREATE TABLE skey (code varchar(255) COLLATE "C" PRIMARY KEY, title text)`, []);
    await runAll(postgresSearch.createIndex(spec));
    await driver.execute(`INSERT INTO skey VALUES ('B', 'hello'), ('a', 'hello')`, []);
    await driver.execute(`INSERT INTO skey__search VALUES ('B', $1), ('a', $1)`, [
      encodeDocument(['hello'])[0],
    ]);
    const rows = await run(
      sql`SELECT h.sy_id FROM (${rankedDocuments(spec, word('hello'))}) h JOIN skey b ON b.code = h.sy_id ORDER BY h.sy_rel DESC, b.code ASC`,
    );
    expect(rows.map((r) => r.sy_id)).toEqual(['B', 'a']);
    const [col] = await driver.query(
      `SELECT collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'skey__search' AND column_name = 'sy_id'`,
      [SCHEMA],
    );
    expect(col?.collation_name).toBe('C');
  });

  test('a long index table name gets a GIN index name PostgreSQL does not truncate', () => {
    const indexTable = `${'t'.repeat(55)}__search`;
    const spec = { indexTable } as SearchIndexSpec;
    const name = docIndexName(spec);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).not.toBe(indexTable);
    expect(docIndexName({ indexTable: 'notes__search' } as SearchIndexSpec)).toBe('notes__search_doc');
  });

  test('weights map to ts_rank classes, equal weights sharing one; a fifth distinct weight is refused', () => {
    const spec = (weights: number[]): SearchIndexSpec => ({
      entity: 'W',
      table: 'w',
      key: { column: 'id', sqlType: 'uuid' },
      indexTable: 'w__search',
      fields: weights.map((weight, i) => ({ property: `p${i}`, column: `sy_f${i}`, weight })),
    });
    expect(weightClasses(spec([1, 0.25, 0.5, 1, 0.1]))).toEqual({
      classes: ['A', 'C', 'B', 'A', 'D'],
      rankWeights: [0.1, 0.25, 0.5, 1],
    });
    expect(weightClasses(spec([1]))).toEqual({ classes: ['A'], rankWeights: [0, 0, 0, 1] });
    expect(() => weightClasses(spec([1, 0.8, 0.6, 0.4, 0.2]))).toThrow(/at most 4/);
  });
});

describe('matching', () => {
  let e: Awaited<ReturnType<typeof entity>>;

  beforeAll(async () => {
    e = await entity();
    await e.insert({
      wal: ['Write-ahead log', 'The WAL keeps every change'],
      walrus: ['Walrus facts', 'Large marine mammal'],
      split: ['all about write', 'ahead of time'],
      cjk: ['東京タワー', 'Tōkyō tower'],
      mixed: ['alpha beta', 'gamma delta epsilon'],
      alpha: ['alpha', 'zeta'],
      empty: ['', ''],
    });
  });

  test('a single word matches in any field', async () => {
    expect(await e.match(word('wal'))).toEqual(['wal']);
    expect(await e.match(word('mammal'))).toEqual(['walrus']);
    expect(await e.match(word('東'))).toEqual(['cjk']);
    expect(await e.match(word('tokyo'))).toEqual(['cjk']);
    expect(await e.match(word('nothing'))).toEqual([]);
  });

  test('a prefix matches tokens starting with it, never the separator or the filler', async () => {
    expect(await e.match(prefix('wal'))).toEqual(['wal', 'walrus']);
    expect(await e.match(prefix('w'))).toEqual(['split', 'wal', 'walrus']);
    expect(await e.match(prefix('東京'))).toEqual([]);
    const all = { type: 'term', words: [''], tokens: ['x'], prefix: true } as SearchTerm;
    expect(await e.match(all)).toEqual(['alpha', 'cjk', 'mixed', 'split', 'wal', 'walrus']);
  });

  test('a phrase matches consecutive tokens within one field only', async () => {
    expect(await e.match(phrase('write', 'ahead', 'log'))).toEqual(['wal']);
    expect(await e.match(phrase('ahead', 'write'))).toEqual([]);
    expect(await e.match(phrase('東', '京'))).toEqual(['cjk']);
    // "write" ends split's title and "ahead" starts its body.
    expect(await e.match(phrase('write', 'ahead'))).toEqual(['wal']);
    expect(await e.match(phrase('beta', 'gamma'))).toEqual([]);
  });

  test('and, or and exclusions nest: a (b OR c) -(d e)', async () => {
    await e.insert({
      n1: ['apple banana', 'delta echo'],
      n2: ['apple cherry', 'echo delta'],
      n3: ['apple', 'nothing else'],
      n4: ['banana cherry', ''],
      n5: ['apple banana cherry', 'delta x echo'],
    });
    const q = and([word('apple'), or(word('banana'), word('cherry'))], [phrase('delta', 'echo')]);
    expect(await e.match(q)).toEqual(['n2', 'n5']);
    expect(await e.match(or(and([word('apple')], [word('banana')]), word('echo')))).toEqual([
      'n1',
      'n2',
      'n3',
      'n5',
    ]);
    // wal's body has "change".
    expect(await e.match(and([prefix('ch')], [or(word('apple'), word('delta'))]))).toEqual(['n4', 'wal']);
  });

  test('a quote or backslash in a token is quoted, never read as syntax', async () => {
    const odd = { type: 'term', words: ["a'b"], tokens: ["x'); drop\\"], prefix: false } as SearchTerm;
    expect(await e.match(or(odd, word('walrus')))).toEqual(['walrus']);
  });
});

describe('positions the filler and the field boundary hold', () => {
  test('the filler breaks a phrase', async () => {
    const e = await entity([1]);
    await e.insert({ a: ['x'] });
    // Written directly: core writes the filler where an occurrence past its cap was.
    await driver.execute(`UPDATE ${e.spec.indexTable} SET sy_f0 = $1 WHERE sy_id = $2`, [
      `${encodeToken('alpha')} ${FILLER_TOKEN} ${encodeToken('beta')}`,
      e.ids.get('a'),
    ]);
    expect(await e.match(word('beta'))).toEqual(['a']);
    expect(await e.match(phrase('alpha', 'beta'))).toEqual([]);
  });

  test('a phrase does not cross fields even when the filler exceeds its kept positions', async () => {
    const e = await entity();
    // Past MAX_TOKEN_OCCURRENCES, repeats become fillers: hundreds of them, more than a lexeme keeps.
    const title = `${'spam '.repeat(MAX_TOKEN_OCCURRENCES + 400)}last`;
    const [encoded] = encodeDocument([title, 'first']);
    expect(encoded?.split(' ').filter((t) => t === FILLER_TOKEN).length).toBeGreaterThan(255);
    await e.insert({ long: [title, 'first'], short: ['last', 'first'] });
    expect(await e.match(phrase('last', 'first'))).toEqual([]);
    expect(await e.match(and([word('last'), word('first')]))).toEqual(['long', 'short']);
    expect(await e.match(phrase('spam', 'spam'))).toEqual(['long']);
  });

  test('the last occurrence core keeps of a repeated token still matches in a phrase', async () => {
    const e = await entity([1]);
    const text = `${'spam '.repeat(MAX_TOKEN_OCCURRENCES - 1)}spam eggs`;
    await e.insert({ a: [text] });
    // The only "spam eggs" is at spam's MAX_TOKEN_OCCURRENCES-th occurrence; PostgreSQL keeps 255.
    expect(await e.match(phrase('spam', 'eggs'))).toEqual(['a']);
  });

  test('a token near the end of the largest document is still found by position', async () => {
    const e = await entity();
    const words = Array.from({ length: MAX_DOCUMENT_TOKENS - 2 }, (_, i) => `w${i % 5000}`);
    await e.insert({ big: [words.join(' '), 'omega tail'] });
    expect(await e.match(phrase('omega', 'tail'))).toEqual(['big']);
    expect(await e.match(phrase(`w${(MAX_DOCUMENT_TOKENS - 3) % 5000}`, 'omega'))).toEqual([]);
  });
});

describe('relevance', () => {
  test('a document matching every term ranks above one matching fewer', async () => {
    const e = await entity();
    await e.insert({
      both: ['raft consensus', 'notes'],
      one: ['raft log', 'notes'],
      other: ['paxos consensus', 'notes'],
    });
    const ranked = await e.hits(or(word('raft'), word('consensus')));
    expect(ranked[0]?.name).toBe('both');
    expect(ranked.map((h) => h.name).sort()).toEqual(['both', 'one', 'other']);
    expect(ranked[0]?.rel).toBeGreaterThan(ranked[1]?.rel as number);
    // Also with an AND at the top (a (b OR c)) and an exclusion that does not apply.
    await e.insert({ all3: ['raft paxos consensus', ''], two: ['raft paxos', ''] });
    const nested = await e.hits(and([word('raft'), or(word('paxos'), word('consensus'))], [word('zebra')]));
    expect(nested[0]?.name).toBe('all3');
    expect(nested[0]?.rel).toBeGreaterThan(nested[1]?.rel as number);
    expect(nested.map((h) => h.name).sort()).toEqual(['all3', 'both', 'two']);
  });

  test('a match in a heavier field ranks above the same match in a lighter one', async () => {
    const e = await entity([1, 0.25, 0.5, 0.1, 1]);
    await e.insert({
      f0: ['kiwi', '', '', '', ''],
      f1: ['', 'kiwi', '', '', ''],
      f2: ['', '', 'kiwi', '', ''],
      f3: ['', '', '', 'kiwi', ''],
      f4: ['', '', '', '', 'kiwi'],
    });
    const ranked = await e.hits(word('kiwi'));
    expect(ranked.map((h) => h.name)).toEqual([
      ...[e.ids.get('f0'), e.ids.get('f4')].sort().map(nameOf(e)),
      'f2',
      'f1',
      'f3',
    ]);
    expect(ranked[0]?.rel).toBe(ranked[1]?.rel);
    const byPrefix = await e.hits(prefix('ki'));
    expect(byPrefix.map((h) => h.name).slice(2)).toEqual(['f2', 'f1', 'f3']);
  });

  test('relevance reads back exactly: binding it again selects the same rows', async () => {
    const e = await entity();
    await e.insert({ a: ['tern tern', 'tern gull'], b: ['gull', 'tern'], c: ['tern', 'gull gull gull'] });
    const query = or(word('tern'), word('gull'));
    const first = await e.hits(query);
    expect(await e.hits(query)).toEqual(first);
    for (const { rel } of first) {
      expect(Number.isFinite(rel) && rel > 0).toBe(true);
      const rows = await run(
        sql`SELECT h.sy_id FROM (${rankedDocuments(e.spec, query)}) h WHERE h.sy_rel = ${rel}`,
      );
      expect(rows.length).toBe(first.filter((h) => h.rel === rel).length);
      const below = await run(
        sql`SELECT h.sy_id FROM (${rankedDocuments(e.spec, query)}) h WHERE h.sy_rel < ${rel}`,
      );
      expect(below.length).toBe(first.filter((h) => h.rel < rel).length);
    }
  });
});

describe('lifecycle', () => {
  test('deleting the entity row removes its document; updates reindex at once', async () => {
    const e = await entity();
    await e.insert({ a: ['heron', ''], b: ['heron', ''] });
    await driver.execute(`DELETE FROM ${e.table} WHERE id = $1`, [e.ids.get('a')]);
    expect(await e.match(word('heron'))).toEqual(['b']);
    const [{ n } = {}] = await driver.query(`SELECT count(*)::int AS n FROM ${e.spec.indexTable}`, []);
    expect(n).toBe(1);
    await driver.execute(`UPDATE ${e.spec.indexTable} SET sy_f0 = $1, sy_f1 = $2 WHERE sy_id = $3`, [
      ...encodeDocument(['egret', 'crane']),
      e.ids.get('b'),
    ]);
    expect(await e.match(word('heron'))).toEqual([]);
    expect(await e.match(word('crane'))).toEqual(['b']);
  });

  test('a write committed in a transaction is visible to the next search', async () => {
    const e = await entity();
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    const id = randomUUID();
    await tx.execute(`INSERT INTO ${e.table} (id, p0, p1) VALUES ($1, 'ibis', '')`, [id]);
    await tx.execute(`INSERT INTO ${e.spec.indexTable} VALUES ($1, $2, $3)`, [
      id,
      ...encodeDocument(['ibis', '']),
    ]);
    expect(await e.hits(word('ibis'))).toEqual([]);
    await tx.commit();
    expect((await e.hits(word('ibis'))).length).toBe(1);
  });

  test('dropIndex removes the index (never the entity table) and createIndex builds it again', async () => {
    const e = await entity();
    await e.insert({ a: ['stork', ''] });
    await runAll(postgresSearch.dropIndex(e.spec));
    await runAll(postgresSearch.dropIndex(e.spec));
    const [gone] = await driver.query(`SELECT to_regclass($1) AS t, to_regclass($2) AS e`, [
      e.spec.indexTable,
      e.table,
    ]);
    expect(gone).toEqual({ t: null, e: e.table });
    await runAll(postgresSearch.createIndex(e.spec));
    expect(await e.match(word('stork'))).toEqual([]);
    await driver.execute(`INSERT INTO ${e.spec.indexTable} VALUES ($1, $2, $3)`, [
      e.ids.get('a'),
      ...encodeDocument(['stork', '']),
    ]);
    expect(await e.match(word('stork'))).toEqual(['a']);
  });

  test('indexes 2,000 documents and searches them quickly', async () => {
    const e = await entity();
    const vocabulary = Array.from({ length: 3000 }, (_, i) => `term${i.toString(36)}`);
    const pick = (seed: number, n: number) =>
      Array.from({ length: n }, (_, k) => vocabulary[(seed * 7919 + k * 104729) % vocabulary.length]).join(
        ' ',
      );
    const started = performance.now();
    for (let batch = 0; batch < 4; batch++) {
      const docs: Record<string, string[]> = {};
      for (let i = 0; i < 500; i++) {
        const n = batch * 500 + i;
        docs[`d${n}`] = [`title ${pick(n, 8)}`, `${pick(n + 1, 200)} common`];
      }
      await e.insert(docs);
    }
    const indexed = performance.now() - started;
    const searchStart = performance.now();
    const all = await e.hits(and([word('common'), prefix('term1')]));
    const searched = performance.now() - searchStart;
    console.log(
      `postgres search: indexed 2000 documents in ${indexed.toFixed(0)} ms; searched in ${searched.toFixed(0)} ms`,
    );
    expect(all.length).toBeGreaterThan(100);
    // The match runs on the GIN index (seq scans off only so the small table cannot tip the plan).
    const tx = await driver.begin({ isolation: undefined, readOnly: true });
    await tx.execute('SET LOCAL enable_seqscan = off', []);
    const { sql: text, params } = compile(rankedDocuments(e.spec, word('term1z')), postgresDialect);
    const plan = await tx.query(`EXPLAIN ${text}`, params);
    await tx.rollback();
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain(
      `Bitmap Index Scan on ${docIndexName(e.spec)}`,
    );
    expect(indexed).toBeLessThan(20_000);
    expect(searched).toBeLessThan(2_000);
  });
});

function nameOf(e: { ids: Map<string, string> }) {
  const back = new Map([...e.ids].map(([name, id]) => [id, name]));
  return (id: string | undefined) => back.get(id as string) ?? '?';
}
