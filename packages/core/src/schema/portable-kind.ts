import {
  BigIntType,
  BooleanType,
  DateTimeType,
  DecimalType,
  DoubleType,
  type EntityProperty,
  IntegerType,
  JsonType,
  StringType,
  TextType,
  UuidType,
} from '@mikro-orm/core';

/**
 * The portable types of DESIGN §4. Each one behaves the same on every backend; anything else is
 * refused at startup by `buildSchemaModel`.
 */
export type PortableKind =
  | 'uuid'
  | 'string'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'datetime'
  | 'json';

export const portableKinds: readonly PortableKind[] = [
  'uuid',
  'string',
  'text',
  'integer',
  'bigint',
  'float',
  'decimal',
  'boolean',
  'datetime',
  'json',
];

const byTypeClass = new Map<unknown, PortableKind>([
  [UuidType, 'uuid'],
  [StringType, 'string'],
  [TextType, 'text'],
  [IntegerType, 'integer'],
  [BigIntType, 'bigint'],
  [DoubleType, 'float'],
  [DecimalType, 'decimal'],
  [BooleanType, 'boolean'],
  [DateTimeType, 'datetime'],
  [JsonType, 'json'],
]);

/** The builder (`p.*`) names users write, to make refusals point at what they typed. */
const builderHint = new Map<string, string>([
  ['FloatType', 'p.float() is a 32-bit float on some backends; use p.double()'],
  ['DateType', 'p.date() has no portable time zone semantics; use p.datetime()'],
  ['TimeType', 'p.time() is not portable; store a datetime or an integer'],
  ['BlobType', 'binary columns are not portable yet'],
  ['Uint8ArrayType', 'binary columns are not portable yet'],
  ['ArrayType', 'native arrays exist only on PostgreSQL; use p.json() with an array value'],
  ['EnumArrayType', 'native arrays exist only on PostgreSQL; use p.json()'],
  ['SmallIntType', 'use p.integer()'],
  ['TinyIntType', 'use p.integer()'],
  ['MediumIntType', 'use p.integer()'],
  ['CharacterType', 'fixed-width char pads differently per backend; use p.string().length(n)'],
  ['IntervalType', 'intervals are PostgreSQL-only'],
  ['EnumType', 'enums are declared differently per backend; use p.string() and validate in the application'],
]);

export type KindResolution = { kind: PortableKind } | { refused: string };

/**
 * Classifies a scalar property as MikroORM holds it while discovering (its `type` is the Type class).
 */
export function resolveScalarKind(prop: EntityProperty): KindResolution {
  if (prop.enum) return { refused: builderHint.get('EnumType') ?? 'enum' };
  if (prop.columnTypes?.length && prop.columnTypes[0] !== undefined && isExplicitColumnType(prop)) {
    return { refused: 'an explicit columnType() is dialect SQL; remove it and use a portable builder' };
  }
  // Builders hold either a Type class (`p.string()`) or an instance (`p.bigint()`, `p.decimal()`).
  const raw: unknown = prop.type;
  const type = typeof raw === 'object' && raw !== null ? raw.constructor : raw;
  const kind = byTypeClass.get(type);
  if (kind) return { kind };
  const typeName = typeof type === 'function' ? type.name : String(type);
  return {
    refused: builderHint.get(typeName) ?? `type "${typeName}" is not one of ${portableKinds.join(', ')}`,
  };
}

function isExplicitColumnType(prop: EntityProperty): boolean {
  // During discovery MikroORM fills columnTypes only from an explicit `columnType()` call.
  return Boolean((prop as { columnType?: string }).columnType);
}
