/** SQL owned by the grids capability: regions, unit grids, point location. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface RegionRow {
  code: string;
  name: string;
  level: 'district' | 'street' | 'community';
  parent_code: string | null;
  area_m2: number;
  initial_date: string;
  /** The code's version: its ETag for edits. */
  version: number;
  geometry?: unknown;
}

export async function listRegions(
  db: Kysely<DB>,
  level: RegionRow['level'],
  parent: string | undefined,
  withGeometry: boolean,
): Promise<RegionRow[]> {
  let q = db
    .selectFrom('region')
    .select(['code', 'name', 'level', 'parent_code', 'area_m2', 'initial_date', 'version'])
    .where('termination_date', 'is', null)
    .where('level', '=', level);
  if (parent) q = q.where(sql<boolean>`left(code, ${parent.length}) = ${parent}`);
  if (withGeometry) q = q.select(sql<unknown>`ST_AsGeoJSON(geom, 7)::json`.as('geometry'));
  return q.orderBy('code').execute();
}

export async function getRegion(db: Kysely<DB>, code: string): Promise<RegionRow | undefined> {
  return db
    .selectFrom('region')
    .select(['code', 'name', 'level', 'parent_code', 'area_m2', 'initial_date', 'version'])
    .select(sql<unknown>`ST_AsGeoJSON(geom, 7)::json`.as('geometry'))
    .where('termination_date', 'is', null)
    .where('code', '=', code)
    .executeTakeFirst();
}

export async function countChildren(db: Kysely<DB>, code: string): Promise<number> {
  const level = code.length === 12 ? 'grid' : 'region';
  const r =
    level === 'grid'
      ? await sql<{
          n: number;
        }>`select count(*)::int as n from unit_grid where community_code = ${code} and termination_date is null`.execute(
          db,
        )
      : await sql<{
          n: number;
        }>`select count(*)::int as n from region where parent_code = ${code} and termination_date is null`.execute(db);
  return r.rows[0].n;
}

export interface GridRow {
  code: string;
  name: string;
  area_m2: number;
  initial_date: string;
  termination_date: string | null;
  /** The code's version: its ETag (every edit of the grid starts a row with the next one). */
  version: number;
  community_code: string;
  community_name: string | null;
  street_code: string;
  street_name: string | null;
  district_code: string;
  district_name: string | null;
  geometry: unknown;
}

/** Rows valid on a date (initial_date ≤ at < termination_date), or the live rows. */
const validAt = (alias: string, at?: string) =>
  at
    ? sql<boolean>`${sql.ref(`${alias}.initial_date`)} <= ${at}::date and (${sql.ref(`${alias}.termination_date`)} is null
        or ${sql.ref(`${alias}.termination_date`)} > ${at}::date)`
    : sql<boolean>`${sql.ref(`${alias}.termination_date`)} is null`;

function gridSelect(db: Kysely<DB>, at?: string) {
  return db
    .selectFrom('unit_grid as g')
    .leftJoin('region as c', (j) => j.onRef('c.code', '=', 'g.community_code').on(validAt('c', at)))
    .leftJoin('region as s', (j) => j.onRef('s.code', '=', 'g.street_code').on(validAt('s', at)))
    .leftJoin('region as d', (j) => j.onRef('d.code', '=', 'g.district_code').on(validAt('d', at)))
    .select([
      'g.code',
      'g.name',
      'g.area_m2',
      'g.initial_date',
      'g.termination_date',
      'g.version',
      'g.community_code',
      'c.name as community_name',
      'g.street_code',
      's.name as street_name',
      'g.district_code',
      'd.name as district_name',
    ])
    .select(sql<unknown>`ST_AsGeoJSON(g.geom, 7)::json`.as('geometry'))
    .where(validAt('g', at));
}

export async function getGrid(db: Kysely<DB>, code: string): Promise<GridRow | undefined> {
  return gridSelect(db).where('g.code', '=', code).executeTakeFirst();
}

export interface GridFilter {
  bbox?: [number, number, number, number];
  community?: string;
  after?: string;
  limit: number;
  /** As of this date (YYYY-MM-DD): the rows valid then, ended ones included. */
  at?: string;
}

/** A page of live grids ordered by code (keyset pagination: `after` is the last code of the previous page). */
export async function listGrids(db: Kysely<DB>, f: GridFilter): Promise<GridRow[]> {
  let q = gridSelect(db, f.at);
  if (f.bbox) {
    const [a, b, c, d] = f.bbox;
    q = q.where(sql<boolean>`ST_Intersects(g.geom, ST_MakeEnvelope(${a}, ${b}, ${c}, ${d}, 4326))`);
  }
  if (f.community) q = q.where('g.community_code', '=', f.community);
  if (f.after) q = q.where('g.code', '>', f.after);
  return q.orderBy('g.code').limit(f.limit).execute();
}

export interface CoveringGrid {
  code: string;
  name: string;
  area_m2: number;
  community_code: string;
  street_code: string;
  district_code: string;
  interior: boolean;
}

/** Every live grid whose closed polygon covers the point, lowest code first, saying whether the point is inside. */
export async function gridsCoveringPoint(db: Kysely<DB>, lon: number, lat: number): Promise<CoveringGrid[]> {
  const r = await sql<CoveringGrid>`
    with p as (select ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326) as pt)
    select g.code, g.name, g.area_m2, g.community_code, g.street_code, g.district_code,
           ST_Contains(g.geom, p.pt) as interior
    from unit_grid g, p
    where g.termination_date is null and ST_Intersects(g.geom, p.pt)
    order by g.code`.execute(db);
  return r.rows;
}

export async function nearestGrid(
  db: Kysely<DB>,
  lon: number,
  lat: number,
): Promise<{ code: string; name: string; distance_m: number } | undefined> {
  const r = await sql<{ code: string; name: string; distance_m: number }>`
    with p as (select ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326) as pt),
    near as (
      select g.code, g.name, g.geom from unit_grid g, p
      where g.termination_date is null
      order by g.geom <-> p.pt limit 5)
    select near.code, near.name, ST_Distance(near.geom::geography, p.pt::geography) as distance_m
    from near, p order by distance_m, near.code limit 1`.execute(db);
  return r.rows[0];
}

export async function regionNames(db: Kysely<DB>, codes: string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db
    .selectFrom('region')
    .select(['code', 'name'])
    .where('termination_date', 'is', null)
    .where('code', 'in', codes)
    .execute();
  return new Map(rows.map((r) => [r.code, r.name]));
}

export async function regionsCoveringPoint(
  db: Kysely<DB>,
  lon: number,
  lat: number,
): Promise<{ code: string; name: string; level: string }[]> {
  const r = await sql<{ code: string; name: string; level: string }>`
    select code, name, level from region
    where termination_date is null and ST_Intersects(geom, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326))
    order by length(code), code`.execute(db);
  return r.rows;
}
