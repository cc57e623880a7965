/** Statements worth preparing: the repository's and search's DML, not DDL or transaction control. */
const PREPARABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;

/**
 * Names for server-side prepared statements, so the server parses and plans a statement text once
 * per connection instead of at every call (and may settle on a generic plan). The first `max`
 * distinct texts get a name; later ones run unnamed, which keeps every connection's prepared
 * statements bounded without having to deallocate any.
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #max: number;

  constructor(max = 256) {
    this.#max = max;
  }

  nameOf(text: string): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined || this.#names.size >= this.#max || !PREPARABLE.test(text)) return known;
    const name = `sy_${this.#names.size}`;
    this.#names.set(text, name);
    return name;
  }
}
