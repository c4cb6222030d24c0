/**
 * The edit operations on unit grids. Each reads the draft view, writes the draft's copies for one step and says what
 * it did: the codes that end and their successors (for references and history), the communities and streets whose
 * coverage the checks must compare, and a summary for the step list and the audit trail.
 *
 * Codes (GB/T 30428.1): a new grid takes the next serial after the highest its community ever had (live, ended or
 * in any draft), so a retired code is never given again. A split retires the grid and gives every piece a new code
 * (pieces ordered north to south, then west to east); a merge keeps the lowest code; a move to another community
 * gives the grid a new code there.
 */
import { sql, type RawBuilder } from 'kysely';
import { unprocessable } from '../http/problem.js';
import type { Level } from '../grids/codes.js';
import { fromCoords, getFeature, put, view, type Trx, type ViewFeature } from './workspace.js';
import { TOLERANCE, hasVertex, insertOnEdges, type Position } from './vertex.js';

export interface StepResult {
  summary: Record<string, unknown>;
  /** Codes that end → the codes that take over their area (empty: none). */
  successors: Record<string, string[]>;
  communities: string[];
  streets: string[];
}

export const refuse = (message: string, location = 'body'): never => {
  throw unprocessable(message, { errors: [{ location, message }] });
};

export async function liveGrid(trx: Trx, draftId: number, code: string): Promise<ViewFeature> {
  const g = await getFeature(trx, draftId, 'grid', code);
  if (!g) refuse(`no unit grid ${code}`, 'code');
  return g!;
}

/** The next `n` free grid codes of a community (never a code given before). */
export async function nextGridCodes(trx: Trx, community: string, n: number): Promise<string[]> {
  // Live and ended rows alike (a code is never reused), by the code index's range of the community.
  const [lo, hi] = [`${community}000`, `${community}999`];
  const r = await sql<{ top: number | null }>`
    select max(right(code, 3)::int) as top from (
      (select code::text from unit_grid where code between ${lo} and ${hi} order by code desc limit 1)
      union all select code from grid_draft_feature where level = 'grid' and code between ${lo} and ${hi}) c`.execute(
    trx,
  );
  const top = r.rows[0]?.top ?? 0;
  if (top + n > 999) refuse(`community ${community} has no free unit-grid serials left (highest ${top})`);
  return Array.from({ length: n }, (_, i) => community + String(top + 1 + i).padStart(3, '0'));
}

const communityOf = (code: string) => code.slice(0, 12);
const streetOf = (code: string) => code.slice(0, 9);

/** Inserts the new vertices of `pieces` into every neighbouring feature whose edge passes through them. */
async function snapNeighbours(trx: Trx, draftId: number, step: number, vertices: Position[], skip: Set<string>) {
  if (!vertices.length) return;
  const pts = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify({ type: 'MultiPoint', coordinates: vertices })}), 4326)`;
  const near = await sql<{ level: Level; code: string; name: string; geom: string }>`${sql.join(
    (['grid', 'community', 'street', 'district'] as Level[]).map(
      (level) => sql`(select ${level}::text as level, v.code, v.name, ST_AsGeoJSON(ST_Multi(v.geom), 15) as geom
        from ${view(draftId, level)} v where v.geom && ST_Expand(${pts}, ${TOLERANCE * 10})
          and ST_DWithin(ST_Boundary(v.geom), ${pts}, ${TOLERANCE * 10}))`,
    ),
    sql` union all `,
  )}`.execute(trx);
  for (const f of near.rows) {
    if (skip.has(`${f.level}:${f.code}`)) continue;
    let geom = JSON.parse(f.geom).coordinates;
    let n = 0;
    for (const v of vertices) {
      if (hasVertex(geom, v)) continue;
      const r = insertOnEdges(geom, v);
      geom = r.geom;
      n += r.n;
    }
    if (n) await put(trx, draftId, step, { level: f.level, code: f.code, name: f.name, geom: fromCoords(geom) });
  }
}

/** Split a grid by a line drawn across it: every polygon of the result is a new grid. */
export async function split(
  trx: Trx,
  draftId: number,
  step: number,
  p: { code: string; line: unknown; names?: string[] },
): Promise<StepResult> {
  const g = await liveGrid(trx, draftId, p.code);
  const line = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(p.line)}), 4326)`;
  const parts = (
    await sql<{ geom: string }>`
      with s as (select (ST_Dump(ST_Split(${fromCoords(g.geom)}, ${line}))).geom as geom)
      select ST_AsGeoJSON(ST_Multi(geom), 15) as geom
      from s order by ST_Y(ST_Centroid(geom)) desc, ST_X(ST_Centroid(geom))`.execute(trx)
  ).rows;
  if (parts.length < 2)
    refuse(
      `the line does not cut unit grid ${p.code} in two: draw it across the grid, from outside to outside`,
      'body.line',
    );
  if (p.names && p.names.length !== parts.length)
    refuse(
      `the line cuts unit grid ${p.code} into ${parts.length} pieces but ${p.names.length} names were given`,
      'body.names',
    );
  const codes = await nextGridCodes(trx, communityOf(p.code), parts.length);
  await put(trx, draftId, step, { level: 'grid', code: p.code, name: g.name, geom: null });
  const newVertices: Position[] = [];
  for (const [i, part] of parts.entries()) {
    const coords = JSON.parse(part.geom).coordinates;
    await put(trx, draftId, step, {
      level: 'grid',
      code: codes[i],
      name: p.names?.[i] ?? `${g.name}-${i + 1}`,
      geom: fromCoords(coords),
    });
    for (const poly of coords as Position[][][])
      for (const ring of poly) for (const v of ring) if (!hasVertex(g.geom, v)) newVertices.push(v);
  }
  await snapNeighbours(trx, draftId, step, newVertices, new Set(codes.map((c) => `grid:${c}`)));
  return {
    summary: { op: 'split', code: p.code, into: codes },
    successors: { [p.code]: codes },
    communities: [communityOf(p.code)],
    streets: [],
  };
}

