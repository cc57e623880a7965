import { FILLER_TOKEN } from './search-expr.ts';
import { encodeToken, normalizeText } from './text-normalizer.ts';

/**
 * Portable index limits, applied in core so every backend indexes exactly the same token stream.
 * PostgreSQL keeps at most 255 positions per lexeme (to_tsvector) and positions up to 16,383; the caps keep
 * every document inside both, and the filler keeps later positions (and so phrases) exact.
 */
/** Tokens indexed per document, all fields together; later tokens are not searchable. */
export const MAX_DOCUMENT_TOKENS = 16_000;
/** Occurrences of one token indexed per document; later ones hold their position but do not match. */
export const MAX_TOKEN_OCCURRENCES = 255;
/** Searchable fields per entity. */
export const MAX_SEARCH_FIELDS = 16;

/**
 * The normalised token stream of a document: one array per field, in field order, after the caps.
 * An entry is null where a token was replaced by the filler. Reference matchers use this.
 */
export function documentTokens(values: readonly (string | null | undefined)[]): (string | null)[][] {
  const seen = new Map<string, number>();
  let budget = MAX_DOCUMENT_TOKENS;
  return values.map((value) => {
    if (typeof value !== 'string' || budget <= 0) return [];
    const tokens = normalizeText(value).slice(0, budget);
    budget -= tokens.length;
    return tokens.map((token) => {
      const n = (seen.get(token) ?? 0) + 1;
      seen.set(token, n);
      return n > MAX_TOKEN_OCCURRENCES ? null : token;
    });
  });
}

const encodedCache = new Map<string, string>();

function encodeCached(token: string): string {
  let hex = encodedCache.get(token);
  if (hex === undefined) {
    hex = encodeToken(token);
    if (encodedCache.size < 100_000) encodedCache.set(token, hex);
  }
  return hex;
}

/** The index columns' values for one document: each field's tokens in the index alphabet. */
export function encodeDocument(values: readonly (string | null | undefined)[]): string[] {
  return documentTokens(values).map((tokens) =>
    tokens.map((t) => (t === null ? FILLER_TOKEN : encodeCached(t))).join(' '),
  );
}
