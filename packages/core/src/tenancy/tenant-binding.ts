import { TenantScopeError } from '../errors.ts';
import type { EntityModel, PropertyModel } from '../schema/entity-model.ts';
import { normalizeValue } from '../schema/value-validation.ts';
import { ident, type Sql, sql } from '../sql/sql-fragment.ts';
import type { RowCodec } from '../store/row-codec.ts';

/** A tenant as `store.tenant(id)` takes it: the value of the entities' tenant property. */
export type TenantId = string | number | bigint;

/** Refuses what can never be a tenant, before any entity's property kind is known. */
export function checkTenantId(tenant: unknown): TenantId {
  if (
    (typeof tenant === 'string' && tenant.length > 0) ||
    (typeof tenant === 'number' && Number.isInteger(tenant)) ||
    typeof tenant === 'bigint'
  ) {
    return tenant;
  }
  throw new TenantScopeError(
    'A tenant is a non-empty string, an integer or a bigint (a missing tenant never means "all tenants").',
  );
}

/**
 * One tenant-scoped entity bound to one tenant: the predicate every statement of its repository
 * carries, and the checks that keep writes inside the tenant.
 */
export class TenantBinding {
  readonly #entity: EntityModel;
  readonly #prop: PropertyModel;
  readonly #value: unknown;
  readonly #predicate: Sql;

  constructor(entity: EntityModel, prop: PropertyModel, tenant: TenantId, rows: RowCodec) {
    this.#entity = entity;
    this.#prop = prop;
    try {
      this.#value = normalizeValue(entity, prop, tenant);
    } catch (error) {
      throw new TenantScopeError(
        `${entity.name}: the tenant is not a valid ${entity.name}.${prop.name} (${(error as Error).message})`,
        { cause: error, entity: entity.name, property: prop.name },
      );
    }
    this.#predicate = sql`${ident(prop.column)} = ${rows.encode(prop, this.#value)}`;
  }

  /** The tenant's canonical text (what a row-level security policy compares with). */
  get text(): string {
    return String(this.#value);
  }

  /** `<tenant column> = <tenant>`: ANDed to every statement of the repository. */
  get predicate(): Sql {
    return this.#predicate;
  }

  /**
   * Insert input with the tenant filled in when absent; input naming another tenant is refused,
   * so a row can only be written into the scope it was written through.
   */
  stamp(input: unknown): unknown {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
    const given = (input as Record<string, unknown>)[this.#prop.name];
    if (given === undefined) return { ...input, [this.#prop.name]: this.#value };
    this.#checkSame(given, 'insert a row of');
    return input;
  }

  /** A validated patch may repeat the tenant, never change it. */
  checkPatch(patch: Record<string, unknown>): void {
    if (this.#prop.name in patch) this.#checkSame(patch[this.#prop.name], 'move a row to');
  }

  #checkSame(given: unknown, action: string): void {
    const normalized = normalizeValue(this.#entity, this.#prop, given);
    if (normalized !== this.#value) {
      throw new TenantScopeError(
        `${this.#entity.name}: a tenant scope cannot ${action} another tenant (${this.#entity.name}.${this.#prop.name} differs from the scope's tenant).`,
        { entity: this.#entity.name, property: this.#prop.name },
      );
    }
  }
}
