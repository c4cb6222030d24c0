/** The shape of an OGC API – Features collection entry (the registry is server/ogc/collections.ts). */
import type { RawBuilder } from 'kysely';

export type PropertyType =
  'string' | 'integer' | 'number' | 'boolean' | 'date' | 'date-time' | 'string[]' | 'integer[]';

export interface OgcProperty {
  sql: RawBuilder<unknown>;
  type: PropertyType;
  description: string;
}

export interface OgcFilter {
  /** The column compared with the value (`=`), or an array column that must contain it (`contains`). */
  sql: RawBuilder<unknown>;
  description: string;
  /** The value must match this (anchored) pattern, else 400; it keeps bad values away from the SQL. */
  pattern: string;
  contains?: boolean;
}

export type Temporal =
  | {
      kind: 'validity';
      start: RawBuilder<unknown>;
      end: RawBuilder<unknown>;
      /** true: a row ends the day before `end` (终止日期 is the first day it no longer holds). */
      endExclusive: boolean;
      /** Rows a request without `datetime` sees; undefined = all rows. */
      current?: RawBuilder<boolean>;
      description: string;
    }
  | { kind: 'instant'; at: RawBuilder<unknown>; description: string };

export interface KeyColumn {
  sql: RawBuilder<unknown>;
  kind: 'text' | 'int';
  /** SQL type a cursor value is cast to (the column's own, so that its index serves the comparison). */
  type: 'text' | 'bpchar' | 'bigint';
  /** Largest value of an int column (its SQL type's range). */
  max?: number;
}

export interface FeatureKey {
  /** Columns that order the collection, unique together. */
  columns: KeyColumn[];
  /** The feature id as an SQL text expression (what `id` and /items/{featureId} hold). */
  fid: RawBuilder<unknown>;
  /** The key values a feature id names, or undefined when it cannot name a feature of this collection. */
  parse(fid: string): Array<string | number> | undefined;
  /** Another spelling of a feature id (e.g. a bare grid code for its live row): the rows it names. */
  alias?(fid: string): RawBuilder<boolean> | undefined;
}

export interface OgcCollection {
  id: string;
  title: string;
  description: string;
  from: RawBuilder<unknown>;
  where: RawBuilder<boolean>;
  geom: RawBuilder<unknown>;
  geometryType: 'polygon' | 'point' | 'mixed';
  /** Rows whose geometry intersects the envelope (default: `geom && env and ST_Intersects(geom, env)`). */
  intersects?: (envelope: RawBuilder<unknown>) => RawBuilder<boolean>;
  /** SELECT of one box2d, the extent of the collection (default: ST_Extent of geom over the current rows). */
  extent?: RawBuilder<unknown>;
  key: FeatureKey;
  properties: Record<string, OgcProperty>;
  filters: Record<string, OgcFilter>;
  temporal?: Temporal;
  /** The collection is offered only when this is true (e.g. once there are census components). */
  available?: RawBuilder<unknown>;
}
