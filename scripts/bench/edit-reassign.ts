/**
 * bench:edit, part "reassign": the re-assignment of the open cases after a change of N unit grids, against the anchor
 * — a hand-written PostGIS spatial join of the same cases' points to their lowest-code covering grid.
 *
 * 1. --cases open cases at random points of the city (set-based, a benchmark fixture), placed once by
 *    reassignOpenCases() (untimed) so that they start as intake leaves them: placed with the current library.
 * 2. changeGrids(): N grids change — half of them split in two by a north–south line through their centre
 *    (ST_Split; new codes after the community's highest), the other half merged in pairs of adjacent grids of one
 *    community (the lower code survives with the union) — by SQL, ending the old rows and starting new ones, and
 *    the library version is bumped, as publishing does. When the draft/publish API is the way to change grids,
 *    this is the one function to replace.
 * 3. The anchor, then reassignOpenCases() (timed, with its steps), and the grids it chose checked against the anchor.
 */
import { sql, type Kysely } from 'kysely';
import { reassignOpenCases, type ReassignResult } from '../../server/assign/reassign.js';
import type { Database } from '../../server/db/index.js';
import type { DB } from '../../server/db/schema.js';
import { printTable, secs } from './harness.js';

export interface GridChange {
  split: number;
  /** Grids merged away (pairs). */
  merged: number;
  /** Codes whose area changed (the split and merged grids). */
  codes: string[];
}

/** Changes `n` live grids (n/2 split, n/2 merged in pairs) in one transaction; bumps the library version. */
export async function changeGrids(db: Kysely<DB>, n: number, seed = 20261203): Promise<GridChange> {
  const nSplit = Math.floor(n / 2);
  const nPairs = Math.floor((n - nSplit) / 2);
  return db.transaction().execute(async (trx) => {
    await sql`set local statement_timeout = 0`.execute(trx);
    // Candidates in a seeded order; the first nSplit are split, pairs are found among the rest.
    const order = (
      await sql<{ code: string }>`select code from unit_grid where termination_date is null
        order by md5(code || ${String(seed)})`.execute(trx)
    ).rows.map((r) => r.code.trim());
    const split = order.slice(0, nSplit);
    const taken = new Set(split);
    const pairs: [string, string][] = [];
    for (let i = nSplit; i < order.length && pairs.length < nPairs; i += 200) {
      const batch = order.slice(i, i + 200).filter((c) => !taken.has(c));
      const found = await sql<{ a: string; b: string }>`
        select g.code as a, x.code as b from unit_grid g
        cross join lateral (
          select n.code from unit_grid n
          where n.termination_date is null and n.community_code = g.community_code and n.code <> g.code
            and n.geom && g.geom and ST_Length(ST_Intersection(ST_Boundary(n.geom), ST_Boundary(g.geom))) > 0
          order by n.code limit 1) x
        where g.termination_date is null and g.code = any(${batch}::text[])`.execute(trx);
      for (const { a, b } of found.rows.map((r) => ({ a: r.a.trim(), b: r.b.trim() }))) {
        if (pairs.length >= nPairs || taken.has(a) || taken.has(b)) continue;
        taken.add(a).add(b);
        pairs.push(a < b ? [a, b] : [b, a]);
      }
    }
    const today = sql`current_date`;
    // Splits: each part gets a new serial after the highest the community ever had (live or ended).
    await sql`create temp table bench_split on commit drop as
      select g.id, g.code, g.name, g.community_code, g.street_code, g.district_code, p.path[1] as part,
             ST_Multi(p.geom) as geom
      from unit_grid g
      cross join lateral ST_Dump(ST_Split(ST_GeometryN(g.geom, 1), ST_SetSRID(ST_MakeLine(
        ST_MakePoint(ST_X(ST_Centroid(g.geom)), ST_YMin(g.geom) - 0.0001),
        ST_MakePoint(ST_X(ST_Centroid(g.geom)), ST_YMax(g.geom) + 0.0001)), 4326))) p
      where g.termination_date is null and g.code = any(${split}::text[])`.execute(trx);
    await sql`update unit_grid set termination_date = ${today}, updated_at = now()
      where termination_date is null and code in (select code from bench_split)`.execute(trx);
    await sql`insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2, initial_date)
      select s.community_code || lpad((h.top + row_number() over (partition by s.community_code order by s.code, s.part))::text, 3, '0'),
             s.name || '-' || s.part, s.community_code, s.street_code, s.district_code, s.geom,
             ST_Area(s.geom::geography), ${today}
      from bench_split s
      join (select community_code, max(right(code, 3)::int) as top from unit_grid group by community_code) h
        on h.community_code = s.community_code`.execute(trx);
    // Merges: the lower code survives (a new row, version + 1) with the union; the other code ends.
    const lows = pairs.map((p) => p[0]),
      highs = pairs.map((p) => p[1]);
    await sql`create temp table bench_merge on commit drop as
      select a.code, a.name, a.community_code, a.street_code, a.district_code, a.version,
             ST_Multi(ST_Union(a.geom, b.geom)) as geom
      from unnest(${lows}::text[], ${highs}::text[]) as p (lo, hi)
      join unit_grid a on a.code = p.lo and a.termination_date is null
      join unit_grid b on b.code = p.hi and b.termination_date is null`.execute(trx);
    await sql`update unit_grid set termination_date = ${today}, updated_at = now()
      where termination_date is null and code = any(${[...lows, ...highs]}::text[])`.execute(trx);
    await sql`insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2,
        initial_date, version)
      select code, name, community_code, street_code, district_code, geom, ST_Area(geom::geography), ${today},
             version + 1
      from bench_merge`.execute(trx);
    await sql`update assignment_version set version = version + 1, updated_at = now() where id = 1`.execute(trx);
    return { split: split.length, merged: pairs.length * 2, codes: [...split, ...lows, ...highs] };
  });
}

