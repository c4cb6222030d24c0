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
import { step as step_ } from '../importexport/stage.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
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

export interface SegmentStep {
  tileSize: number;
  /**
   * 'stage': the rows go to TABLE_f; 'component': straight into `component` (a first census written as it is read,
   * inside the publishing transaction), code-less rows with codes given now (TABLE_h, TABLE_c).
   */
  into: 'stage' | 'component';
}

/** The component columns the census writes (component column ← expression over staged s and narrow r). */
export const WRITTEN = `category_code, name, owner_code, owner_name, title_code, title_name, maintainer_code,
  maintainer_name, given_grid_code, status, initial_date, change_date, data_source, note, accuracy, photos, extras,
  geom, grid_code, community_code, street_code, district_code`;
const WRITTEN_FROM = sql.raw(`s.cls::char(5), s.name, s.owner_code, s.owner_name, s.title_code, s.title_name,
  s.maintainer_code, s.maintainer_name, nullif(s.given_grid_code, r.grid_code), s.status, s.initial_date::date,
  s.change_date::date, s.data_source, s.note, s.accuracy, coalesce(s.photos::jsonb, '[]'::jsonb),
  coalesce(s.extras::jsonb, '{}'::jsonb),
  case when s.point then ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) else s.geom end,
  r.grid_code, r.community_code, r.street_code, r.district_code`);

/**
 * The segment step, on the staged rows of `segment` (PostgreSQL: a child table, while the next one is read; then
 * dropped) or of the whole stage (the embedded database: in slices):
 * 1. narrow rows (TABLE_r) with the derived regions — and, written into `component`, the code-less rows' codes: h0 +
 *    the code-less rows of the district and class before it (counted in TABLE_c), as long as that serial exists;
 *    otherwise a placeholder that the import refuses or replaces before it commits;
 * 2. the wide rows, typed, into TABLE_f or `component`.
 * For a segment, `part` says which (segmentPipeline runs both); for the whole stage (in slices) both run.
 * `on` is the connection to run on (the publishing transaction for the wide part written into `component`).
 */
