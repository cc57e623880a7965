import type { PortableKind } from './portable-kind.ts';

/** What core knows about one property after validation: enough to build SQL and check values. */
export interface PropertyModel {
  readonly name: string;
  readonly column: string;
  readonly kind: PortableKind;
  readonly nullable: boolean;
  readonly primary: boolean;
  /** Optimistic-lock column: starts at 1, incremented by every update. */
  readonly version: boolean;
  /** Declared maximum length in characters (code points) for `string`. */
  readonly maxLength: number | undefined;
  readonly precision: number | undefined;
  readonly scale: number | undefined;
  /** A many-to-one reference: the value is the referenced row's primary key. */
  readonly references: string | undefined;
  readonly onCreate: ((row: Record<string, unknown>) => unknown) | undefined;
  readonly onUpdate: ((row: Record<string, unknown>) => unknown) | undefined;
  readonly defaultValue: unknown;
}

export interface EntityModel {
  readonly name: string;
  readonly table: string;
  readonly primaryKey: PropertyModel;
  readonly properties: readonly PropertyModel[];
  readonly byName: ReadonlyMap<string, PropertyModel>;
  readonly versionProperty: PropertyModel | undefined;
}

export interface SchemaModel {
  readonly entities: ReadonlyMap<string, EntityModel>;
}
