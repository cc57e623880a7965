import { createHash } from 'node:crypto';
import { canonicalJson } from '../schema/canonical-json.ts';

/** `prevHash` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

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
  const content = canonicalJson([
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
