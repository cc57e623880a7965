import { expect } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: error classes have varied constructor signatures.
type ErrorClass = abstract new (...args: any[]) => Error;

/** Awaits `action` and asserts it rejects with exactly this class (or a subclass) and code. */
export async function expectError<E extends ErrorClass>(
  action: Promise<unknown> | (() => Promise<unknown>),
  errorClass: E,
  code?: string,
): Promise<InstanceType<E>> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${errorClass.name}`).toBeInstanceOf(errorClass);
  if (code !== undefined) expect((caught as { code?: string }).code).toBe(code);
  return caught as InstanceType<E>;
}