/** Merge adjacent grids of one community: the lowest code survives with the union. */
export async function merge(
  trx: Trx,
  draftId: number,
  step: number,
  p: { codes: string[]; name?: string },
): Promise<StepResult> {
  const codes = [...new Set(p.codes)].sort();
  if (codes.length < 2) refuse('a merge needs at least two different unit grids', 'body.codes');
  const grids = [];
  for (const c of codes) grids.push(await liveGrid(trx, draftId, c));
  const community = communityOf(codes[0]);
  const other = codes.find((c) => communityOf(c) !== community);
  if (other) refuse(`unit grids ${codes[0]} and ${other} are in different communities: move one first`, 'body.codes');
  // Adjacent: the grids form one piece through shared edges (a shared corner is not enough).
  const edges = await sql<{ a: string; b: string }>`
    with g as (select code, geom from ${view(draftId, 'grid')} v where v.code = any(${codes}::text[]))
    select x.code as a, y.code as b from g x join g y on x.code < y.code
    where ST_Length(ST_Intersection(ST_Boundary(x.geom), ST_Boundary(y.geom))::geography) > 0.01`.execute(trx);
  const seen = new Set([codes[0]]);
  for (let grew = true; grew;) {
    grew = false;
    for (const e of edges.rows)
      if (seen.has(e.a) !== seen.has(e.b)) {
        seen.add(e.a);
        seen.add(e.b);
        grew = true;
      }
  }
  const apart = codes.filter((c) => !seen.has(c));
  if (apart.length)
    refuse(`unit grids ${apart.join(', ')} share no edge with the others: only adjacent grids merge`, 'body.codes');
  const union = sql`(select ST_Multi(ST_Union(geom)) from ${view(draftId, 'grid')} v where v.code = any(${codes}::text[]))`;
  await put(trx, draftId, step, { level: 'grid', code: codes[0], name: p.name ?? grids[0].name, geom: union });
  for (const c of codes.slice(1)) await put(trx, draftId, step, { level: 'grid', code: c, name: '', geom: null });
  return {
    summary: { op: 'merge', codes, into: codes[0] },
    successors: Object.fromEntries(codes.slice(1).map((c) => [c, [codes[0]]])),
    communities: [community],
    streets: [],
  };
}

/**
 * Moves an area between regions when a grid changes community (or a community changes street): at each level where
 * `from` and `to` differ, the giver loses it and the receiver gains it.
 */
export async function moveArea(
  trx: Trx,
  draftId: number,
  step: number,
  area: RawBuilder<unknown>,
  from: string,
  to: string,
  levels: readonly (readonly ['community' | 'street' | 'district', number])[] = [
    ['community', 12],
    ['street', 9],
    ['district', 6],
  ],
) {
  const touched: string[] = [];
  for (const [level, len] of levels) {
    const a = from.slice(0, len);
    const b = to.slice(0, len);
    if (a === b) continue;
    touched.push(a, b);
    for (const [code, op] of [
      [a, sql`ST_Difference`],
      [b, sql`ST_Union`],
    ] as const) {
      const r = await getFeature(trx, draftId, level, code);
      if (!r) refuse(`no ${level} ${code}`);
      await put(trx, draftId, step, {
        level,
        code,
        name: r!.name,
        geom: sql`ST_CollectionExtract(ST_Multi(${op}(${fromCoords(r!.geom)}, ${area})), 3)`,
      });
    }
  }
  return touched;
}

