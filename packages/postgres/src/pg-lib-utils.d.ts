/** node-postgres's own conversion of a bound parameter to what it sends (untyped in @types/pg). */
declare module 'pg/lib/utils.js' {
  /** null for null and undefined, a Buffer for binary data, the parameter's text otherwise. */
  export function prepareValue(value: unknown): string | Buffer | null;
}
