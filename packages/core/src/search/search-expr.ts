/**
 * A normalised search query, as adapters receive it. Every token is already normalised (DESIGN §5)
 * and encoded for the index, so an adapter only translates structure, never user text.
 *
 * Index alphabet: an indexed token is `x` followed by the lowercase hex of its UTF-8 bytes
 * (`wal` → `x77616c`): at least 3 characters, at most 81, only `[a-z0-9]`, never a stopword of any
 * server. A byte prefix of a token is a code-point prefix, so a prefix query on the encoded form
 * matches exactly the tokens that start with the normalised prefix.
 */
export type SearchExpr = SearchTerm | SearchAnd | SearchOr;

/** One word (one token), a prefix (one token, `prefix`), or a phrase (several tokens in a row, within one field). */
export interface SearchTerm {
  readonly type: 'term';
  /** Normalised tokens, for matching in JS (highlights, reference matchers). At least one. */
  readonly words: readonly string[];
  /** The same tokens in the index alphabet, for the native query. */
  readonly tokens: readonly string[];
  /** Matches every token starting with the (single) token. Never set on phrases. */
  readonly prefix: boolean;
}

/** Every `include` matches and no `exclude` matches. `include` is never empty. */
export interface SearchAnd {
  readonly type: 'and';
  readonly include: readonly SearchExpr[];
  readonly exclude: readonly SearchExpr[];
}

/** At least one of `anyOf` (two or more) matches. */
export interface SearchOr {
  readonly type: 'or';
  readonly anyOf: readonly SearchExpr[];
}

/** Filler token kept in the index to hold a position (field separators, capped repeats); no query produces it. */
export const FILLER_TOKEN = 'zzz';

/** The terms that make a document relevant: every term not under an exclusion. */
export function positiveTerms(expr: SearchExpr): SearchTerm[] {
  switch (expr.type) {
    case 'term':
      return [expr];
    case 'and':
      return expr.include.flatMap(positiveTerms);
    case 'or':
      return expr.anyOf.flatMap(positiveTerms);
  }
}
