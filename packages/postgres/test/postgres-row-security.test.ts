/**
 * PostgreSQL's row-level security as the second tenancy layer (`tenantScoped(…, {
 * rowLevelSecurity: true })`), against a live server (CONFORMANCE_POSTGRES_URL; skipped without
 * it). The first layer — the repository's tenant predicate — is the conformance suite's `tenancy`
 * suite, run on every backend. Here: the policy the history creates, and what it refuses to raw
 * SQL on the application's own connection.
 *
 * Superusers skip every policy, so the store connects as a role of its own (LOGIN, no SUPERUSER,
 * no BYPASSRLS) that owns the database's tables — the usual deployment, which FORCE covers.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMigration,
  defineEntity,
  openStore,
  p,
  type Store,
  searchable,
  TenantScopeError,
  tenantScoped,
} from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider, withDatabase } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;

const Doc = tenantScoped(
  searchable(
    defineEntity({
      name: 'RlsDoc',
      tableName: 'rls_doc',
      properties: {
        id: p.uuid().primary(),
        org: p.uuid(),
        title: p.string().length(200),
        version: p.integer().version(),
      },
    }),
    { fields: ['title'] },
  ),
  { property: 'org', rowLevelSecurity: true },
);

/** Tenant-scoped without the second layer: no policy. */
const Plain = tenantScoped(
  defineEntity({
    name: 'RlsPlain',
    tableName: 'rls_plain',
    properties: { id: p.uuid().primary(), org: p.bigint(), title: p.string().length(200) },
  }),
  { property: 'org' },
);

const schema = [Doc, Plain];

