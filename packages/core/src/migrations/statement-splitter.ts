/**
 * Splits the SQL text MikroORM's schema generator returns (statements ending in `;` and a line
 * break) into single statements without the trailing `;`. A `;` followed by a line break inside a
 * quoted literal (a default value, a comment) does not end a statement.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      current += ch;
      // A doubled quote inside a literal is an escaped quote, not the end of it.
      if (ch === quote) {
        if (text[i + 1] === quote) current += text[++i];
        else quote = undefined;
      }
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      current += ch;
    } else if (ch === ';' && (text[i + 1] === '\n' || i === text.length - 1)) {
      push(statements, current);
      current = '';
    } else {
      current += ch;
    }
  }
  push(statements, current);
  return statements;
}

function push(statements: string[], statement: string): void {
  const trimmed = statement.trim();
  if (trimmed) statements.push(trimmed);
}
