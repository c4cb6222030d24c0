/**
 * The checks of a census import that need the whole file or the database, set-based on the staging tables:
 *
 * - codes given twice in the file (error) and points of one class within 0.5 m of each other (warning): only among
 *   the rows the reading pass flagged (census-seen.ts), against the whole file;
 * - invalid line/polygon geometries (error, with PostGIS's reason);
 * - code-less rows that are a stored component (same class within 0.5 m): they keep its code;
 * - a given 所在单元网格 that disagrees with the position (warning listing both), a position outside every unit grid
 *   (warning with the nearest grid), the same class within 0.5 m of a stored component (warning);
 * - the region scope of the actor.
 */
import { sql } from 'kysely';
import { BOX_DEG, SAME_PLACE_M, overSlices, stageTables, type CensusStage } from './census-stage.js';
import { METRES_PER_DEGREE } from './census-seen.js';
import { describeWhere, type RowIssue, type Where } from './row.js';

export type WhereKind = 'line' | 'row' | 'feature';
export const whereOf = (kind: WhereKind, n: number): Where =>
  kind === 'line' ? { line: n } : kind === 'row' ? { row: n } : { feature: n };

/** Codes given more than once, among the codes of the rows flagged `twin`. */
export async function duplicateCodes(
  stage: CensusStage,
  kind: WhereKind,
  limit: number,
  codeColumn: string,
): Promise<RowIssue[]> {
  const t = stageTables(stage);
  const r = await sql<{ code: string; wns: number[] }>`
    select code, array_agg(wn order by idx) as wns from ${t.narrow}
    where code in (select code from ${t.narrow} where twin) group by code having count(*) > 1
    order by min(idx) limit ${limit}`.execute(stage.db);
  return r.rows.map((d) => ({
    where: whereOf(kind, d.wns[1]),
    column: codeColumn,
    message: `the code ${d.code} is given ${d.wns.length} times (${d.wns.map((n) => `${kind} ${n}`).join(', ')}); a code names one component`,
  }));
}

export async function invalidGeometries(stage: CensusStage, kind: WhereKind, limit: number): Promise<RowIssue[]> {
  const rows = await overSlices(stage, async (range) => {
    const r = await sql<{ wn: number; reason: string }>`
      select s.wn, ST_IsValidReason(s.geom) as reason from ${stageTables(stage).narrow} s
      where ${range('s')} and not s.point and not ST_IsValid(s.geom) order by s.idx limit ${limit}`.execute(stage.db);
    return r.rows;
  });
  return rows.slice(0, limit).map((r) => ({
    where: whereOf(kind, r.wn),
    column: null,
    message: `the geometry is not valid: ${r.reason}`,
  }));
}

/**
 * Points of one class within 0.5 m of each other in the file (a warning on the later one, naming the earlier): each
 * flagged point (`near`) against the points before it in the cells around it. Distances as the census measures them:
 * metres on a plane through the file's first point (x = lon · 111,320 m · cos lat0, y = lat · 111,320 m).
 */
export async function duplicatePositions(
  stage: CensusStage,
  kind: WhereKind,
  limit: number,
  lat0: number,
): Promise<{ issues: RowIssue[]; total: number }> {
  const t = stageTables(stage);
  const kx = sql.lit(METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180));
  const ky = sql.lit(METRES_PER_DEGREE);
  const r = await sql<{ wn: number; other: number; total: number }>`
    with q as (select idx, wn, cls, lon * ${kx} as x, lat * ${ky} as y from ${t.narrow} where near and point),
    around as materialized (select q.*, floor(q.x)::bigint + o.dx as cx, floor(q.y)::bigint + o.dy as cy
               from q cross join (values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
                 as o(dx, dy)),
    p as (select idx, wn, cls, lon * ${kx} as x, lat * ${ky} as y from ${t.narrow} where point)
    select q.wn, p.wn as other, count(*) over ()::int as total
    from around q join p on p.cls = q.cls and floor(p.x)::bigint = q.cx and floor(p.y)::bigint = q.cy
    where p.idx < q.idx and (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y) <= ${sql.lit(SAME_PLACE_M ** 2)}
    order by q.idx, p.idx limit ${limit}`.execute(stage.db);
  return {
    issues: r.rows.map((d) => ({
      where: whereOf(kind, d.wn),
      column: null,
      message: `the same class lies within ${SAME_PLACE_M} m of ${describeWhere(whereOf(kind, d.other))}: a duplicate?`,
    })),
    total: r.rows[0]?.total ?? 0,
  };
}

