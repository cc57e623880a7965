/**
 * The search query language of DESIGN §5, parsed into a syntax tree. The parser accepts every
 * string: unbalanced quotes and parentheses, lone operators and any other text parse to some tree
 * (possibly empty), never to an error.
 *
 * - words are ANDed; `OR` (uppercase, standing alone) between groups;
 * - `-word`, `-"phrase"`, `-( … )` exclude;
 * - `"a phrase"` (an unclosed quote runs to the end of the input);
 * - `word*` is a prefix; parentheses group (an unmatched `)` is ignored, an unclosed `(` closes at the end).
 */
export type QueryNode =
  | { readonly type: 'word'; readonly text: string; readonly prefix: boolean }
  | { readonly type: 'phrase'; readonly text: string }
  | { readonly type: 'group'; readonly items: readonly QueryItem[] }
  | { readonly type: 'or'; readonly groups: readonly QueryNode[] };

export interface QueryItem {
  readonly negated: boolean;
  readonly node: QueryNode;
}

/** Parentheses nest at most this deep; deeper ones are read as spaces (keeps every backend's parser depth bounded). */
export const MAX_GROUP_DEPTH = 8;

type Lexeme =
  | { readonly kind: 'word'; readonly text: string; readonly negated: boolean }
  | { readonly kind: 'phrase'; readonly text: string; readonly negated: boolean }
  | { readonly kind: 'open'; readonly negated: boolean }
  | { readonly kind: 'close' }
  | { readonly kind: 'or' };

const SPACE = /\s/u;

function lex(input: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  let depth = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    // A leading '-' negates what follows it directly; a '-' followed by a space is nothing.
    let negated = false;
    let j = i;
    if (ch === '-') {
      negated = true;
      j = i + 1;
      if (j >= input.length || SPACE.test(input[j] as string)) {
        i = j;
        continue;
      }
    }
    const next = input[j] as string;
    if (next === '"') {
      const close = input.indexOf('"', j + 1);
      const end = close === -1 ? input.length : close;
      out.push({ kind: 'phrase', text: input.slice(j + 1, end), negated });
      i = close === -1 ? input.length : close + 1;
    } else if (next === '(') {
      if (depth < MAX_GROUP_DEPTH) {
        depth++;
        out.push({ kind: 'open', negated });
      }
      i = j + 1;
    } else if (next === ')') {
      if (depth > 0) {
        depth--;
        out.push({ kind: 'close' });
      }
      i = j + 1;
    } else {
      let k = j;
      while (k < input.length && !SPACE.test(input[k] as string) && !'"()'.includes(input[k] as string)) k++;
      const text = input.slice(j, k);
      if (text === 'OR' && !negated) out.push({ kind: 'or' });
      else out.push({ kind: 'word', text, negated });
      i = k;
    }
  }
  return out;
}

/** Parses `input` into a tree whose root is a group (possibly empty) or an `or`. */
export function parseQuery(input: string): QueryNode {
  const lexemes = lex(input);
  let pos = 0;

  const parseOr = (): QueryNode => {
    const groups: QueryNode[] = [parseGroup()];
    while (pos < lexemes.length && lexemes[pos]?.kind === 'or') {
      pos++;
      groups.push(parseGroup());
    }
    return groups.length === 1 ? (groups[0] as QueryNode) : { type: 'or', groups };
  };

  const parseGroup = (): QueryNode => {
    const items: QueryItem[] = [];
    while (pos < lexemes.length) {
      const lexeme = lexemes[pos] as Lexeme;
      if (lexeme.kind === 'or' || lexeme.kind === 'close') break;
      pos++;
      if (lexeme.kind === 'word') {
        const prefix = lexeme.text.endsWith('*');
        items.push({
          negated: lexeme.negated,
          node: { type: 'word', text: prefix ? lexeme.text.replace(/\*+$/u, '') : lexeme.text, prefix },
        });
      } else if (lexeme.kind === 'phrase') {
        items.push({ negated: lexeme.negated, node: { type: 'phrase', text: lexeme.text } });
      } else {
        const inner = parseOr();
        if (lexemes[pos]?.kind === 'close') pos++;
        items.push({ negated: lexeme.negated, node: inner });
      }
    }
    return { type: 'group', items };
  };

  const root = parseOr();
  return root;
}
