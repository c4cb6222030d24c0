/**
 * The SQL of the hot spot analysis: the live units of a level, case counts per unit (and per time step), and the
 * neighbour pairs of the weights. Everything else — the statistics — is in the pure modules beside this one.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import { categoryConditions } from '../cases/queries.js';
import { badRequest } from '../http/problem.js';

export type Level = 'grid' | 'community';

/** The table, its live-row condition and the case column of each level. */
const LEVEL = {
  grid: {
    from: sql`unit_grid u`,
    live: sql`u.termination_date is null`,
    caseColumn: sql.ref('c.grid_code'),
    layer: 'grids',
  },
  community: {
    from: sql`region u`,
    live: sql`u.termination_date is null and u.level = 'community'`,
    caseColumn: sql.ref('c.community_code'),
    layer: 'communities',
  },
} as const;

/** The tile-layer version of the level's units: every write to grids or regions bumps it (server/db/write.ts). */
export async function layerVersion(db: Kysely<DB>, level: Level): Promise<number> {
  const r = await sql<{ version: string | number }>`
    select version from tile_layer_version where layer = ${LEVEL[level].layer}`.execute(db);
  return Number(r.rows[0]?.version ?? 0);
}

/** Every live unit of the level, by code. */
export async function liveUnits(db: Kysely<DB>, level: Level): Promise<{ code: string; name: string }[]> {
  const l = LEVEL[level];
  return (
    await sql<{ code: string; name: string }>`
      select u.code::text as code, u.name from ${l.from} where ${l.live} order by u.code::text`.execute(db)
  ).rows;
}

/** The GeoJSON geometry (7 decimals) of each live unit whose code starts with `scope`. */
export async function unitGeometries(db: Kysely<DB>, level: Level, scope: string): Promise<Map<string, string>> {
  const l = LEVEL[level];
  const r = await sql<{ code: string; geometry: string }>`
    select u.code::text as code, ST_AsGeoJSON(u.geom, 7) as geometry from ${l.from}
    where ${l.live} and starts_with(u.code::text, ${scope})`.execute(db);
  return new Map(r.rows.map((row) => [row.code, row.geometry]));
}

/** The cases of one unit code: n[k] cases in step t[k] (t = [0] for a single period). */
export interface CaseCount {
  code: string;
  t: number[];
  n: number[];
}

export interface CountFilter {
  /** Instants that cut the period: [bounds[0], bounds[1]) is step 0 …; two bounds for a single period. */
  bounds: Date[];
  category?: { kind: string; pattern: string };
}

/**
 * Cases reported in the period, not voided, located inside the coverage, counted per unit of the level (and per
 * step). A case counts in the unit it was assigned to when that unit is still live (`live(code)`); a case whose unit
 * has since been retired (a grid split, merged or renumbered) counts in the live unit that covers its position now
 * (the lowest code on a shared boundary). The conditions are those of the partial index case_record_analysis
 * (migrations/0011_analysis.sql): an index-only scan of the period.
 */
export async function countCases(
  db: Kysely<DB>,
  level: Level,
  f: CountFilter,
  live: (code: string) => boolean,
): Promise<CaseCount[]> {
  const l = LEVEL[level];
  const bounds = f.bounds.map((b) => b.toISOString());
  const where: RawBuilder<unknown>[] = [
    sql`c.reported_at >= ${bounds[0]}::timestamptz`,
    sql`c.reported_at < ${bounds[bounds.length - 1]}::timestamptz`,
    sql`c.state <> 'voided'`,
    sql`not c.outside_coverage`,
    sql`not c.needs_location`,
    sql`${l.caseColumn} is not null`,
    ...(f.category ? categoryConditions(f.category) : []),
  ];
  const cond = sql.join(where, sql` and `);
  const steps = bounds.length > 2;
  const step = sql`(width_bucket(c.reported_at, ${bounds}::timestamptz[]) - 1)::int`;
  const rows = steps
    ? (
        await sql<CaseCount>`
          select code, array_agg(t) as t, array_agg(n) as n
          from (select ${l.caseColumn}::text as code, ${step} as t, count(*)::int as n
                from case_record c where ${cond} group by 1, 2) k
          group by code`.execute(db)
      ).rows
    : (
        await sql<{ code: string; n: number }>`
          select ${l.caseColumn}::text as code, count(*)::int as n from case_record c where ${cond} group by 1`.execute(
          db,
        )
      ).rows.map((r) => ({ code: r.code, t: [0], n: [r.n] }));
  const stale = rows.filter((r) => !live(r.code)).map((r) => r.code);
  if (stale.length === 0) return rows;
  const moved = await sql<{ code: string; t: number; n: number }>`
    select u.code, ${steps ? step : sql`0`} as t, count(*)::int as n
    from case_record c
    join lateral (select u.code::text as code from ${l.from} where ${l.live} and ST_Intersects(u.geom, c.geom)
                  order by u.code limit 1) u on true
    where ${cond} and ${l.caseColumn}::text = any(${stale}::text[])
    group by 1, 2`.execute(db);
  return rows.filter((r) => live(r.code)).concat(moved.rows.map((r) => ({ code: r.code, t: [r.t], n: [r.n] })));
}

