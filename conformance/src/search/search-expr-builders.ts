import { encodeToken, type SearchExpr, type SearchTerm } from '@switchyard/core/adapter';

/**
 * Normalised search expressions built by hand, for an adapter's own tests of its `SearchDialect`
 * (words must already be normalised: lower-case, no diacritics).
 */
export const searchExpr = {
  word: (w: string): SearchTerm => ({ type: 'term', words: [w], tokens: [encodeToken(w)], prefix: false }),
  prefix: (w: string): SearchTerm => ({ type: 'term', words: [w], tokens: [encodeToken(w)], prefix: true }),
  phrase: (...ws: string[]): SearchTerm => ({
    type: 'term',
    words: ws,
    tokens: ws.map(encodeToken),
    prefix: false,
  }),
  and: (include: SearchExpr[], exclude: SearchExpr[] = []): SearchExpr => ({ type: 'and', include, exclude }),
  or: (...anyOf: SearchExpr[]): SearchExpr => ({ type: 'or', anyOf }),
};
