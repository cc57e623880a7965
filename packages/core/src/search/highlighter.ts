import { positiveTerms, type SearchExpr, type SearchTerm } from './search-expr.ts';
import { type TextToken, tokenize } from './text-normalizer.ts';

/** A range of the original text, in UTF-16 code units (`text.slice(start, end)`). */
export interface TextRange {
  start: number;
  end: number;
}

/** A short excerpt of a field around its best match, with the matches inside it. */
export interface Snippet {
  /** The excerpt; `…` marks text cut at either end. */
  text: string;
  /** Ranges of `text` that matched. */
  highlights: TextRange[];
}

/** Default number of tokens a snippet spans. */
export const DEFAULT_SNIPPET_TOKENS = 24;

function termMatchesAt(term: SearchTerm, tokens: readonly TextToken[], at: number): boolean {
  if (term.prefix) return (tokens[at]?.text ?? '').startsWith(term.words[0] as string);
  return term.words.every((w, k) => tokens[at + k]?.text === w);
}

/**
 * Marks, in one field's original text, every occurrence of a positive term of the query: a word,
 * a token starting with a prefix, or a whole phrase occurrence (one range from its first to its
 * last token). Computed from the original text with the search normaliser, so it is the same on
 * every backend.
 */
export function highlightText(text: string, expr: SearchExpr): { tokens: TextToken[]; ranges: TextRange[] } {
  const tokens = tokenize(text);
  const terms = positiveTerms(expr);
  const marked: TextRange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    for (const term of terms) {
      if (!termMatchesAt(term, tokens, i)) continue;
      const last = tokens[i + (term.prefix ? 0 : term.words.length - 1)] as TextToken;
      marked.push({ start: (tokens[i] as TextToken).start, end: last.end });
    }
  }
  return { tokens, ranges: mergeRanges(marked) };
}

function mergeRanges(ranges: TextRange[]): TextRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TextRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end) prev.end = Math.max(prev.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/**
 * The excerpt of `text` spanning `size` tokens that holds the most highlighted characters (the
 * earliest such window), or the start of the text when nothing matched.
 */
export function snippetOf(
  text: string,
  tokens: readonly TextToken[],
  ranges: readonly TextRange[],
  size: number,
): Snippet {
  if (tokens.length === 0) return { text: '', highlights: [] };
  const span = Math.min(size, tokens.length);
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i + span <= tokens.length; i++) {
    const from = (tokens[i] as TextToken).start;
    const to = (tokens[i + span - 1] as TextToken).end;
    let score = 0;
    for (const r of ranges) score += Math.max(0, Math.min(r.end, to) - Math.max(r.start, from));
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  const from = (tokens[best] as TextToken).start;
  const to = (tokens[best + span - 1] as TextToken).end;
  const lead = best > 0 ? '…' : '';
  const tail = best + span < tokens.length ? '…' : '';
  const highlights = ranges
    .filter((r) => r.end > from && r.start < to)
    .map((r) => ({
      start: Math.max(r.start, from) - from + lead.length,
      end: Math.min(r.end, to) - from + lead.length,
    }));
  return { text: `${lead}${text.slice(from, to)}${tail}`, highlights };
}
