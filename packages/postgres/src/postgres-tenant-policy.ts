import {
  ident,
  type PortableKind,
  raw,
  type Sql,
  sql,
  type TenantPolicyDialect,
} from '@switchyard/core/adapter';

const POLICY = ident('switchyard_tenant');
/** Custom settings need a dotted name; both live until the end of the transaction that set them. */
const TENANT_SETTING = 'switchyard.tenant';
const ALL_SETTING = 'switchyard.all_tenants';

/** The tenant column's type, so the comparison is an indexable `=` on the column itself. */
const CAST: Partial<Record<PortableKind, string>> = {
  string: 'text',
  uuid: 'uuid',
  integer: 'integer',
  bigint: 'bigint',
};

/**
 * One permissive policy per table, FORCEd so it holds for the owner too (Switchyard's own role
 * usually owns its tables): a row is visible and writable when its tenant is the one bound with
 * `set_config('switchyard.tenant', …, true)`, or while Switchyard's maintenance has bound every
 * tenant. Unset, `current_setting(…, true)` is NULL (or '' once a transaction set it): no row.
 * Superusers and BYPASSRLS roles skip every policy — PostgreSQL's rule, documented in the README.
 */
export const postgresTenantPolicy: TenantPolicyDialect = {
  enable(table: string, column: string, kind: PortableKind): Sql[] {
    const cast = CAST[kind];
    if (!cast) throw new Error(`A tenant column of kind ${kind} has no row-level security cast.`);
    const t = ident(table);
    // DDL takes no bound parameters: the setting names are literals.
    const rule = sql`(${ident(column)} = NULLIF(current_setting(${raw(`'${TENANT_SETTING}'`)}, true), '')::${raw(cast)} OR current_setting(${raw(`'${ALL_SETTING}'`)}, true) = 'on')`;
    return [
      sql`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
      sql`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
      sql`DROP POLICY IF EXISTS ${POLICY} ON ${t}`,
      sql`CREATE POLICY ${POLICY} ON ${t} USING ${rule} WITH CHECK ${rule}`,
    ];
  },
  disable(table: string): Sql[] {
    const t = ident(table);
    return [
      sql`DROP POLICY IF EXISTS ${POLICY} ON ${t}`,
      sql`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`,
      sql`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`,
    ];
  },
  bind(tenant: string): Sql {
    return sql`SELECT set_config(${TENANT_SETTING}, ${tenant}, true), set_config(${ALL_SETTING}, '', true)`;
  },
  bindAll(): Sql {
    return sql`SELECT set_config(${ALL_SETTING}, 'on', true)`;
  },
};