/** Most neighbour pairs a weights matrix may hold (each pair is two entries of 4 bytes in the lists). */
export const MAX_PAIRS = 5_000_000;

export type Weights = { kind: 'contiguity' } | { kind: 'distance'; distanceM: number };

/** WGS84: semi-major axis and first eccentricity squared. */
const A = sql.raw('6378137.0');
const E2 = sql.raw('0.00669437999014');

/**
 * The neighbour pairs (i, j), i < j, of the live units as indexes into their order by code:
 * - contiguity: queen — the closed polygons share at least one point (ST_Intersects, through the units' GiST index);
 * - distance: the centroids (ST_Centroid) lie at most `distanceM` metres apart on the WGS84 spheroid (ST_DWithin on
 *   geography). Candidates come from a hash join of cells a little wider than the distance (each centroid against
 *   the 3 × 3 cells around its own); the local flat distance — degree differences times the metres per degree east
 *   (N cos φ) and north (M), averaged over both ends: off by less than 0.03 % up to 100 km — decides at once below
 *   99.5 % of the distance and above 100.5 %; between, ST_DWithin on the spheroid decides.
 * More than MAX_PAIRS pairs is a 400.
 */
export async function neighbourPairs(db: Kysely<DB>, level: Level, w: Weights): Promise<{ a: number[]; b: number[] }> {
  const l = LEVEL[level];
  let r: { a: number[] | null; b: number[] | null; n: number };
  if (w.kind === 'contiguity') {
    const b = level === 'grid' ? sql`unit_grid b` : sql`region b`;
    const bLive =
      level === 'grid' ? sql`b.termination_date is null` : sql`b.termination_date is null and b.level = 'community'`;
    r = (
      await sql<typeof r>`
        with idx as (select u.id, (row_number() over (order by u.code::text) - 1)::int as i from ${l.from}
                     where ${l.live}),
        pairs as (select u.id as ua, b.id as ub from ${l.from}
                  join ${b} on b.id > u.id and ${bLive} and ST_Intersects(u.geom, b.geom)
                  where ${l.live} limit ${MAX_PAIRS + 1})
        select array_agg(ia.i) as a, array_agg(ib.i) as b, count(*)::int as n
        from pairs p join idx ia on ia.id = p.ua join idx ib on ib.id = p.ub`.execute(db)
    ).rows[0];
  } else {
    const d = w.distanceM;
    r = (
      await sql<typeof r>`
        with c0 as (
          select (row_number() over (order by u.code::text) - 1)::int as i, ST_Centroid(u.geom) as p
          from ${l.from} where ${l.live}),
        c1 as (
          select i, p::geography as g, ST_X(p) as x, ST_Y(p) as y,
                 pi() / 180 * ${A} * cos(radians(ST_Y(p))) / sqrt(1 - ${E2} * sin(radians(ST_Y(p))) ^ 2) as kx,
                 pi() / 180 * ${A} * (1 - ${E2}) / (1 - ${E2} * sin(radians(ST_Y(p))) ^ 2) ^ 1.5 as ky
          from c0),
        cell as (select 1.01 * ${d}::float8 / min(kx) as w, 1.01 * ${d}::float8 / min(ky) as h from c1),
        c as materialized (
          select c1.*, floor(x / cell.w)::bigint as cx, floor(y / cell.h)::bigint as cy from c1, cell),
        pairs as (
          select a.i as a, b.i as b from c a
          cross join (values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)) o (dx, dy)
          join c b on b.cx = a.cx + o.dx and b.cy = a.cy + o.dy
          cross join lateral (select ((b.x - a.x) * (a.kx + b.kx) / 2) ^ 2 + ((b.y - a.y) * (a.ky + b.ky) / 2) ^ 2 as d2) q
          where b.i > a.i
            and (q.d2 <= (${d}::float8 * 0.995) ^ 2
                 or (q.d2 <= (${d}::float8 * 1.005) ^ 2 and ST_DWithin(a.g, b.g, ${d})))
          limit ${MAX_PAIRS + 1})
        select array_agg(a) as a, array_agg(b) as b, count(*)::int as n from pairs`.execute(db)
    ).rows[0];
  }
  if (r.n > MAX_PAIRS) {
    throw badRequest(
      `distance_m=${w.kind === 'distance' ? w.distanceM : ''} gives more than ${MAX_PAIRS.toLocaleString('en-US')} pairs ` +
        'of neighbours: choose a smaller distance (ArcGIS advises a few to a few dozen neighbours per unit)',
    );
  }
  return { a: r.a ?? [], b: r.b ?? [] };
}
