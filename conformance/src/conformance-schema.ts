import {
  type AnyEntitySchema,
  AuditEvent,
  appendOnly,
  defineEntity,
  p,
  searchable,
  tenantScoped,
} from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One nullable column of every portable type: the subject of the semantics suites. */
export const Sample = defineEntity({
  name: 'Sample',
  tableName: 'sy_sample',
  properties: {
    id: p.uuid().primary(),
    label: p.string().length(32).nullable(),
    body: p.text().nullable(),
    int: p.integer().nullable(),
    big: p.bigint().nullable(),
    real: p.double().nullable(),
    money: p.decimal().precision(18).scale(4).nullable(),
    flag: p.boolean().nullable(),
    at: p.datetime().nullable(),
    doc: p.json<JsonValue>().nullable(),
  },
});

/** A versioned row with a unique key: optimistic locking, uniqueness, concurrency. */
export const Account = defineEntity({
  name: 'Account',
  tableName: 'sy_account',
  properties: {
    id: p.uuid().primary(),
    email: p.string().length(120).unique(),
    name: p.string().length(120),
    balance: p.integer(),
    version: p.integer().version(),
  },
});

/** A child row: foreign keys and ordered pages. */
export const Post = defineEntity({
  name: 'Post',
  tableName: 'sy_post',
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account),
    title: p.string().length(200),
    seq: p.integer(),
    createdAt: p.datetime(),
  },
});

/**
 * A searchable document: title weighs three times the body, and every search is scoped to a
 * tenant (each search test uses its own tenant, so tests sharing a database never see each other).
 */
export const Article = searchable(
  defineEntity({
    name: 'Article',
    tableName: 'sy_article',
    properties: {
      id: p.uuid().primary(),
      tenant: p.string().length(40),
      title: p.string().length(300),
      body: p.text().nullable(),
      tag: p.string().length(40).nullable(),
      rank: p.integer().nullable(),
    },
  }),
  { fields: { title: 3, body: 1 }, tenant: 'tenant' },
);

/**
 * An append-only journal: rows are inserted and read, never updated or deleted (the repository
 * and the database both refuse). Each append-only test writes its own `account`, so tests sharing
 * a database never see each other's rows.
 */
export const Ledger = appendOnly(
  defineEntity({
    name: 'Ledger',
    tableName: 'sy_ledger',
    properties: {
      id: p.uuid().primary(),
      account: p.string().length(40),
      amount: p.integer(),
      note: p.text().nullable(),
      createdAt: p.datetime(),
    },
  }),
);

/** The columns of both tenant-scoped entities: `org` is the tenant. */
const tenantRow = {
  id: p.uuid().primary(),
  org: p.string().length(40),
  title: p.string().length(200),
  n: p.integer(),
  version: p.integer().version(),
};

/**
 * A tenant-scoped row: reachable only through `store.tenant(org)`. Each tenancy test uses tenants
 * of its own, so tests sharing a database never see each other's rows.
 */
export const Memo = tenantScoped(
  defineEntity({ name: 'Memo', tableName: 'sy_memo', properties: tenantRow }),
  {
    property: 'org',
  },
);

/** A tenant-scoped, searchable row: searched per tenant through its tenant property. */
export const TenantDoc = tenantScoped(
  searchable(defineEntity({ name: 'TenantDoc', tableName: 'sy_tenant_doc', properties: tenantRow }), {
    fields: ['title'],
  }),
  { property: 'org' },
);

/**
 * The whole conformance schema. `AuditEvent` (core's audit log, table `switchyard_audit`) is in it
 * so that `store.audit` works on the suite's store; it is append-only, like `Ledger`.
 */
export const conformanceSchema = [Sample, Account, Post, Article, Ledger, AuditEvent, Memo, TenantDoc];

/**
 * The conformance schema as this adapter can open it: an adapter without search leaves the
 * searchable entities out, one without append-only tables the append-only entities (`Ledger` and
 * `AuditEvent`), so every other suite still runs (as `openStore` decides the capabilities).
 */
export function conformanceSchemaFor(adapter: Adapter): AnyEntitySchema[] {
  const search = Boolean(adapter.search) && adapter.capabilities?.search !== false;
  const guarded = Boolean(adapter.appendOnly) && adapter.capabilities?.appendOnly !== false;
  return conformanceSchema.filter(
    (e) => ((e !== Article && e !== TenantDoc) || search) && ((e !== Ledger && e !== AuditEvent) || guarded),
  );
}
