/**
 * A string that sorts like the decimal it encodes, for decimals stored as canonical TEXT:
 * sign class, then the integer digits' count, then the digits — inverted for negatives.
 * Exact at any precision, unlike a cast to REAL.
 */
export function decimalSortKey(text: string): string {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [intRaw = '', frac = ''] = body.split('.');
  const int = intRaw.replace(/^0+/, '');
  const fracTrimmed = frac.replace(/0+$/, '');
  if (int === '' && fracTrimmed === '') return '1';
  const magnitude = `${String(int.length).padStart(3, '0')}${int}.${fracTrimmed}`;
  if (!negative) return `2${magnitude}`;
  // Larger magnitudes must sort first: complement every digit, and end with a character above
  // every digit so a longer fraction (more negative) sorts before its prefix.
  const inverted = [...magnitude].map((c) => (c >= '0' && c <= '9' ? String(9 - Number(c)) : c)).join('');
  return `0${inverted}~`;
}
