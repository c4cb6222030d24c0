/**
 * bench:edit, part "edit": the latency of one split, one merge and one shared-vertex move with all their checks
 * (directEdit(): the advisory lock, the draft step, validity, the coverage of every community and street touched,
 * publishing with history, component regions and references — the re-assignment of open cases after it is timed
 * by the "reassign" part), on grids picked at random in the loaded city, one at a time. Anchor: the raw PostGIS
 * geometry operation of the same edit on the same grids (ST_Split, ST_Union, and the ST_SetPoint-free vertex move:
 * reading the grids through the vertex), so the ratio shows what the checks and the write path cost.
 */
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { directEdit } from '../../server/gridedit/edit.js';
import { mulberry32 as rng } from '../../server/demo/prng.js';
import { f1, f2, measure, printTable, type Run } from './harness.js';

interface Picked {
  code: string;
  /** split: a north–south line through the grid's centre, beyond its box. */
  line: { type: 'LineString'; coordinates: [number, number][] };
  /** merge: an adjacent grid of the same community. */
  neighbour: string | null;
  /** reshape: a vertex of the grid shared with a neighbour, and where it goes (0.5 m towards the centre). */
  vertex: [number, number];
  to: [number, number];
}

async function pick(database: Database, n: number, seed: number): Promise<Picked[]> {
  const rows = await sql<{
    code: string;
    xmin: number;
    xmax: number;
    ymin: number;
    ymax: number;
    cx: number;
    cy: number;
  }>`
    select code, ST_XMin(geom) xmin, ST_XMax(geom) xmax, ST_YMin(geom) ymin, ST_YMax(geom) ymax,
      ST_X(ST_Centroid(geom)) cx, ST_Y(ST_Centroid(geom)) cy
    from unit_grid where termination_date is null order by code`.execute(database.db);
  const r = rng(seed);
  const out: Picked[] = [];
  const used = new Set<string>();
  while (out.length < n && used.size < rows.rows.length) {
    const g = rows.rows[Math.floor(r() * rows.rows.length)];
    if (used.has(g.code)) continue;
    used.add(g.code);
    const nb = await sql<{ code: string; vx: number; vy: number }>`
      with g as (select geom from unit_grid where code = ${g.code} and termination_date is null)
      select n.code, ST_X(ST_StartPoint(ST_GeometryN(ST_LineMerge(ST_Intersection(ST_Boundary(g.geom), ST_Boundary(n.geom))), 1))) vx,
             ST_Y(ST_StartPoint(ST_GeometryN(ST_LineMerge(ST_Intersection(ST_Boundary(g.geom), ST_Boundary(n.geom))), 1))) vy
      from g, unit_grid n
      where n.termination_date is null and n.code <> ${g.code} and left(n.code, 12) = left(${g.code}, 12)
        and n.geom && g.geom and ST_Length(ST_Intersection(ST_Boundary(g.geom), ST_Boundary(n.geom))) > 0
      order by n.code limit 1`.execute(database.db);
    const v = nb.rows[0];
    if (!v || v.vx === null) continue;
    used.add(v.code);
    const k = 0.5 / 111_320 / Math.hypot(g.cx - v.vx, g.cy - v.vy);
    out.push({
      code: g.code,
      line: {
        type: 'LineString',
        coordinates: [
          [g.cx, g.ymin - 0.0001],
          [g.cx, g.ymax + 0.0001],
        ],
      },
      neighbour: v.code,
      vertex: [v.vx, v.vy],
      to: [v.vx + (g.cx - v.vx) * k, v.vy + (g.cy - v.vy) * k],
    });
  }
  return out;
}

/** Runs the part on a loaded city and prints its table. */
export async function benchEditOps(database: Database, opts: { n: number; seed?: number; log: (m: string) => void }) {
  const db = database.db;
  const editor = (await createUser(db, `bench-editor-${Date.now()}`, 'gis_editor')).user;
  const all = await pick(database, opts.n * 3, opts.seed ?? 9);
  if (all.length < opts.n * 3) throw new Error(`bench:edit: only ${all.length} grids with a neighbour were found`);
  const [forSplit, forMerge, forMove] = [all.slice(0, opts.n), all.slice(opts.n, 2 * opts.n), all.slice(2 * opts.n)];
  const rows: string[][] = [];
  const row = (what: string, anchor: Run, run: Run, failed: number) =>
    rows.push([
      what,
      String(run.n),
      `${f2(anchor.p50)} / ${f2(anchor.p99)}`,
      `${f1(run.p50)} / ${f1(run.p99)}`,
      `${f1(run.p99 / Math.max(anchor.p99, 1e-3))}×`,
      String(failed),
    ]);
  let failed = 0;
  const tryEdit = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      failed++;
      opts.log(`edit refused: ${(e as Error).message.slice(0, 200)}`);
    }
  };

  opts.log(`split × ${forSplit.length}`);
  const splitAnchor = await measure(forSplit, 1, (p) =>
    sql`select ST_Split(geom, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(p.line)}), 4326)) from unit_grid
      where code = ${p.code} and termination_date is null`.execute(db),
  );
  failed = 0;
  const split = await measure(forSplit, 1, (p) =>
    tryEdit(() => directEdit(db, editor, { op: 'split', code: p.code, line: p.line }, undefined)),
  );
  row('split a grid by a line', splitAnchor, split, failed);

  opts.log(`merge × ${forMerge.length}`);
  const mergeAnchor = await measure(forMerge, 1, (p) =>
    sql`select ST_Union(geom) from unit_grid where code in (${p.code}, ${p.neighbour}) and termination_date is null`.execute(
      db,
    ),
  );
  failed = 0;
  const merge = await measure(forMerge, 1, (p) =>
    tryEdit(() =>
      directEdit(
        db,
        editor,
        {
          op: 'merge',
          code: p.code < p.neighbour! ? p.code : p.neighbour!,
          with: [p.code < p.neighbour! ? p.neighbour! : p.code],
        },
        undefined,
      ),
    ),
  );
  row('merge two adjacent grids', mergeAnchor, merge, failed);

  opts.log(`vertex move × ${forMove.length}`);
  const moveAnchor = await measure(forMove, 1, (p) =>
    sql`select code, geom from unit_grid where termination_date is null
      and ST_DWithin(geom, ST_SetSRID(ST_MakePoint(${p.vertex[0]}, ${p.vertex[1]}), 4326), 1e-7)`.execute(db),
  );
  failed = 0;
  const move = await measure(forMove, 1, (p) =>
    tryEdit(() =>
      directEdit(db, editor, { op: 'reshape', code: p.code, action: 'move', at: p.vertex, to: p.to }, undefined),
    ),
  );
  row('move a shared vertex (neighbours follow)', moveAnchor, move, failed);

  printTable(
    [
      'edit (all checks, publish, history)',
      'edits',
      'anchor p50 / p99 ms',
      'edit p50 / p99 ms',
      'p99 / anchor p99',
      'refused',
    ],
    rows,
  );
  return { split, merge, move };
}