/** Tiles (degrees) for matching staged points with stored components: about 10 m. */
const NEAR_TILE = 1e-4;

/**
 * Stored components of the same class within 0.5 m of each staged point (TABLE_n: idx, code, d), by one hash join on
 * 10 m tiles of the stored components' boxes (grown by BOX_DEG) rather than a probe of the index per point. Returns
 * false (and makes no table) when nothing is stored.
 */
export async function nearStored(stage: CensusStage): Promise<boolean> {
  const any = await sql<{ any: boolean }>`select exists (select 1 from component) as any`.execute(stage.db);
  if (!any.rows[0].any) return false;
  const t = stageTables(stage);
  const z = sql.lit(NEAR_TILE);
  const b = sql.lit(BOX_DEG);
  const at = sql`ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)`;
  // The stored components' tiles, once (a probe of the component indexes per staged point would be far slower).
  const tiles = sql.table(`${stage.table}_s`);
  await sql`create unlogged table ${tiles} as
    select c.code, c.category_code, c.geom, tx, ty from component c,
      generate_series(floor((ST_XMin(c.geom) - ${b}) / ${z})::int, floor((ST_XMax(c.geom) + ${b}) / ${z})::int) tx,
      generate_series(floor((ST_YMin(c.geom) - ${b}) / ${z})::int, floor((ST_YMax(c.geom) + ${b}) / ${z})::int) ty
    where c.geom is not null`.execute(stage.db);
  if (stage.database.driver !== 'pg') await sql`create index on ${tiles} (tx, ty)`.execute(stage.db);
  await sql`create unlogged table ${t.near} (idx integer not null, code text not null, d float8 not null)`.execute(
    stage.db,
  );
  // A row's own code is not a neighbour of it.
  await overSlices(stage, async (range) => {
    await sql`insert into ${t.near} (idx, code, d)
      select s.idx, c.code, ST_Distance(c.geom::geography, ${at}::geography)
      from ${t.narrow} s join ${tiles} c
        on c.tx = floor(s.lon / ${z})::int and c.ty = floor(s.lat / ${z})::int and c.category_code = s.cls
      where ${range('s')} and s.point and c.code is distinct from s.code and c.geom && ST_Expand(${at}, ${b})
        and ST_Distance(c.geom::geography, ${at}::geography) <= ${SAME_PLACE_M}`.execute(stage.db);
    return [];
  });
  await sql`drop table ${tiles}`.execute(stage.db);
  return true;
}

/**
 * A code-less point whose class and position (within 0.5 m) match a stored component that the file does not name
 * by code is that component: it takes its code (re-importing a code-less file changes nothing). Two code-less rows on
 * one stored component: the first (in file order) is it, the others are new. Returns how many matched.
 */
