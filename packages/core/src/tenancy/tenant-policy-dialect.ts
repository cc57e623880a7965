import type { PortableKind } from '../schema/portable-kind.ts';
import type { Sql } from '../sql/sql-fragment.ts';

/**
 * The database's own row-level security for tenant-scoped tables (`tenantScoped(…, {
 * rowLevelSecurity: true })`): a second layer under the repository's tenant predicate, which also
 * holds for raw SQL. Optional: a backend without it keeps the first layer only.
 */
export interface TenantPolicyDialect {
  /**
   * DDL (idempotent) making `table` show and accept only rows whose `column` equals the tenant
   * bound to the current transaction (`bind`), or every row while `bindAll` is in effect; with
   * nothing bound, no row at all. It MUST hold for the connection's role even when that role owns
   * the table.
   */
  enable(table: string, column: string, kind: PortableKind): Sql[];
  /** DDL (idempotent) removing the policy; the table and its rows stay. */
  disable(table: string): Sql[];
  /** A statement binding `tenant` (its canonical text) until the current transaction ends. */
  bind(tenant: string): Sql;
  /**
   * A statement opening every tenant's rows until the current transaction ends: for Switchyard's
   * own maintenance over whole tables (search reindexing), never for a repository.
   */
  bindAll(): Sql;
}
