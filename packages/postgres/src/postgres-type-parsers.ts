import pg, { type QueryConfig } from 'pg';

/** Type OIDs read as the raw text the server sent; `postgresCodec` decodes them exactly. */
export const RAW_TEXT_OIDS: ReadonlySet<number> = new Set([
  20, // int8: a JS number would round above 2^53
  1700, // numeric: keep the exact decimal string
  1184, // timestamptz: parsed by the codec (years 1–99, no local time zone)
  114, // json
  3802, // jsonb
]);

const identity = (text: string): string => text;

/**
 * Per-query type parsers. pg's global parsers are left alone (MikroORM relies on them); these
 * apply only to the statements Switchyard runs.
 */
export const switchyardTypes: NonNullable<QueryConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    format !== 'binary' && RAW_TEXT_OIDS.has(oid)
      ? identity
      : pg.types.getTypeParser(oid, format ?? 'text')) as NonNullable<QueryConfig['types']>['getTypeParser'],
};