/** Retire a grid: its area goes to a named neighbour (in the same or another community). */
export async function retire(
  trx: Trx,
  draftId: number,
  step: number,
  p: { code: string; to: string },
): Promise<StepResult> {
  if (p.code === p.to) refuse('a unit grid cannot be retired into itself', 'body.to');
  const g = await liveGrid(trx, draftId, p.code);
  const n = await liveGrid(trx, draftId, p.to);
  const shared = await sql<{ m: number }>`
    select ST_Length(ST_Intersection(ST_Boundary(${fromCoords(g.geom)}), ST_Boundary(${fromCoords(n.geom)}))::geography) as m`.execute(
    trx,
  );
  if (!(Number(shared.rows[0].m) > 0.01))
    refuse(`unit grid ${p.to} shares no edge with ${p.code}: its area must go to a neighbour`, 'body.to');
  await put(trx, draftId, step, {
    level: 'grid',
    code: p.to,
    name: n.name,
    geom: sql`ST_Union(${fromCoords(n.geom)}, ${fromCoords(g.geom)})`,
  });
  await put(trx, draftId, step, { level: 'grid', code: p.code, name: g.name, geom: null });
  const touched = await moveArea(trx, draftId, step, fromCoords(g.geom), p.code, p.to);
  return {
    summary: { op: 'retire', code: p.code, to: p.to },
    successors: { [p.code]: [p.to] },
    communities: [...new Set([communityOf(p.code), communityOf(p.to), ...touched.filter((c) => c.length === 12)])],
    streets: [...new Set(touched.filter((c) => c.length === 9))],
  };
}

/** Create a grid in a gap of a community: the drawn polygon, clipped to the community and to the gap. */
export async function create(
  trx: Trx,
  draftId: number,
  step: number,
  p: { community_code: string; name: string; geometry: unknown },
): Promise<StepResult> {
  const c = await getFeature(trx, draftId, 'community', p.community_code);
  if (!c) refuse(`no community ${p.community_code}`, 'body.community_code');
  const drawn = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(p.geometry)}), 4326)`;
  const r = await sql<{ geom: string | null; m2: number }>`
    with cut as (select ST_CollectionExtract(ST_Difference(ST_Intersection(${drawn}, ${fromCoords(c!.geom)}),
        coalesce((select ST_Union(geom) from ${view(draftId, 'grid')} v
                  where left(v.code, 12) = ${p.community_code} and v.geom && ${drawn}), 'SRID=4326;POLYGON EMPTY')), 3) as g)
    select case when not ST_IsEmpty(g) then ST_AsGeoJSON(ST_Multi(g), 15) end as geom,
      coalesce(ST_Area(g::geography), 0) as m2 from cut`.execute(trx);
  if (!r.rows[0].geom || Number(r.rows[0].m2) < 1)
    refuse(
      `the drawn polygon covers no gap of community ${p.community_code}: draw it over an area no unit grid covers`,
      'body.geometry',
    );
  const [code] = await nextGridCodes(trx, p.community_code, 1);
  await put(trx, draftId, step, {
    level: 'grid',
    code,
    name: p.name,
    geom: fromCoords(JSON.parse(r.rows[0].geom!).coordinates),
  });
  return {
    summary: {
      op: 'create',
      code,
      community_code: p.community_code,
      area_m2: Math.round(Number(r.rows[0].m2) * 10) / 10,
    },
    successors: {},
    communities: [p.community_code],
    streets: [],
  };
}

/** Rename a grid (its code stays). */
export async function rename(
  trx: Trx,
  draftId: number,
  step: number,
  p: { code: string; name: string },
): Promise<StepResult> {
  const g = await liveGrid(trx, draftId, p.code);
  await put(trx, draftId, step, { level: 'grid', code: p.code, name: p.name, geom: fromCoords(g.geom) });
  return {
    summary: { op: 'rename', code: p.code, from: g.name, to: p.name },
    successors: {},
    communities: [],
    streets: [],
  };
}

/** Move a grid to a neighbouring community: it gets a new code there, and both communities' boundaries follow. */
export async function moveToCommunity(
  trx: Trx,
  draftId: number,
  step: number,
  p: { code: string; community_code: string },
): Promise<StepResult> {
  const g = await liveGrid(trx, draftId, p.code);
  const from = communityOf(p.code);
  if (p.community_code === from) refuse(`unit grid ${p.code} is already in community ${from}`, 'body.community_code');
  const target = await getFeature(trx, draftId, 'community', p.community_code);
  if (!target) refuse(`no community ${p.community_code}`, 'body.community_code');
  const shared = await sql<{ m: number }>`
    select ST_Length(ST_Intersection(ST_Boundary(${fromCoords(g.geom)}), ST_Boundary(${fromCoords(target!.geom)}))::geography) as m`.execute(
    trx,
  );
  if (!(Number(shared.rows[0].m) > 0.01))
    refuse(
      `unit grid ${p.code} does not border community ${p.community_code}: a grid moves only to a neighbouring community`,
      'body.community_code',
    );
  const [code] = await nextGridCodes(trx, p.community_code, 1);
  await put(trx, draftId, step, { level: 'grid', code: p.code, name: g.name, geom: null });
  await put(trx, draftId, step, { level: 'grid', code, name: g.name, geom: fromCoords(g.geom) });
  const touched = await moveArea(trx, draftId, step, fromCoords(g.geom), from, p.community_code);
  return {
    summary: { op: 'move', code: p.code, to: code, community_code: p.community_code },
    successors: { [p.code]: [code] },
    communities: [...new Set([from, p.community_code])],
    streets: [...new Set(touched.filter((c) => c.length === 9).concat(streetOf(from), streetOf(p.community_code)))],
  };
}
