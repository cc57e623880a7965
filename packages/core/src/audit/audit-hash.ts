import { createHash } from 'node:crypto';

/** `prevHash` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted: the same text for the same value, whatever order a backend keeps. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export interface HashedContent {
  readonly seq: bigint;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly data: unknown;
  readonly prevHash: string;
}

/** The hash that links an event into the chain: any change to it or to an earlier event shows. */
export function eventHash(e: HashedContent): string {
  const content = canonical([
    String(e.seq),
    e.at.toISOString(),
    e.actor,
    e.action,
    e.subject,
    e.data ?? null,
    e.prevHash,
  ]);
  return createHash('sha256').update(content).digest('hex');
}
