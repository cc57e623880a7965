import { inspect } from 'node:util';
import { expect } from 'vitest';

/**
 * Asserts that nothing a caller could print about `value` contains `secret`: for an error its
 * message, stack, `String()` and the same along its `cause` chain (and an AggregateError's
 * errors); for any value its JSON and `util.inspect` forms.
 */
export function expectNoSecret(value: unknown, secret: string, what = 'value'): void {
  const seen = new Set<unknown>();
  let current: unknown = value;
  for (let depth = 0; current instanceof Error && !seen.has(current) && depth < 8; depth++) {
    seen.add(current);
    expect(current.message, `${what}: message at depth ${depth}`).not.toContain(secret);
    expect(current.stack ?? '', `${what}: stack at depth ${depth}`).not.toContain(secret);
    expect(String(current), `${what}: String() at depth ${depth}`).not.toContain(secret);
    if (current instanceof AggregateError) {
      for (const e of current.errors) expectNoSecret(e, secret, `${what} (aggregated)`);
    }
    current = (current as { cause?: unknown }).cause;
  }
  let json = '';
  try {
    json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? '';
  } catch {
    // Cyclic values have no JSON form; inspect below covers them.
  }
  expect(json, `${what}: JSON`).not.toContain(secret);
  expect(inspect(value, { depth: 8 }), `${what}: util.inspect`).not.toContain(secret);
}
