import type { DriverRow } from '../adapter-api.ts';
import { ValidationError } from '../errors.ts';
import type { EntityModel, PropertyModel } from '../schema/entity-model.ts';
import { normalizeValue } from '../schema/value-validation.ts';
import type { ValueCodec } from '../sql/value-codec.ts';

/** Turns driver rows into plain objects and validated input into driver parameters. */
export class RowCodec {
  readonly #codec: ValueCodec;
  constructor(codec: ValueCodec) {
    this.#codec = codec;
  }

  decode(entity: EntityModel, row: DriverRow): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const prop of entity.properties) {
      const raw = row[prop.column];
      out[prop.name] = raw === null || raw === undefined ? null : this.#codec.decode(prop.kind, raw);
    }
    return out;
  }

  encode(prop: PropertyModel, value: unknown): unknown {
    return value === null ? null : this.#codec.encode(prop.kind, value);
  }

  /**
   * Validates a full row for insert: fills generated keys, defaults, versions and `onCreate`
   * values; refuses unknown properties. Returns the canonical row (what a read returns).
   */
  prepareInsert(entity: EntityModel, input: unknown): Record<string, unknown> {
    const data = asRecord(entity, input);
    rejectUnknown(entity, data);
    const row: Record<string, unknown> = {};
    for (const prop of entity.properties) {
      let v = data[prop.name];
      if (v === undefined && prop.primary && prop.kind === 'uuid') v = crypto.randomUUID();
      if (prop.version) {
        if (v !== undefined && v !== 1) {
          throw new ValidationError(`${entity.name}.${prop.name} is managed by Switchyard and starts at 1.`, {
            entity: entity.name,
            property: prop.name,
          });
        }
        v = 1;
      }
      if (v === undefined && prop.onCreate) v = prop.onCreate(data);
      if (v === undefined && prop.defaultValue !== undefined) v = defaultOf(prop);
      row[prop.name] = normalizeValue(entity, prop, v);
    }
    return row;
  }

  /** Validates a partial update; the primary key and the version cannot be set. */
  preparePatch(entity: EntityModel, input: unknown): Record<string, unknown> {
    const data = asRecord(entity, input);
    rejectUnknown(entity, data);
    const patch: Record<string, unknown> = {};
    for (const prop of entity.properties) {
      let v = data[prop.name];
      if (prop.primary || prop.version) {
        if (v !== undefined) {
          throw new ValidationError(`${entity.name}.${prop.name} cannot be changed by an update.`, {
            entity: entity.name,
            property: prop.name,
          });
        }
        continue;
      }
      if (v === undefined && prop.onUpdate) v = prop.onUpdate(data);
      if (v !== undefined) patch[prop.name] = normalizeValue(entity, prop, v);
    }
    return patch;
  }
}

function asRecord(entity: EntityModel, input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError(`${entity.name}: expected an object.`, { entity: entity.name });
  }
  return input as Record<string, unknown>;
}

function rejectUnknown(entity: EntityModel, data: Record<string, unknown>): void {
  for (const key of Object.keys(data)) {
    if (!entity.byName.has(key) && data[key] !== undefined) {
      throw new ValidationError(`${entity.name} has no property "${key}".`, {
        entity: entity.name,
        property: key,
      });
    }
  }
}

function defaultOf(prop: PropertyModel): unknown {
  const d = prop.defaultValue;
  // MikroORM keeps SQL defaults as strings; convert the ones a portable kind can read back.
  if (typeof d !== 'string') return d;
  switch (prop.kind) {
    case 'integer':
    case 'float':
      return Number(d);
    case 'boolean':
      return d === 'true' || d === '1';
    case 'bigint':
      return BigInt(d);
    default:
      return d;
  }
}