describe.skipIf(!serverUrl)('row-level security on PostgreSQL', () => {
  const role = `sy_rls_${randomUUID().slice(0, 8)}`;
  const a = randomUUID();
  const b = randomUUID();
  let drop: () => Promise<void>;
  let admin: pg.Client;
  let store: Store;
  /** A raw connection as the application's role: what a hand-written query would use. */
  let raw: pg.Client;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-rls-'));

  beforeAll(async () => {
    const created = await postgresProvider.createDatabase(
      serverUrl as string,
      `sy_rls_${randomUUID().slice(0, 8)}`,
    );
    drop = created.drop;
    const database = new URL(created.url).pathname.slice(1);
    admin = new pg.Client({ connectionString: created.url });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`);
    await admin.query(`ALTER SCHEMA public OWNER TO ${role}`);
    const url = withDatabase(serverUrl as string, database).replace(/\/\/[^@/]*@/, `//${role}@`);
    store = await openStore({ url, schema, adapter: postgresAdapter });
    await store.migrate();
    raw = new pg.Client({ connectionString: url });
    raw.on('error', () => undefined);
    await raw.connect();
  });

  afterAll(async () => {
    await raw?.end().catch(() => undefined);
    await store?.close();
    await admin?.end().catch(() => undefined);
    await drop?.();
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await cleanup.end();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrate() enables and forces row-level security with one policy, only where it was asked for', async () => {
    const { rows } = await admin.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, count(p.polname)::int AS policies
         FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
        WHERE c.relname IN ('rls_doc', 'rls_plain', 'rls_doc__search') GROUP BY 1, 2, 3 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { relname: 'rls_doc', relrowsecurity: true, relforcerowsecurity: true, policies: 1 },
      { relname: 'rls_doc__search', relrowsecurity: false, relforcerowsecurity: false, policies: 0 },
      { relname: 'rls_plain', relrowsecurity: false, relforcerowsecurity: false, policies: 0 },
    ]);
  });

  test('the repository works as before through the policy, transactions for two tenants included', async () => {
    const docs = store.tenant(a).repo(Doc);
    const first = await docs.insert({ title: 'amber report' });
    await store
      .tenant(b)
      .repo(Doc)
      .insertMany([{ title: 'amber memo' }, { title: 'basalt memo' }]);
    expect(await docs.get(first.id)).toEqual(first);
    expect(await docs.count()).toBe(1);
    expect((await docs.update(first.id, { title: 'amber report v2' })).version).toBe(2);
    const counts = await store.transaction(async (tx) => [
      await tx.tenant(a).repo(Doc).count(),
      await tx.tenant(b).repo(Doc).count(),
      await tx.tenant(a).repo(Doc).count(),
    ]);
    expect(counts).toEqual([1, 2, 1]);
    expect((await store.tenant(b).search(Doc, 'amber')).hits.map((h) => h.item.org)).toEqual([b]);
    expect((await store.tenant(a).search(Doc, 'amber')).hits.map((h) => h.item.id)).toEqual([first.id]);
    await expect(store.tenant(b).repo(Doc).get(first.id)).resolves.toBeNull();
  });

  test('raw SQL on the application role sees nothing without a tenant, and only the bound tenant’s rows with one', async () => {
    expect(Number((await raw.query('SELECT count(*) AS n FROM rls_doc')).rows[0]?.n)).toBe(0);
    await raw.query('BEGIN');
    try {
      await raw.query(`SELECT set_config('switchyard.tenant', $1, true)`, [b]);
      const { rows } = await raw.query<{ org: string }>('SELECT DISTINCT org FROM rls_doc');
      expect(rows.map((r) => r.org)).toEqual([b]);
    } finally {
      await raw.query('COMMIT');
    }
    // The binding ended with its transaction.
    expect(Number((await raw.query('SELECT count(*) AS n FROM rls_doc')).rows[0]?.n)).toBe(0);
    // The superuser (no policy applies to it) sees every row.
    expect(Number((await admin.query('SELECT count(*) AS n FROM rls_doc')).rows[0]?.n)).toBe(3);
  });

  test('raw writes outside the bound tenant are refused, and raw updates and deletes without one change nothing', async () => {
    await raw.query('BEGIN');
    try {
      await raw.query(`SELECT set_config('switchyard.tenant', $1, true)`, [a]);
      await expect(
        raw.query('INSERT INTO rls_doc (id, org, title, version) VALUES ($1, $2, $3, 1)', [
          randomUUID(),
          b,
          'x',
        ]),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await raw.query('ROLLBACK');
    }
    expect((await raw.query(`UPDATE rls_doc SET title = 'hijacked'`)).rowCount).toBe(0);
    expect((await raw.query('DELETE FROM rls_doc')).rowCount).toBe(0);
    expect(
      Number((await admin.query(`SELECT count(*) AS n FROM rls_doc WHERE title = 'hijacked'`)).rows[0]?.n),
    ).toBe(0);
    expect(Number((await admin.query('SELECT count(*) AS n FROM rls_doc')).rows[0]?.n)).toBe(3);
  });

  test('reindex() rebuilds the search documents of every tenant', async () => {
    expect(await store.reindex(Doc)).toBe(3);
    expect((await store.tenant(b).search(Doc, 'memo')).hits).toHaveLength(2);
  });

  test('an entity without rowLevelSecurity keeps the repository layer only', async () => {
    await store.tenant(7).repo(Plain).insert({ title: 'seven' });
    expect(Number((await raw.query('SELECT count(*) AS n FROM rls_plain')).rows[0]?.n)).toBe(1);
    await expect(async () => store.repo(Plain)).rejects.toBeInstanceOf(TenantScopeError);
  });

  test('the migration history carries the policy for PostgreSQL only, and a down migration removes it', async () => {
    await createMigration({ schema, directory: dir, name: 'init' });
    const [file] = readdirSync(dir);
    const migration = JSON.parse(readFileSync(join(dir, file as string), 'utf8'));
    const text = (dialect: string, direction: 'up' | 'down') =>
      JSON.stringify(migration.dialects[dialect][direction]);
    expect(text('postgres', 'up')).toContain('CREATE POLICY');
    expect(text('postgres', 'down')).toContain('DROP POLICY');
    for (const dialect of Object.keys(migration.dialects).filter((d) => d !== 'postgres')) {
      expect(text(dialect, 'up')).not.toMatch(/POLICY/i);
    }
  });
});
