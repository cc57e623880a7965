import type { PortableKind } from '../schema/portable-kind.ts';

/**
 * Converts validated JS values to what the driver binds, and driver values back. Core has already
 * normalised the JS value (lower-case uuid, canonical decimal string, bigint as `bigint`, …).
 * A codec MUST make `decode(encode(v))` equal `v` for every valid value of its kind.
 */
export interface ValueCodec {
  encode(kind: PortableKind, value: unknown): unknown;
  decode(kind: PortableKind, value: unknown): unknown;
}
