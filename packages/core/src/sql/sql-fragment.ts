/**
 * A tiny SQL fragment type: literal text interleaved with bound values and identifiers.
 * Values never become SQL text; identifiers are quoted by the dialect at compile time.
 */
type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'ident'; readonly name: string };

export class Sql {
  readonly parts: readonly Part[];
  constructor(parts: readonly Part[]) {
    this.parts = parts;
  }
}

export interface CompiledQuery {
  readonly sql: string;
  readonly params: unknown[];
}

export interface SqlCompilerHooks {
  quoteIdent(name: string): string;
  /** Placeholder for the n-th (1-based) bound value. */
  placeholder(index: number): string;
}

/** Tagged template: interpolated `Sql` fragments are spliced, anything else becomes a bound value. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  const parts: Part[] = [];
  strings.forEach((text, i) => {
    if (text) parts.push({ kind: 'text', text });
    if (i < values.length) {
      const value = values[i];
      if (value instanceof Sql) parts.push(...value.parts);
      else parts.push({ kind: 'value', value });
    }
  });
  return new Sql(parts);
}

export const raw = (text: string): Sql => new Sql([{ kind: 'text', text }]);
export const ident = (name: string): Sql => new Sql([{ kind: 'ident', name }]);

export function join(fragments: readonly Sql[], separator = ', '): Sql {
  const parts: Part[] = [];
  fragments.forEach((f, i) => {
    if (i > 0) parts.push({ kind: 'text', text: separator });
    parts.push(...f.parts);
  });
  return new Sql(parts);
}

export function compile(fragment: Sql, hooks: SqlCompilerHooks): CompiledQuery {
  let text = '';
  const params: unknown[] = [];
  for (const part of fragment.parts) {
    if (part.kind === 'text') text += part.text;
    else if (part.kind === 'ident') text += hooks.quoteIdent(part.name);
    else {
      params.push(part.value);
      text += hooks.placeholder(params.length);
    }
  }
  return { sql: text, params };
}
