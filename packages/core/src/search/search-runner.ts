import { createHash } from 'node:crypto';
import { TenantScopeError, ValidationError } from '../errors.ts';
import type { FilterCompiler } from '../query/filter-compiler.ts';
import { normalizeValue } from '../schema/value-validation.ts';
import { ident, join, raw, type Sql, sql } from '../sql/sql-fragment.ts';
import type { RowCodec } from '../store/row-codec.ts';
import type { Executor } from '../store/session.ts';
import type { SearchHit, SearchOptions, SearchPage } from '../store/store-types.ts';
import { DEFAULT_SNIPPET_TOKENS, highlightText, snippetOf } from './highlighter.ts';
import { normalizeQuery } from './query-normalizer.ts';
import { rankedQuery } from './ranked-hits.ts';
import type { SearchDialect } from './search-dialect.ts';
import type { SearchExpr } from './search-expr.ts';
import type { SearchModel } from './search-model.ts';

type Plain = Record<string, unknown>;

/** Default and largest page size of a search. */
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 1000;
/** Longest query text read; the rest is ignored (a query never fails for its length). */
export const MAX_QUERY_LENGTH = 10_000;

interface SearchCursor {
  /** Fingerprint of the query, filter and tenant the cursor was made for. */
  readonly f: string;
  readonly r: number;
  readonly i: string;
}

export interface SearchRunnerParts {
  readonly dialect: SearchDialect;
  readonly rows: RowCodec;
  readonly filters: FilterCompiler;
}

/** Runs `store.search`: the adapter finds and ranks; core filters, pages and highlights. */
export class SearchRunner {
  readonly #parts: SearchRunnerParts;

  constructor(parts: SearchRunnerParts) {
    this.#parts = parts;
  }

  async search(
    model: SearchModel,
    executor: Executor,
    query: unknown,
    options: SearchOptions<Plain> = {},
  ): Promise<SearchPage<Plain>> {
    const entity = model.entity;
    if (typeof query !== 'string') throw new ValidationError(`${entity.name}: a search query is a string.`);
    const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new ValidationError(
        `${entity.name}: a search limit is an integer from 1 to ${MAX_SEARCH_LIMIT}.`,
      );
    }
    const snippet = typeof options.highlight === 'object' ? options.highlight.snippetTokens : undefined;
    if (snippet !== undefined && (!Number.isInteger(snippet) || snippet < 1)) {
      throw new ValidationError(`${entity.name}: snippetTokens is a positive integer.`);
    }
    const filters = [
      this.#parts.filters.compile(entity, options.where, 'b'),
      ...this.#tenantCondition(model, options.tenant),
    ];
    const expr = normalizeQuery(query.slice(0, MAX_QUERY_LENGTH));
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([expr, options.where ?? null, options.tenant ?? null], jsonSafe))
      .digest('base64url')
      .slice(0, 16);
    const after = options.cursor ? this.#readCursor(model, options.cursor, fingerprint) : undefined;
    if (!expr) return { hits: [], nextCursor: null };

    const pk = entity.primaryKey;
    const key = sql`${raw('b.')}${ident(pk.column)}`;
    const ranked = this.#parts.dialect.hits(model.spec, expr);
    const rel = ranked.relevance;
    const conditions = after
      ? [
          ...filters,
          sql`(${rel} < ${after.relevance} OR (${rel} = ${after.relevance} AND ${key} > ${after.key}))`,
        ]
      : filters;
    const columns = join(entity.properties.map((p) => sql`${raw('b.')}${ident(p.column)}`));
    const rows = await executor.query(rankedQuery(ranked, { columns, key, conditions, limit: limit + 1 }));
    const more = rows.length > limit;
    const hits = rows.slice(0, limit).map((row) => {
      const item = this.#parts.rows.decode(entity, row);
      const hit: SearchHit<Plain> = { item, relevance: Number(row.sy_rel) };
      if (options.highlight) this.#highlight(model, hit, expr, options.highlight);
      return hit;
    });
    const last = hits[hits.length - 1];
    const nextCursor =
      more && last
        ? Buffer.from(
            JSON.stringify({
              f: fingerprint,
              r: last.relevance,
              i: String(last.item[pk.name]),
            } satisfies SearchCursor),
          ).toString('base64url')
        : null;
    return { hits, nextCursor };
  }

  #tenantCondition(model: SearchModel, tenant: unknown): Sql[] {
    const entity = model.entity;
    if (!model.tenant) {
      if (tenant !== undefined) {
        throw new ValidationError(
          `${entity.name} declares no tenant property; do not pass a tenant to search.`,
        );
      }
      return [];
    }
    if (tenant === undefined || tenant === null) {
      throw new TenantScopeError(
        `${entity.name} is searched per tenant: pass { tenant }, or search through store.tenant(id) (a missing tenant never means "all tenants").`,
        { entity: entity.name },
      );
    }
    const value = normalizeValue(entity, { ...model.tenant, nullable: false }, tenant);
    return [sql`${raw('b.')}${ident(model.tenant.column)} = ${this.#parts.rows.encode(model.tenant, value)}`];
  }

  /** The relevance and the encoded key of the last hit of the page before. */
  #readCursor(model: SearchModel, cursor: string, fingerprint: string): { relevance: number; key: unknown } {
    const entity = model.entity;
    const invalid = (cause?: unknown) =>
      new ValidationError(`${entity.name}: the search cursor is not valid.`, { cause, entity: entity.name });
    let payload: SearchCursor;
    try {
      payload = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as SearchCursor;
    } catch (cause) {
      throw invalid(cause);
    }
    if (
      !payload ||
      typeof payload.r !== 'number' ||
      !Number.isFinite(payload.r) ||
      typeof payload.i !== 'string'
    ) {
      throw invalid();
    }
    if (payload.f !== fingerprint) {
      throw new ValidationError(
        `${entity.name}: the search cursor belongs to another query, filter or tenant.`,
      );
    }
    const pk = entity.primaryKey;
    let id: unknown;
    try {
      id = this.#parts.rows.encode(pk, normalizeValue(entity, { ...pk, nullable: false }, payload.i));
    } catch (cause) {
      throw invalid(cause);
    }
    return { relevance: payload.r, key: id };
  }

  #highlight(
    model: SearchModel,
    hit: SearchHit<Plain>,
    expr: SearchExpr,
    option: SearchOptions<Plain>['highlight'],
  ): void {
    const size =
      typeof option === 'object' ? (option.snippetTokens ?? DEFAULT_SNIPPET_TOKENS) : DEFAULT_SNIPPET_TOKENS;
    hit.highlights = {};
    hit.snippets = {};
    for (const field of model.fields) {
      const value = hit.item[field.name];
      const text = typeof value === 'string' ? value : '';
      const { tokens, ranges } = highlightText(text, expr);
      hit.highlights[field.name] = ranges;
      hit.snippets[field.name] = snippetOf(text, tokens, ranges, size);
    }
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}
