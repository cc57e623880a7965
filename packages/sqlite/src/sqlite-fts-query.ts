import type { SearchExpr, SearchTerm } from '@switchyard/core/adapter';

/**
 * A token as an FTS5 string. Tokens are `[a-z0-9]` already; quoting them anyway keeps any token
 * (`and`, `not`, `near`, …) a plain string to FTS5's query parser.
 */
function quoted(token: string): string {
  return `"${token.replace(/"/g, '""')}"`;
}

function term(t: SearchTerm): string {
  // One string with spaces is one phrase: FTS5 positions restart in every column, so a phrase
  // only ever matches inside one field, and the filler token holds its place between words.
  const phrase = quoted(t.tokens.join(' '));
  return t.prefix ? `${phrase}*` : phrase;
}

function group(parts: readonly string[], operator: 'AND' | 'OR'): string {
  return parts.map((p) => `(${p})`).join(` ${operator} `);
}

/**
 * The FTS5 MATCH expression of a normalised query, bound as one parameter. Every operand is
 * parenthesised, so FTS5's operator precedence never applies. FTS5's NOT is binary
 * (`a NOT b`), so an `and` becomes `(include…) NOT (exclude1 OR exclude2 …)`.
 */
export function ftsMatchExpression(expr: SearchExpr): string {
  switch (expr.type) {
    case 'term':
      return term(expr);
    case 'or':
      return group(expr.anyOf.map(ftsMatchExpression), 'OR');
    case 'and': {
      const include = group(expr.include.map(ftsMatchExpression), 'AND');
      if (expr.exclude.length === 0) return include;
      return `(${include}) NOT (${group(expr.exclude.map(ftsMatchExpression), 'OR')})`;
    }
  }
}
