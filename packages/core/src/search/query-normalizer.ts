import { parseQuery, type QueryNode } from './query-parser.ts';
import type { SearchExpr, SearchTerm } from './search-expr.ts';
import { encodeToken, normalizeText } from './text-normalizer.ts';

/** Terms read per query; later ones are ignored (as if they were not typed). */
export const MAX_QUERY_TERMS = 64;
/** Tokens read per phrase; a longer phrase is matched on its first ones (the result can only grow). */
export const MAX_PHRASE_TOKENS = 32;

/** Matches no document (a group without a positive term). Distinct from "no constraint" (`undefined`). */
const NOTHING = Symbol('nothing');
type Normalized = SearchExpr | typeof NOTHING | undefined;

/**
 * Turns a user query into the normalised expression every adapter compiles, or null when it can
 * match nothing (no positive term). The rules, shared with every reference matcher:
 * - a word or phrase is normalised like document text; one that yields no token is ignored;
 *   one that yields several tokens (`e-mail`, `2.0.1`) is a phrase;
 * - `*` makes a prefix only of a word that yields exactly one token (else it is ignored);
 * - a group (the whole query, or parentheses) with exclusions but no positive term matches
 *   nothing — so `-a` alone, or `x OR -a`'s right side, matches nothing; a group with nothing
 *   searchable in it at all (`()`, `( !! )`) is ignored;
 * - excluding something that matches nothing, or that is ignored, excludes nothing.
 */
export function normalizeQuery(input: string): SearchExpr | null {
  let budget = MAX_QUERY_TERMS;

  const term = (text: string, prefix: boolean): Normalized => {
    const words = normalizeText(text).slice(0, MAX_PHRASE_TOKENS);
    if (words.length === 0 || budget <= 0) return undefined;
    budget--;
    const result: SearchTerm = {
      type: 'term',
      words,
      tokens: words.map(encodeToken),
      prefix: prefix && words.length === 1,
    };
    return result;
  };

  const visit = (node: QueryNode): Normalized => {
    switch (node.type) {
      case 'word':
        return term(node.text, node.prefix);
      case 'phrase':
        return term(node.text, false);
      case 'or': {
        const branches = node.groups.map(visit);
        const live = branches.filter((b): b is SearchExpr => b !== NOTHING && b !== undefined);
        if (live.length === 0) return branches.some((b) => b === NOTHING) ? NOTHING : undefined;
        return live.length === 1 ? live[0] : { type: 'or', anyOf: live };
      }
      case 'group': {
        const include: SearchExpr[] = [];
        const exclude: SearchExpr[] = [];
        let nothing = false;
        for (const item of node.items) {
          const child = visit(item.node);
          if (child === undefined) continue;
          if (item.negated) {
            if (child !== NOTHING) exclude.push(child);
          } else if (child === NOTHING) {
            nothing = true;
          } else {
            include.push(child);
          }
        }
        if (!nothing && include.length === 0 && exclude.length === 0) return undefined;
        if (nothing || include.length === 0) return NOTHING;
        if (include.length === 1 && exclude.length === 0) return include[0];
        return { type: 'and', include, exclude };
      }
    }
  };

  const result = visit(parseQuery(input));
  return result === NOTHING || result === undefined ? null : result;
}
