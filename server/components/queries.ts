/** SQL of the component census API: one component, a filtered page, its history, re-deriving its regions. */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ListQuery } from './schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface ComponentRow {
  code: string;
  class: string;
  class_name: string;
  name: string;
  status: string;
  owner_code: string | null;
  owner_name: string;
  title_code: string | null;
  title_name: string;
  maintainer_code: string | null;
  maintainer_name: string;
  grid_code: string | null;
  community_code: string | null;
  community_name: string | null;
  street_code: string | null;
  street_name: string | null;
  district_code: string | null;
  given_grid_code: string | null;
  initial_date: string | null;
  change_date: string | null;
  data_source: string;
  note: string;
  accuracy: string | null;
  photos: string[];
  extras: Record<string, string>;
  lon: number | null;
  lat: number | null;
  geometry: unknown;
  valid_from: Date;
  version: number;
}

const SELECT = sql`
  select p.code, p.category_code as class, coalesce(c.name, '') as class_name, p.name, p.status,
         p.owner_code, p.owner_name, p.title_code, p.title_name, p.maintainer_code, p.maintainer_name,
         p.grid_code, p.community_code, rc.name as community_name, p.street_code, rs.name as street_name,
         p.district_code, p.given_grid_code, p.initial_date::text as initial_date, p.change_date::text as change_date,
         p.data_source, p.note, p.accuracy, p.photos, p.extras,
         ST_X(ST_PointOnSurface(p.geom)) as lon, ST_Y(ST_PointOnSurface(p.geom)) as lat,
         ST_AsGeoJSON(p.geom, 7)::json as geometry, p.valid_from, p.version
  from component p
  left join category c on c.kind = 'component' and c.code = p.category_code
  left join region rc on rc.code = p.community_code and rc.termination_date is null
  left join region rs on rs.code = p.street_code and rs.termination_date is null`;

export async function getComponent(db: Db, code: string): Promise<ComponentRow | undefined> {
  return (await sql<ComponentRow>`${SELECT} where p.code = ${code}`.execute(db)).rows[0];
}

/** The filters of the list and the exports, as SQL over `component p`. */
export function componentFilters(q: Omit<ListQuery, 'limit' | 'cursor'>, bbox?: number[]): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (bbox)
    parts.push(sql`p.geom && ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326)
      and ST_Intersects(p.geom, ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326))`);
  if (q.class) parts.push(sql`p.category_code = ${q.class}`);
  if (q.major) parts.push(sql`left(p.category_code, 2) = ${q.major}`);
  if (q.grid) parts.push(sql`p.grid_code = ${q.grid}`);
  if (q.community) parts.push(sql`p.community_code = ${q.community}`);
  if (q.street) parts.push(sql`p.street_code = ${q.street}`);
  if (q.status) parts.push(sql`p.status = ${q.status}`);
  if (q.q) {
    const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push(sql`(p.code like ${like} or p.name ilike ${like})`);
  }
  return sql.join(parts, sql` and `);
}

export async function listComponents(
  db: Db,
  q: ListQuery,
  bbox: number[] | undefined,
  limit: number,
): Promise<ComponentRow[]> {
  const r = await sql<ComponentRow>`${SELECT}
    where ${componentFilters(q, bbox)} ${q.cursor ? sql`and p.code > ${q.cursor}` : sql``}
    order by p.code limit ${limit}`.execute(db);
  return r.rows;
}

export interface HistoryRow {
  version: number;
  valid_from: Date;
  valid_to: Date;
  ended_by: string;
  attrs: Record<string, unknown>;
  geometry: unknown;
}

export async function componentHistory(db: Db, code: string): Promise<HistoryRow[]> {
  const r = await sql<HistoryRow>`
    select version, valid_from, valid_to, ended_by, attrs, ST_AsGeoJSON(geom, 7)::json as geometry
    from component_history where code = ${code} order by valid_to desc, id desc`.execute(db);
  return r.rows;
}

/** Copies the live row into component_history: the edit or deletion that follows ends it. */
export async function endRow(trx: Transaction<DB>, code: string, by: 'edit' | 'delete'): Promise<void> {
  await sql`insert into component_history (code, version, attrs, geom, valid_from, valid_to, ended_by)
    select code, version, to_jsonb(c) - 'geom', geom, valid_from, now(), ${by} from component c
    where code = ${code}`.execute(trx);
}

/**
 * The unit grid, community, street and district of components from their position by the boundary rule (the live
 * grid covering the point — a line's or polygon's point on surface — with the lowest code; outside every grid, the
 * covering district only). `where` selects the components (over `component c`).
 */
export async function deriveComponentRegions(db: Db, where: RawBuilder<unknown>): Promise<number> {
  const r = await sql`
    update component c set (grid_code, community_code, street_code, district_code) = (
      select g.code, g.community_code, g.street_code,
             coalesce(g.district_code, (select d.code from region d where d.level = 'district'
               and d.termination_date is null and ST_Covers(d.geom, ST_PointOnSurface(c.geom)) order by d.code limit 1))
      from (select null) one
      left join lateral (select u.code, u.community_code, u.street_code, u.district_code from unit_grid u
                         where u.termination_date is null and ST_Covers(u.geom, ST_PointOnSurface(c.geom))
                         order by u.code limit 1) g on true)
    where ${where}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Highest serial per district and code segment among live and ended codes (a code is never given twice). */
export async function highestSerials(db: Db): Promise<{ district: string; seg: string; serial: number }[]> {
  const r = await sql<{ district: string; seg: string; serial: number }>`
    select left(code, 6) as district, substr(code, 7, length(code) - 12) as seg, max(right(code, 6)::int) as serial
    from (select code from component union all select code from component_history) c group by 1, 2`.execute(db);
  return r.rows;
}
