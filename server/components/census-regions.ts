/**
 * The segment step of a census import: staged rows → final rows (TABLE_f), typed as `component` stores them, with
 * each row's unit grid, community, street and district derived from its position by the boundary rule of
 * server/grids/locate.ts (the covering grid — ST_Covers, so a point on a shared edge is covered by both — with the
 * lowest code; outside every grid, the covering district).
 *
 * A probe of the grid index per point costs tens of microseconds; a million of them was most of a census import.
 * Instead the live grids are cut once into square tiles of their bounding boxes (TABLE_g, about a dozen per grid); a
 * point finds the grids of its tile by one hash join, their bounding boxes (plain numbers) leave about one, and only
 * that one is tested with ST_Covers.
 */
import { sql } from 'kysely';
import { step } from '../importexport/stage.js';
import { SLICE, stageTables, type CensusStage } from './census-stage.js';

/** Tiles per grid aimed at (a tile of half a median grid), and the fewest tiles allowed in all. */
const MIN_TILES = 200_000;
const TILES_PER_GRID = 12;

/** Builds TABLE_g from the live unit grids; returns the tile size in degrees (0 when there are no grids). */
export async function createGridTiles(stage: CensusStage): Promise<number> {
  const t = stageTables(stage);
  const s = await sql<{ n: number; median: number | null; area: number | null; perimeter: number | null }>`
    select count(*)::int as n,
      percentile_cont(0.5) within group (order by greatest(ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom)))
        as median,
      sum((ST_XMax(geom) - ST_XMin(geom)) * (ST_YMax(geom) - ST_YMin(geom))) as area,
      sum(ST_XMax(geom) - ST_XMin(geom) + ST_YMax(geom) - ST_YMin(geom)) as perimeter
    from unit_grid where termination_date is null`.execute(stage.db);
  const { n, median, area, perimeter } = s.rows[0];
  let size = 0;
  if (n > 0) {
    // A tile of half the median grid; larger when the grids' boxes would make too many tiles (a few huge grids).
    size = Math.max(1e-6, (median ?? 0) / 2);
    const budget = Math.max(MIN_TILES, TILES_PER_GRID * n);
    const tiles = (z: number) => (area ?? 0) / (z * z) + (perimeter ?? 0) / z + n;
    if (tiles(size) > budget && area) {
      // area·u² + perimeter·u + n = budget, u = 1/size
      const p = perimeter ?? 0;
      const u = (-p + Math.sqrt(p * p + 4 * area * (budget - n))) / (2 * area);
      size = Math.max(size, 1 / u);
    }
    size = Number(size.toPrecision(6));
  }
  const z = sql.lit(size || 1);
  await sql`create unlogged table ${t.tiles} as
    select u.code, u.community_code, u.street_code, u.district_code, u.geom, tx, ty,
      ST_XMin(u.geom) as x0, ST_YMin(u.geom) as y0, ST_XMax(u.geom) as x1, ST_YMax(u.geom) as y1
    from unit_grid u,
      generate_series(floor(ST_XMin(u.geom) / ${z})::int, floor(ST_XMax(u.geom) / ${z})::int) tx,
      generate_series(floor(ST_YMin(u.geom) / ${z})::int, floor(ST_YMax(u.geom) / ${z})::int) ty
    where u.termination_date is null`.execute(stage.db);
  await sql`analyze ${t.tiles}`.execute(stage.db);
  return size;
}

/**
 * Turns the staged rows of `segment` (PostgreSQL: a child table, while the next one is read; then dropped) or of
 * the whole stage (the embedded database: in slices) into final rows (TABLE_f, and narrowed, TABLE_r).
 */
export async function finishRows(
  stage: CensusStage,
  tileSize: number,
  segment?: { table: string; from: number; to: number },
): Promise<void> {
  const t = stageTables(stage);
  const z = sql.lit(tileSize || 1);
  const at = sql`case when s.point then ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) else ST_PointOnSurface(s.geom) end`;
  // The position's coordinates: a point's lon/lat, without making its geometry.
  const x = sql`case when s.point then s.lon else ST_X(ST_PointOnSurface(s.geom)) end`;
  const y = sql`case when s.point then s.lat else ST_Y(ST_PointOnSurface(s.geom)) end`;
  const finish = (source: string, from: number, to: number) => sql`
    with f as (insert into ${t.rows} (idx, wn, code, category_code, name, owner_code, owner_name, title_code, title_name,
      maintainer_code, maintainer_name, given_grid_code, status, initial_date, change_date, data_source, note,
      accuracy, photos, extras, geom, point, lon, lat, near, twin, grid_code, community_code, street_code,
      district_code)
    select x.idx, x.wn, x.code, x.cls, x.name, x.owner_code, x.owner_name, x.title_code, x.title_name,
      x.maintainer_code, x.maintainer_name, nullif(x.given_grid_code, x.grid_code), x.status, x.initial_date::date,
      x.change_date::date, x.data_source, x.note, x.accuracy, coalesce(x.photos::jsonb, '[]'::jsonb),
      coalesce(x.extras::jsonb, '{}'::jsonb),
      case when x.point then ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326) else x.geom end, x.point, x.lon, x.lat,
      x.near, x.twin, x.grid_code, x.community_code, x.street_code, x.district_code
    from (
      select distinct on (s.idx) s.*, g.code as grid_code, g.community_code, g.street_code,
        coalesce(g.district_code, (select r.code from region r where g.code is null and r.level = 'district'
          and r.termination_date is null and ST_Covers(r.geom, ${at}) order by r.code limit 1)) as district_code
      from ${sql.table(source)} s
      left join ${t.tiles} g on g.tx = floor(${x} / ${z})::int and g.ty = floor(${y} / ${z})::int
        and ${x} between g.x0 and g.x1 and ${y} between g.y0 and g.y1 and ST_Covers(g.geom, ${at})
      where s.idx >= ${from} and s.idx < ${to}
      order by s.idx, g.code) x
    returning idx, wn, code, category_code, lon, lat, point, near, twin, grid_code, district_code)
    insert into ${t.narrow} select * from f`;
  if (segment) {
    await stage.db.transaction().execute(async (trx) => {
      // One pass: a hash join on the tile (not a nested loop over a fresh, unanalysed segment), no JIT.
      await sql`set local jit = off`.execute(trx);
      await sql`set local enable_nestloop = off`.execute(trx);
      await sql`set local enable_mergejoin = off`.execute(trx);
      await sql`set local work_mem = '64MB'`.execute(trx);
      await finish(segment.table, segment.from, segment.to).execute(trx);
    });
    await sql`drop table ${sql.table(segment.table)}`.execute(stage.db);
    return;
  }
  for (let from = 0; from < stage.size; from += SLICE)
    await step(() => finish(stage.table, from, from + SLICE).execute(stage.db));
}