export interface ReassignPart {
  cases: number;
  change: GridChange;
  anchorMs: number;
  reassignMs: number;
  result: ReassignResult;
  steps: Record<string, number>;
  /** Cases inside a changed grid (before or after). */
  affected: number;
  /** Cases whose grid differs from the anchor's lowest covering grid (must be 0). */
  differ: number;
}

/** Runs the part on a loaded city with a library; prints its table. */
export async function benchEditReassign(
  database: Database,
  opts: { cases: number; grids: number; log: (m: string) => void },
): Promise<ReassignPart> {
  const { db } = database;
  opts.log(`inserting ${opts.cases} open cases at random points (set-based), placing them (untimed)`);
  await database.exec(`
    select setseed(0.20261203);
    drop table if exists bench_edit_box;
    create temp table bench_edit_box as
      select row_number() over (order by code)::int as k, ST_XMin(geom) as x0, ST_YMin(geom) as y0,
             ST_XMax(geom) as x1, ST_YMax(geom) as y1
      from unit_grid where termination_date is null;
    update case_record set state = 'closed', closed_at = now() where closed_at is null;
    insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
        input_crs, input_lon, input_lat, reported_at, state, area_class, assignment, assignment_version, updated_at)
      select 2000000000 + n, 'BENCH-EDIT-' || n, 'collector', 'matter', cat, 'bench', x, y,
             ST_SetSRID(ST_MakePoint(x, y), 4326), 'wgs84', x, y, now(), st, 'C', '{}'::jsonb, 0, now()
      from (select s.n, b.x0 + s.rx * (b.x1 - b.x0) as x, b.y0 + s.ry * (b.y1 - b.y0) as y,
                   (array['06010','09006','07001','09009','06036','09005','06012','06017'])[1 + floor(s.rc * 8)::int] as cat,
                   (array['reported','reported','filed','dispatched','dispatched','dispatched','disposed'])[1 + floor(s.rs * 7)::int] as st
            from (select n, 1 + floor(random() * (select count(*) from bench_edit_box))::int as k,
                         random() as rx, random() as ry, random() as rc, random() as rs
                  from generate_series(1, ${opts.cases}) n) s
            join bench_edit_box b on b.k = s.k) q;`);
  await reassignOpenCases(db, { timeoutMs: 0 });
  await sql`vacuum analyze case_record`.execute(db);

  opts.log(`changing ${opts.grids} grids by SQL (changeGrids)`);
  const change = await changeGrids(db, opts.grids);
  await sql`vacuum analyze unit_grid`.execute(db);
  const affected = Number(
    (
      await sql<{ n: number }>`select count(*)::int as n from case_record
        where closed_at is null and grid_code = any(${change.codes}::text[])`.execute(db)
    ).rows[0].n,
  );

  opts.log('anchor: hand-written spatial join of the open cases');
  await sql`drop table if exists bench_edit_anchor`.execute(db);
  let t0 = performance.now();
  await sql`create table bench_edit_anchor as
    select distinct on (c.id) c.id, g.code from case_record c
    join unit_grid g on g.termination_date is null and ST_Intersects(g.geom, c.geom)
    where c.closed_at is null and c.state <> 'voided'
    order by c.id, g.code`.execute(db);
  const anchorMs = performance.now() - t0;
  opts.log(`anchor ${secs(anchorMs)} s; reassignOpenCases()`);
  const steps: Record<string, number> = {};
  t0 = performance.now();
  const result = await reassignOpenCases(db, {
    timeoutMs: 0,
    onStep: (s, ms) => {
      steps[s] = (steps[s] ?? 0) + ms;
    },
  });
  const reassignMs = performance.now() - t0;
  const differ = Number(
    (
      await sql<{ n: number }>`select count(*)::int as n from bench_edit_anchor a
        join case_record c on c.id = a.id where c.grid_code is distinct from a.code`.execute(db)
    ).rows[0].n,
  );
  await sql`drop table bench_edit_anchor`.execute(db);

  const n = result.examined;
  printTable(
    ['re-assignment after a change of grids', 'open cases', 'seconds', 'rows/s', 'vs anchor'],
    [
      [
        'hand-written spatial join, lowest covering grid (anchor)',
        opts.cases.toLocaleString('en-US'),
        secs(anchorMs),
        Math.round(opts.cases / (anchorMs / 1000)).toLocaleString('en-US'),
        '1×',
      ],
      [
        'reassignOpenCases() (grid, area class, collector area, rules, fallback, write-back, events)',
        n.toLocaleString('en-US'),
        secs(reassignMs),
        Math.round(n / (reassignMs / 1000)).toLocaleString('en-US'),
        `${(reassignMs / anchorMs).toFixed(1)}× the time`,
      ],
    ],
  );
  console.log(
    `\nchange: ${change.split} grids split in two, ${change.merged} merged in pairs; ${affected.toLocaleString('en-US')} ` +
      `open cases were in them; re-assignment changed ${result.changed.toLocaleString('en-US')} cases ` +
      `(department moved on ${result.department_changed}, proposed for ${result.proposed}); grids differing from the ` +
      `anchor: ${differ}; steps (ms): ${Object.entries(steps)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}`,
  );
  return { cases: opts.cases, change, anchorMs, reassignMs, result, steps, affected, differ };
}