export async function segmentStep(
  stage: CensusStage,
  on: Kysely<DB>,
  step: SegmentStep,
  segment?: { table: string; from: number; to: number },
  part: 'narrow' | 'wide' = 'narrow',
): Promise<void> {
  const t = stageTables(stage);
  const z = sql.lit(step.tileSize || 1);
  const at = sql`case when s.point then ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) else ST_PointOnSurface(s.geom) end`;
  // The position's coordinates: a point's lon/lat, without making its geometry.
  const x = sql`case when s.point then s.lon else ST_X(ST_PointOnSurface(s.geom)) end`;
  const y = sql`case when s.point then s.lat else ST_Y(ST_PointOnSurface(s.geom)) end`;
  const codes = step.into === 'component';
  // Serials only for the code-less rows (a sort of few narrow rows, not of the segment).
  const serials = codes
    ? sql`select x.idx, coalesce(h.h0, 0) + coalesce(c.n, 0)
          + row_number() over (partition by x.district_code, x.cls order by x.idx) as serial
        from x left join ${t.highest} h on h.d = x.district_code and h.c = x.cls
          left join ${t.counts} c on c.d = x.district_code and c.c = x.cls
        where x.code is null and x.district_code is not null`
    : sql`select null::int as idx, null::int as serial where false`;
  const narrow = (source: string, target: string, from: number, to: number) => sql`
    with x as materialized (
      select distinct on (s.idx) s.idx, s.wn, s.code, s.cls::char(5) as cls, s.lon, s.lat, s.point,
        case when s.point then null else s.geom end as geom, s.near, s.twin, s.given_grid_code,
        g.code as grid_code, g.community_code, g.street_code,
        coalesce(g.district_code, (select r.code from region r where g.code is null and r.level = 'district'
          and r.termination_date is null and ST_Covers(r.geom, ${at}) order by r.code limit 1)) as district_code
      from ${sql.table(source)} s
      left join ${t.tiles} g on g.tx = floor(${x} / ${z})::int and g.ty = floor(${y} / ${z})::int
        and ${x} between g.x0 and g.x1 and ${y} between g.y0 and g.y1 and ST_Covers(g.geom, ${at})
      where s.idx >= ${from} and s.idx < ${to}
      order by s.idx, g.code),
    q as (${serials})
    insert into ${sql.table(target)} (idx, wn, code, cls, lon, lat, point, geom, near, twin, given_grid_code,
      grid_code, community_code, street_code, district_code, serial, new_code)
    select x.idx, x.wn, x.code, x.cls, x.lon, x.lat, x.point, x.geom, x.near, x.twin,
      nullif(x.given_grid_code, x.grid_code), x.grid_code, x.community_code, x.street_code, x.district_code, q.serial,
      ${
        codes
          ? sql`case when x.code is null then
              case when q.serial <= 999999 then x.district_code || x.cls || lpad(q.serial::text, 6, '0')
              else '1' || lpad(x.idx::text, 15, '0') end end`
          : sql`null`
      }
    from x left join q on q.idx = x.idx`;
  const counted = (target: string, from: number, to: number) => sql`
    insert into ${t.counts} (d, c, n)
    select district_code, cls, count(*) from ${sql.table(target)}
    where serial is not null and idx >= ${from} and idx < ${to} group by 1, 2
    on conflict (d, c) do update set n = ${t.counts}.n + excluded.n`;
  const range = (source: string, narrowed: string, from: number, to: number) =>
    sql`${sql.table(source)} s join ${sql.table(narrowed)} r on r.idx = s.idx
      where s.idx >= ${from} and s.idx < ${to} and r.idx >= ${from} and r.idx < ${to}`;
  const wide = (source: string, narrowed: string, from: number, to: number) =>
    codes
      ? // Code-less rows apart, remembering where each was written (its code may yet be replaced).
        sql`with given as (insert into component (code, ${sql.raw(WRITTEN)})
            select s.code, ${WRITTEN_FROM} from ${range(source, narrowed, from, to)} and s.code is not null),
          codeless as (insert into component (code, ${sql.raw(WRITTEN)})
            select r.new_code, ${WRITTEN_FROM} from ${range(source, narrowed, from, to)} and s.code is null
            returning ctid, code)
          insert into ${t.written} (at, code) select ctid, code from codeless`
      : sql`insert into ${t.rows} (idx, code, point, ${sql.raw(WRITTEN)})
          select s.idx, s.code, s.point, ${WRITTEN_FROM}
          from ${sql.table(source)} s join ${sql.table(narrowed)} r on r.idx = s.idx
          where s.idx >= ${from} and s.idx < ${to} and r.idx >= ${from} and r.idx < ${to}`;
  if (segment) {
    const narrowed = `${stage.table}_r${segment.table.slice(stage.table.length + 1)}`;
    // Hash joins (not nested loops over a fresh, unanalysed segment), no JIT: settings of a transaction of its own,
    // or those the publishing transaction has already.
    const inTransaction = (work: (trx: Kysely<DB>) => Promise<void>) =>
      on.isTransaction
        ? work(on)
        : on.transaction().execute(async (trx) => {
            for (const setting of ['jit = off', 'enable_nestloop = off', 'enable_mergejoin = off', "work_mem = '64MB'"])
              await sql.raw(`set local ${setting}`).execute(trx);
            await work(trx);
          });
    if (part === 'narrow')
      await inTransaction(async (trx) => {
        await sql`create unlogged table ${sql.table(narrowed)} () inherits (${t.narrow})`.execute(trx);
        await narrow(segment.table, narrowed, segment.from, segment.to).execute(trx);
        if (codes) await counted(narrowed, segment.from, segment.to).execute(trx);
      });
    else
      await inTransaction(async (trx) => {
        await wide(segment.table, narrowed, segment.from, segment.to).execute(trx);
        await sql`drop table ${sql.table(segment.table)}`.execute(trx);
      });
    return;
  }
  if (part === 'wide') return;
  for (let from = 0; from < stage.size; from += SLICE)
    await step_(async () => {
      await narrow(stage.table, stage.table + '_r', from, from + SLICE).execute(on);
      if (codes) await counted(stage.table + '_r', from, from + SLICE).execute(on);
      await wide(stage.table, stage.table + '_r', from, from + SLICE).execute(on);
    });
}

/**
 * The segment step of each loaded segment as a pipeline: the narrow part of a segment (on a connection of its own)
 * while the wide part of the one before is written (on `on`: the publishing transaction when writing into
 * `component`). Returns the function to call for each loaded segment.
 */
export function segmentPipeline(
  stage: CensusStage,
  on: Kysely<DB>,
  step: SegmentStep,
): (segment: { table: string; from: number; to: number }) => Promise<void> {
  let narrowed: Promise<void> = Promise.resolve();
  let written: Promise<void> = Promise.resolve();
  let broken = false; // after a failure nothing more runs
  const run = (work: () => Promise<void>) => async () => {
    if (broken) return;
    try {
      await work();
    } catch (e) {
      broken = true;
      throw e;
    }
  };
  return (segment) => {
    const a = narrowed.then(run(() => segmentStep(stage, stage.db, step, segment, 'narrow')));
    narrowed = a.catch(() => undefined);
    const b = Promise.all([a, written]).then(run(() => segmentStep(stage, on, step, segment, 'wide')));
    written = b.catch(() => undefined);
    return b;
  };
}

/** The highest stored serial per district and 5-digit class, for codes given as the file is read. */
export async function storeHighest(stage: CensusStage, db: Kysely<DB>, highest: Map<string, number>): Promise<void> {
  const keys = [...highest.keys()];
  if (!keys.length) return;
  await sql`insert into ${stageTables(stage).highest} (d, c, h0)
    select * from unnest(${keys.map((k) => k.slice(0, 6))}::text[], ${keys.map((k) => k.slice(6))}::text[],
      ${keys.map((k) => highest.get(k)!)}::int[])`.execute(db);
}