export async function matchStored(stage: CensusStage): Promise<number> {
  const t = stageTables(stage);
  const r = await sql`insert into ${t.codes} (idx, code, matched)
    select idx, code, true from (
      select m.idx, m.code, row_number() over (partition by m.code order by m.idx) as k from (
        select distinct on (n.idx) n.idx, n.code from ${t.near} n join ${t.narrow} f on f.idx = n.idx
        where f.code is null and not exists (select 1 from ${t.narrow} g where g.code = n.code)
        order by n.idx, n.d, n.code) m) x
    where k = 1`.execute(stage.db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Rows outside the actor's region scope, and stored components the file changes that lie outside it (`stored`:
 * components were stored before the import).
 */
export async function outsideScope(
  stage: CensusStage,
  kind: WhereKind,
  scope: string,
  limit: number,
  stored: boolean,
): Promise<RowIssue[]> {
  const t = stageTables(stage);
  const r = await sql<{ wn: number; where_is: string | null; stored: boolean }>`
    select r.wn, coalesce(r.grid_code, r.district_code) as where_is, false as stored from ${t.narrow} r
    where not coalesce(coalesce(r.grid_code, r.district_code) like ${`${scope}%`}, false)
    ${
      stored
        ? sql`union all
    select r.wn, c.grid_code, true from ${t.narrow} r left join ${t.codes} k on k.idx = r.idx
    join component c on c.code = coalesce(r.code, k.code)
    where not coalesce(c.grid_code like ${`${scope}%`}, false)`
        : sql``
    }
    limit ${limit}`.execute(stage.db);
  return r.rows.map((o) => ({
    where: whereOf(kind, o.wn),
    column: null,
    message: o.stored
      ? `the stored component lies ${o.where_is ? `in ${o.where_is}` : 'outside every unit grid'}, outside your region scope ${scope}`
      : `the position lies ${o.where_is ? `in ${o.where_is}` : 'outside every district'}, outside your region scope ${scope}`,
  }));
}

export async function positionWarnings(
  stage: CensusStage,
  kind: WhereKind,
  limit: number,
  givenGridColumn: string,
  has: { givenGrids: boolean; stored: boolean },
): Promise<RowIssue[]> {
  const t = stageTables(stage);
  const out: RowIssue[] = [];
  if (has.givenGrids) {
    // The staged given grid is null where it is the derived one.
    const given = await sql<{ wn: number; given: string; grid: string | null }>`
      select wn, given_grid_code as given, grid_code as grid from ${t.narrow}
      where given_grid_code is not null order by idx limit ${limit}`.execute(stage.db);
    for (const g of given.rows)
      out.push({
        where: whereOf(kind, g.wn),
        column: givenGridColumn,
        message: `the given unit grid ${g.given} is not where the component lies: its position is in ${g.grid ?? 'no unit grid'}; the grid is derived from the position`,
      });
  }
  const gridless = await sql<{ any: boolean }>`
    select exists (select 1 from ${t.narrow} where grid_code is null) as any`.execute(stage.db);
  const outside = !gridless.rows[0].any
    ? { rows: [] }
    : await sql<{ wn: number; nearest: string | null; distance_m: number | null }>`
    select s.wn, n.code as nearest, n.distance_m from ${t.narrow} s
    cross join lateral (select case when s.point then ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) else s.geom end
                        as geom) p
    left join lateral (select u.code, ST_Distance(u.geom::geography, p.geom::geography) as distance_m from unit_grid u
                       where u.termination_date is null order by u.geom <-> p.geom limit 1) n on true
    where s.grid_code is null order by s.idx limit ${limit}`.execute(stage.db);
  for (const o of outside.rows)
    out.push({
      where: whereOf(kind, o.wn),
      column: null,
      message: o.nearest
        ? `the position lies outside every unit grid; the nearest is ${o.nearest}, ${Math.round(o.distance_m!)} m away`
        : 'the position lies outside every unit grid (no unit grids are loaded)',
    });
  if (!has.stored) return out;
  const near = await sql<{ wn: number; other: string; d: number }>`
    select s.wn, n.code as other, n.d from ${t.near} n
    join ${t.narrow} s on s.idx = n.idx left join ${t.codes} k on k.idx = n.idx
    where not coalesce(k.matched, false) and n.code is distinct from coalesce(s.code, k.code)
      and not exists (select 1 from ${t.narrow} o where o.code = n.code)
      and not exists (select 1 from ${t.codes} o where o.code = n.code)
    order by n.idx limit ${limit}`.execute(stage.db);
  for (const n of near.rows)
    out.push({
      where: whereOf(kind, n.wn),
      column: null,
      message: `a stored component of the same class, ${n.other}, lies ${n.d.toFixed(2)} m away (within ${SAME_PLACE_M} m): a duplicate?`,
    });
  return out;
}
