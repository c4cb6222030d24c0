/**
 * SQL of the OGC API – Features service. A page of items is one statement that builds the features' GeoJSON in
 * PostgreSQL (ST_AsGeoJSON and json_build_object of the properties, joined with string_agg) and counts numberMatched; the server
 * only wraps the text it gets in the FeatureCollection envelope, never parsing the geometries.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import type { OgcCollection } from './collections.js';

/** Decimal places of coordinates in the output (1e-7° ≈ 1 cm), as the rest of the API. */
export const PRECISION = 7;

export interface PageRequest {
  /** Conditions besides the collection's own `where` (bbox, datetime or the current rows, property filters). */
  conditions: RawBuilder<boolean>[];
  limit: number;
  /** Key values of the feature the page starts after, or ends before (a `prev` link). */
  after?: Array<string | number>;
  before?: Array<string | number>;
  /** Output latitude first (EPSG:4490 / EPSG:4326). */
  latFirst: boolean;
  /** Builds `key > values` style conditions (params.keyCompare), passed in to keep this file free of HTTP. */
  compare(values: Array<string | number>, op: '>' | '<' | '>=' | '<='): RawBuilder<boolean>;
}

export interface Page {
  numberMatched: number;
  numberReturned: number;
  /** The features as a JSON array text. */
  features: string;
  firstId: string | null;
  lastId: string | null;
  /** Features exist after the last one / before the first one (within the same filters). */
  hasNext: boolean;
  hasPrev: boolean;
}

const and = (conds: RawBuilder<boolean>[]) => sql<boolean>`${sql.join(conds, sql` and `)}`;

/**
 * The GeoJSON Feature of row `t` (alias of the collection's FROM) as SQL text. The envelope is concatenated rather
 * than built with json_build_object: that would parse ST_AsGeoJSON's text back into json only to print it again.
 */
export function featureText(c: OgcCollection, latFirst: boolean) {
  const g = latFirst ? sql`ST_FlipCoordinates(${c.geom})` : c.geom;
  const props = Object.entries(c.properties).flatMap(([name, p]) => [sql.lit(name), p.sql]);
  return sql<string>`'{"type":"Feature","id":' || to_json(${c.key.fid})::text
    || ',"geometry":' || coalesce(ST_AsGeoJSON(${g}, ${sql.lit(PRECISION)}), 'null')
    || ',"properties":' || json_build_object(${sql.join(props)})::text || '}'`;
}

/** One page of items in one statement. */
export async function itemsPage(db: Kysely<DB>, c: OgcCollection, r: PageRequest): Promise<Page> {
  const base = [c.where, ...r.conditions];
  const back = r.before !== undefined;
  const cursor = r.after ? [r.compare(r.after, '>')] : r.before ? [r.compare(r.before, '<')] : [];
  const cols = c.key.columns.map((k, i) => sql`${k.sql} as ${sql.id(`k${i}`)}`);
  const asc = sql.join(c.key.columns.map((_, i) => sql`${sql.id(`k${i}`)}`));
  const desc = sql.join(c.key.columns.map((_, i) => sql`${sql.id(`k${i}`)} desc`));
  const scanOrder = sql.join(c.key.columns.map((k) => (back ? sql`${k.sql} desc` : sql`${k.sql}`)));
  // Is there anything on the other side of the cursor (a page before `after`, after `before`)?
  const other = r.after
    ? sql`exists (select 1 from ${c.from} where ${and([...base, r.compare(r.after, '<=')])})`
    : r.before
      ? sql`exists (select 1 from ${c.from} where ${and([...base, r.compare(r.before, '>=')])})`
      : sql`false`;
  const q = sql<{
    matched: number;
    fetched: number;
    features: string | null;
    first_id: string | null;
    last_id: string | null;
    other: boolean;
  }>`
    with w as (
      select ${sql.join(cols)}, ${featureText(c, r.latFirst)} as f, ${c.key.fid} as fid
      from ${c.from} where ${and([...base, ...cursor])}
      order by ${scanOrder} limit ${r.limit + 1}
    ), p as (select * from w order by ${back ? desc : asc} limit ${r.limit})
    select (select count(*) from ${c.from} where ${and(base)})::int as matched,
      (select count(*) from w)::int as fetched,
      (select '[' || string_agg(f, ',' order by ${asc}) || ']' from p) as features,
      (select fid from p order by ${asc} limit 1) as first_id,
      (select fid from p order by ${desc} limit 1) as last_id,
      ${other} as other`;
  const row = (await q.execute(db)).rows[0];
  const more = row.fetched > r.limit;
  return {
    numberMatched: row.matched,
    numberReturned: Math.min(row.fetched, r.limit),
    features: row.features ?? '[]',
    firstId: row.first_id,
    lastId: row.last_id,
    hasNext: back ? row.other : more,
    hasPrev: back ? more : row.other,
  };
}

/** One feature by its key values (or an alias condition), in any version: the collection's `where` only. */
export async function oneFeature(
  db: Kysely<DB>,
  c: OgcCollection,
  match: RawBuilder<boolean>,
  latFirst: boolean,
): Promise<{ f: string; fid: string } | undefined> {
  const r = await sql<{ f: string; fid: string }>`
    select ${featureText(c, latFirst)} as f, ${c.key.fid} as fid from ${c.from} where ${and([c.where, match])}
    order by ${sql.join(c.key.columns.map((k) => sql`${k.sql} desc`))} limit 1`.execute(db);
  return r.rows[0];
}

/** Equality of the key columns with the values. */
export function keyEquals(c: OgcCollection, values: Array<string | number>): RawBuilder<boolean> {
  return and(c.key.columns.map((k, i) => sql<boolean>`${k.sql} = ${values[i]}::${sql.raw(k.type)}`));
}

export interface CollectionFacts {
  available: boolean;
  /** [minLon, minLat, maxLon, maxLat], or null without features. */
  bbox: [number, number, number, number] | null;
  /** First and last instant/day of the collection's time, ISO text, or null. */
  interval: [string | null, string | null] | null;
}

/** Whether each collection is offered, its extent and time span, in one statement. */
export async function collectionFacts(
  db: Kysely<DB>,
  collections: readonly OgcCollection[],
): Promise<Map<string, CollectionFacts>> {
  const parts = collections.map((c) => {
    const current = c.temporal?.kind === 'validity' && c.temporal.current ? [c.temporal.current] : [];
    const extent = c.extent ?? sql`select ST_Extent(${c.geom}) from ${c.from} where ${and([c.where, ...current])}`;
    const t = c.temporal;
    const span =
      t?.kind === 'instant'
        ? sql`(select json_build_array(to_char(min(${t.at}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), null)
            from ${c.from} where ${c.where})`
        : t?.kind === 'validity'
          ? sql`(select json_build_array(to_char(min(${t.start}), 'YYYY-MM-DD'), null) from ${c.from} where ${c.where})`
          : sql`null::json`;
    return sql`select ${c.id}::text as id, ${c.available ?? sql`true`} as available,
      (select json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) from (${extent}) e(b) where b is not null)::text as bbox,
      ${span}::text as span`;
  });
  const r = await sql<{ id: string; available: boolean; bbox: string | null; span: string | null }>`${sql.join(
    parts,
    sql` union all `,
  )}`.execute(db);
  return new Map(
    r.rows.map((row) => [
      row.id,
      {
        available: row.available,
        bbox: row.bbox ? JSON.parse(row.bbox) : null,
        interval: row.span ? JSON.parse(row.span) : null,
      },
    ]),
  );
}
