import { ValidationError } from '../errors.ts';
import type { JsonPath } from '../sql/sql-dialect.ts';

/** Accepts `'a.b.0'` or `['a', 'b', 0]`; keys containing dots need the array form. */
export function toJsonPath(path: string | JsonPath | undefined, where: string): JsonPath {
  if (path === undefined) return [];
  const parts: (string | number)[] =
    typeof path === 'string' ? path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [...path];
  for (const part of parts) {
    const ok = typeof part === 'number' ? Number.isSafeInteger(part) && part >= 0 : part.length > 0;
    if (!ok || (typeof part === 'string' && (part.includes('\u0000') || !part.isWellFormed()))) {
      throw new ValidationError(`${where}: invalid JSON path segment ${JSON.stringify(part)}.`);
    }
  }
  return parts;
}

/** Reads the value at `path` from a decoded JSON value; `undefined` when absent. */
export function readJsonPath(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const part of path) {
    // As in SQL on every backend: a number indexes an array only, a string names an object key only.
    if (
      typeof part === 'number'
        ? !Array.isArray(current)
        : current === null || typeof current !== 'object' || Array.isArray(current)
    ) {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}
