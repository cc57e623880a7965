/**
 * The one normaliser of DESIGN §5, used for documents and queries alike, so no backend's
 * tokenizer, stopwords, minimum word length or collation can change what matches.
 *
 * Text is taken one unit at a time (a character with the combining marks that follow it), so every
 * token knows where it came from in the original text (highlights are computed from that). Each
 * unit is: NFKC, full case folding (`ß` → `ss`, `ẞ` → `ss`, final sigma → `σ`), Latin diacritics
 * removed (`é` → `e`, and the letters with a stroke: `ł ø đ ħ ŧ` → `l o d h t`). A token is a run of
 * letters, digits and marks; everything else (spaces, punctuation, `_`, apostrophes, symbols,
 * emoji) separates tokens; each CJK ideograph or kana is a token of its own. A token longer than
 * {@link MAX_TOKEN_BYTES} bytes of UTF-8 is dropped.
 */

/** Longest token kept, in UTF-8 bytes (40 Latin letters, 20 Greek or Cyrillic, 13 in most other scripts). */
export const MAX_TOKEN_BYTES = 40;

export interface TextToken {
  /** The normalised token. */
  readonly text: string;
  /** Offsets in the original string (UTF-16 code units): `original.slice(start, end)` is the source. */
  readonly start: number;
  readonly end: number;
}

const LATIN = /\p{Script=Latin}/u;
const MARKS = /\p{M}/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;
const STANDALONE = /[\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}]/u;
const STROKES: Readonly<Record<string, string>> = {
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  ŧ: 't',
  ƀ: 'b',
  ƶ: 'z',
  ɨ: 'i',
};
const STROKE = /[łøđħŧƀƶɨ]/gu;
const encoder = new TextEncoder();

const unitCache = new Map<string, string>();

/** The normalised form of one unit (cached: texts repeat the same few hundred units). */
function normalizeUnit(unit: string): string {
  const cached = unitCache.get(unit);
  if (cached !== undefined) return cached;
  let s = unit.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().replace(/ς/g, 'σ');
  if (LATIN.test(s)) {
    s = s
      .normalize('NFD')
      .replace(MARKS, '')
      .replace(STROKE, (c) => STROKES[c] ?? c);
  }
  s = s.normalize('NFC');
  if (unitCache.size < 50_000) unitCache.set(unit, s);
  return s;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** One unit (a character and the marks after it) starting at a given index. */
const UNIT_AT = /\P{M}\p{M}*|\p{M}+/uy;

/** ASCII letters and digits as themselves (lower-cased), or 0 for any other ASCII character. */
function asciiWordChar(code: number): number {
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)) return code;
  if (code >= 0x41 && code <= 0x5a) return code + 0x20;
  return 0;
}

/** Splits `text` into normalised tokens with their positions in `text`. */
export function tokenize(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  let current = '';
  let start = 0;
  let end = 0;
  const flush = () => {
    if (current && utf8Length(current) <= MAX_TOKEN_BYTES) tokens.push({ text: current, start, end });
    current = '';
  };
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    // Fast path: an ASCII character not followed by a combining mark is its own unit, and
    // NFKC, case folding and diacritic removal reduce to lower-casing.
    if (code < 0x80 && !(text.charCodeAt(i + 1) >= 0x300 && MARK.test(text[i + 1] as string))) {
      const word = asciiWordChar(code);
      if (word) {
        if (!current) start = i;
        current += String.fromCharCode(word);
        end = i + 1;
      } else {
        flush();
      }
      i++;
      continue;
    }
    UNIT_AT.lastIndex = i;
    const unit = (UNIT_AT.exec(text) as RegExpExecArray)[0];
    const unitEnd = i + unit.length;
    for (const ch of normalizeUnit(unit)) {
      if (STANDALONE.test(ch) && WORD_CHAR.test(ch)) {
        flush();
        tokens.push({ text: ch, start: i, end: unitEnd });
      } else if (WORD_CHAR.test(ch) || (current && MARK.test(ch))) {
        if (!current) start = i;
        current += ch;
        end = unitEnd;
      } else {
        flush();
      }
    }
    i = unitEnd;
  }
  flush();
  return tokens;
}

/** The normalised tokens of `text`, without positions. */
export function normalizeText(text: string): string[] {
  return tokenize(text).map((t) => t.text);
}

/** A normalised token in the index alphabet: `x` + hex of its UTF-8 bytes. */
export function encodeToken(token: string): string {
  let hex = 'x';
  for (const byte of encoder.encode(token)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
