import { type AnyEntitySchema, AuditEvent, type Store } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import {
  Account,
  Article,
  conformanceSchemaFor,
  Ledger,
  Memo,
  Post,
  Sample,
  TenantDoc,
} from '../conformance-schema.ts';
import { hostileSamples } from '../hostile-values.ts';

/** The tenants of the tenant-scoped entities in the source. */
export const TENANTS = ['tx-tenant-a', 'tx-tenant-b'] as const;
/** The search tenant of the seeded articles. */
export const ARTICLE_TENANT = 'tx-articles';
/** Filler rows of Sample besides the hostile ones: enough for many batches. */
export const FILLER_SAMPLES = 1200;

/** The entities both adapters can hold (the conformance schema, less what either lacks). */
export function transferSchema(from: Adapter, to: Adapter): AnyEntitySchema[] {
  const target = new Set(conformanceSchemaFor(to));
  return conformanceSchemaFor(from).filter((e) => target.has(e));
}

/**
 * Fills the source: the hostile Sample rows and filler, accounts with posts (a foreign key),
 * searchable articles, append-only ledger rows, an audit chain, and rows of two tenants.
 */
export async function seedSource(store: Store, schema: readonly AnyEntitySchema[]): Promise<void> {
  const has = (entity: AnyEntitySchema) => schema.includes(entity);
  await store.repo(Sample).insertMany(hostileSamples());
  await store.repo(Sample).bulkInsert(
    Array.from({ length: FILLER_SAMPLES }, (_, i) => ({
      label: `filler ${i}`,
      int: i,
      big: BigInt(i) * 1_000_000_007n,
      real: i / 7,
      money: `${i}.${String(i % 10_000).padStart(4, '0')}`,
      flag: i % 3 === 0,
      at: new Date(Date.UTC(2025, 0, 1) + i * 61_001),
      doc: { i, tags: [`t${i % 5}`] },
    })),
  );
  const accounts = await store.repo(Account).insertMany(
    Array.from({ length: 40 }, (_, i) => ({
      email: `tx${i}@example.com`,
      name: `Account ${i}`,
      balance: i,
    })),
  );
  await store.repo(Post).insertMany(
    accounts.flatMap((account, i) =>
      Array.from({ length: 5 }, (_, j) => ({
        account: account.id,
        title: `post ${i}.${j} ✉`,
        seq: j,
        createdAt: new Date(Date.UTC(2024, 5, 1, 0, i, j, 123)),
      })),
    ),
  );
  if (has(Article)) {
    await store.repo(Article).insertMany(
      Array.from({ length: 60 }, (_, i) => ({
        tenant: ARTICLE_TENANT,
        title: `${i % 2 === 0 ? 'amber' : 'basalt'} report ${i}`,
        body: `Straße café 東京 note ${i}`,
        tag: `t${i % 4}`,
        rank: i,
      })),
    );
  }
  if (has(Ledger)) {
    await store.repo(Ledger).insertMany(
      Array.from({ length: 30 }, (_, i) => ({
        account: `acct-${i % 4}`,
        amount: i * 100 - 1500,
        note: i % 2 ? null : `entry ${i}`,
        createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
      })),
    );
  }
  if (has(AuditEvent)) {
    for (let i = 0; i < 25; i++) {
      await store.audit.append({
        actor: `user-${i % 3}`,
        action: 'transfer.seed',
        subject: `invoice:${i % 5}`,
        data: { i, nested: { é: [i, null, 'x'] } },
      });
    }
  }
  for (const [n, tenant] of TENANTS.entries()) {
    await store
      .tenant(tenant)
      .repo(Memo)
      .insertMany(Array.from({ length: 50 + n }, (_, i) => ({ title: `${tenant} memo ${i}`, n: i })));
    if (has(TenantDoc)) {
      await store
        .tenant(tenant)
        .repo(TenantDoc)
        .insertMany(
          Array.from({ length: 20 }, (_, i) => ({ title: `${i % 2 ? 'cobalt' : 'dune'} ${i}`, n: i })),
        );
    }
  }
}

type Rows = Record<string, unknown>[];

async function collect(rows: AsyncIterable<Record<string, unknown>>): Promise<Rows> {
  const out: Rows = [];
  for await (const row of rows) out.push(row);
  return out;
}

/**
 * Every row of every entity as the repositories read it (tenant-scoped ones through each tenant),
 * in primary-key order: equal snapshots mean equal databases, as far as the schema goes.
 */
export async function snapshot(
  store: Store,
  schema: readonly AnyEntitySchema[],
): Promise<Record<string, Rows>> {
  const out: Record<string, Rows> = {};
  for (const entity of schema) {
    const name = entity.meta.className;
    if (entity === Memo || entity === TenantDoc) {
      const rows: Rows = [];
      for (const tenant of TENANTS) rows.push(...(await collect(store.tenant(tenant).repo(entity).stream())));
      out[name] = rows;
    } else {
      out[name] = await collect(store.repo(entity).stream());
    }
  }
  return out;
}
