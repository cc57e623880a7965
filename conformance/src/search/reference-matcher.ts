/**
 * A reference implementation of the search semantics of DESIGN §5, written from the design notes
 * alone: it never calls core's normaliser, parser or query normaliser, so agreeing with it is
 * evidence, not a tautology. It is small and slow on purpose (it scans every document).
 *
 * Normalisation: Unicode NFKC, full case folding (`ß`, `ẞ` → `ss`, final `ς` → `σ`), Latin diacritics removed
 * (combining marks after a Latin letter, and the stroke letters `ł ø đ ħ`); a token is a run of
 * letters and digits (everything else separates tokens, emoji and symbols included); each CJK
 * ideograph or kana is a token of its own; a token longer than 40 bytes of UTF-8 is dropped.
 *
 * Query semantics: words are ANDed; `OR` between groups; `-x` excludes; a word or phrase is
 * normalised like document text, one yielding no token is ignored and one yielding several is a
 * phrase; `*` makes a prefix only of a word yielding one token; a group (the whole query or a
 * parenthesis) with exclusions but no positive term matches nothing (`a OR -b` is `a`), and one
 * with nothing searchable in it at all (`()`, `(🍕)`) is ignored, like a word without tokens;
 * excluding what matches nothing excludes nothing; a query that is ignored as a whole finds
 * nothing. A phrase matches consecutive tokens of one field, never across fields.
 */

/** A query as a syntax tree. The root is a `group` (words ANDed) or an `or`. */
export type QueryNode =
  | { readonly kind: 'word'; readonly text: string; readonly prefix: boolean }
  | { readonly kind: 'phrase'; readonly text: string }
  | { readonly kind: 'group'; readonly items: readonly QueryItem[] }
  | { readonly kind: 'or'; readonly branches: readonly (readonly QueryItem[])[] };

export interface QueryItem {
  readonly negated: boolean;
  readonly node: QueryNode;
}

/** A document as the reference sees it: the tokens of each searchable field. */
export interface ReferenceDocument {
  readonly key: string;
  readonly fields: readonly (readonly string[])[];
}

const STROKES: Readonly<Record<string, string>> = { ł: 'l', ø: 'o', đ: 'd', ħ: 'h' };
const LATIN_WITH_MARKS = /(\p{Script=Latin})\p{M}+/gu;
const IDEOGRAPH_OR_KANA = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const MARK = /^\p{M}$/u;
const MAX_TOKEN_BYTES = 40;

/** NFKC, full case folding and Latin diacritics removed, on a whole text. */
export function foldText(text: string): string {
  const lowered = text.normalize('NFKC').toLowerCase().replace(/ß/g, 'ss').replace(/ς/g, 'σ');
  return lowered
    .normalize('NFD')
    .replace(LATIN_WITH_MARKS, '$1')
    .replace(/[łøđħ]/g, (c) => STROKES[c] ?? c)
    .normalize('NFC');
}

/** The normalised tokens of `text`. */
export function referenceTokens(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  const flush = () => {
    if (current && Buffer.byteLength(current, 'utf8') <= MAX_TOKEN_BYTES) tokens.push(current);
    current = '';
  };
  for (const ch of foldText(text)) {
    if (IDEOGRAPH_OR_KANA.test(ch) && LETTER_OR_DIGIT.test(ch)) {
      flush();
      tokens.push(ch);
    } else if (LETTER_OR_DIGIT.test(ch) || (current && MARK.test(ch))) {
      current += ch;
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

export function referenceDocument(
  key: string,
  fields: readonly (string | null | undefined)[],
): ReferenceDocument {
  return { key, fields: fields.map((f) => (typeof f === 'string' ? referenceTokens(f) : [])) };
}

/** What a query part means: no constraint (ignored), no document (nothing), or a test. */
type Meaning =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'test'; readonly matches: (doc: ReferenceDocument) => boolean };

const IGNORED: Meaning = { kind: 'ignored' };
const NOTHING: Meaning = { kind: 'nothing' };

function phraseIn(field: readonly string[], words: readonly string[]): boolean {
  for (let i = 0; i + words.length <= field.length; i++) {
    if (words.every((w, k) => field[i + k] === w)) return true;
  }
  return false;
}

function termMeaning(text: string, prefix: boolean): Meaning {
  const words = referenceTokens(text);
  if (words.length === 0) return IGNORED;
  if (words.length === 1 && prefix) {
    const start = words[0] as string;
    return { kind: 'test', matches: (doc) => doc.fields.some((f) => f.some((t) => t.startsWith(start))) };
  }
  return { kind: 'test', matches: (doc) => doc.fields.some((f) => phraseIn(f, words)) };
}

function groupMeaning(items: readonly QueryItem[]): Meaning {
  const include: Meaning[] = [];
  const exclude: Meaning[] = [];
  for (const item of items) {
    const child = meaning(item.node);
    if (child.kind === 'ignored') continue;
    if (item.negated) {
      // Excluding what matches nothing excludes nothing.
      if (child.kind === 'test') exclude.push(child);
    } else {
      // ANDed with something that matches nothing: the group matches nothing.
      if (child.kind === 'nothing') return NOTHING;
      include.push(child);
    }
  }
  // Nothing searchable at all (`()`, `(🍕)`): ignored, like a word without tokens.
  if (include.length === 0 && exclude.length === 0) return IGNORED;
  // Exclusions without a positive term: nothing.
  if (include.length === 0) return NOTHING;
  const all = include.map((m) => (m.kind === 'test' ? m.matches : () => false));
  const none = exclude.map((m) => (m.kind === 'test' ? m.matches : () => false));
  return { kind: 'test', matches: (doc) => all.every((t) => t(doc)) && !none.some((t) => t(doc)) };
}

function meaning(node: QueryNode): Meaning {
  switch (node.kind) {
    case 'word':
      return termMeaning(node.text, node.prefix);
    case 'phrase':
      return termMeaning(node.text, false);
    case 'group':
      return groupMeaning(node.items);
    case 'or': {
      const branches = node.branches.map(groupMeaning);
      const live = branches.flatMap((b) => (b.kind === 'test' ? [b.matches] : []));
      if (live.length === 0) return branches.some((b) => b.kind === 'nothing') ? NOTHING : IGNORED;
      return { kind: 'test', matches: (doc) => live.some((t) => t(doc)) };
    }
  }
}

/** The keys of the documents `query` matches, sorted. */
export function referenceMatch(query: QueryNode, documents: readonly ReferenceDocument[]): string[] {
  const m = meaning(query);
  if (m.kind !== 'test') return [];
  return documents
    .filter((d) => m.matches(d))
    .map((d) => d.key)
    .sort();
}
