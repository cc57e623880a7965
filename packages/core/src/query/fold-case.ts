/**
 * Case folding for the explicit case-insensitive operators: the simple, per-character lower-case
 * mapping. Multi-character mappings (`İ` → `i̇`) and context rules (final sigma) are not applied,
 * because no backend applies them the same way; such characters keep their form.
 */
export function foldCase(text: string): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    out += [...lower].length === 1 ? lower : ch;
  }
  return out;
}
