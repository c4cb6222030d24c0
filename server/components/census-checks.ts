/**
 * The checks of a census import that need the whole file or the database, and the codes of code-less rows.
 *
 * - codes given twice in the file (error), invalid line/polygon geometries (error, with PostGIS's reason);
 * - a given 所在单元网格 that disagrees with the position (warning listing both), a position outside every unit grid
 *   (warning with the nearest grid), the same class within 0.5 m of a stored component (warning);
 * - codes for rows without one: the next serial of their district and class after those stored and those given
 *   earlier in the file (never one given later in it).
 */
import { sql } from 'kysely';
import { SerialAllocator, type ComponentCatalog } from './codes.js';
import { SAME_PLACE_M, codeless, indexCodes, overSlices, setCodes, type CensusStage } from './census-stage.js';
import { highestSerials } from './queries.js';
import type { RowIssue, Where } from './row.js';

export type WhereKind = 'line' | 'row' | 'feature';
export const whereOf = (kind: WhereKind, n: number): Where =>
  kind === 'line' ? { line: n } : kind === 'row' ? { row: n } : { feature: n };

export async function duplicateCodes(
  stage: CensusStage,
  kind: WhereKind,
  limit: number,
  codeColumn: string,
): Promise<RowIssue[]> {
  const r = await sql<{ code: string; wns: number[] }>`
    select code, array_agg(wn order by idx) as wns from ${sql.table(stage.table)}
    where code is not null group by code having count(*) > 1 order by min(idx) limit ${limit}`.execute(stage.db);
  return r.rows.map((d) => ({
    where: whereOf(kind, d.wns[1]),
    column: codeColumn,
    message: `the code ${d.code} is given ${d.wns.length} times (${d.wns.map((n) => `${kind} ${n}`).join(', ')}); a code names one component`,
  }));
}

export async function invalidGeometries(stage: CensusStage, kind: WhereKind, limit: number): Promise<RowIssue[]> {
  const rows = await overSlices(stage, async (range) => {
    const r = await sql<{ wn: number; reason: string }>`
      select s.wn, ST_IsValidReason(s.geom) as reason from ${sql.table(stage.table)} s
      where ${range('s')} and not s.point and not ST_IsValid(s.geom) order by s.idx limit ${limit}`.execute(stage.db);
    return r.rows;
  });
  return rows.slice(0, limit).map((r) => ({
    where: whereOf(kind, r.wn),
    column: null,
    message: `the geometry is not valid: ${r.reason}`,
  }));
}

export async function positionWarnings(
  stage: CensusStage,
  kind: WhereKind,
  limit: number,
  givenGridColumn: string,
): Promise<RowIssue[]> {
  const t = sql.table(stage.table);
  const out: RowIssue[] = [];
  const given = await sql<{ wn: number; given: string; grid: string | null }>`
    select wn, given_grid_code as given, grid_code as grid from ${t}
    where given_grid_code is distinct from grid_code and given_grid_code is not null order by idx limit ${limit}`.execute(
    stage.db,
  );
  for (const g of given.rows)
    out.push({
      where: whereOf(kind, g.wn),
      column: givenGridColumn,
      message: `the given unit grid ${g.given} is not where the component lies: its position is in ${g.grid ?? 'no unit grid'}; the grid is derived from the position`,
    });
  await sql`update ${t} set given_grid_code = null where given_grid_code = grid_code`.execute(stage.db);
  const outside = await sql<{ wn: number; nearest: string | null; distance_m: number | null }>`
    select s.wn, n.code as nearest, n.distance_m from ${t} s
    left join lateral (select u.code, ST_Distance(u.geom::geography, s.geom::geography) as distance_m from unit_grid u
                       where u.termination_date is null order by u.geom <-> s.geom limit 1) n on true
    where s.grid_code is null order by s.idx limit ${limit}`.execute(stage.db);
  for (const o of outside.rows)
    out.push({
      where: whereOf(kind, o.wn),
      column: null,
      message: o.nearest
        ? `the position lies outside every unit grid; the nearest is ${o.nearest}, ${Math.round(o.distance_m!)} m away`
        : 'the position lies outside every unit grid (no unit grids are loaded)',
    });
  const stored = await sql<{ any: boolean }>`select exists (select 1 from component) as any`.execute(stage.db);
  if (!stored.rows[0].any) return out;
  const near = await overSlices(stage, async (range) => {
    const r = await sql<{ wn: number; code: string; other: string; d: number }>`
      select s.wn, coalesce(s.code, '') as code, c.code as other,
             ST_Distance(c.geom::geography, s.geom::geography) as d
      from ${t} s join component c on c.category_code = s.cls and c.geom && ST_Expand(s.geom, 1e-5)
        and ST_Distance(c.geom::geography, s.geom::geography) <= ${SAME_PLACE_M}
      where ${range('s')} and s.point and not s.matched and c.code is distinct from s.code
        and not exists (select 1 from ${t} o where o.code = c.code)
      order by s.idx limit ${limit}`.execute(stage.db);
    return r.rows;
  });
  for (const n of near.slice(0, limit))
    out.push({
      where: whereOf(kind, n.wn),
      column: null,
      message: `a stored component of the same class, ${n.other}, lies ${n.d.toFixed(2)} m away (within ${SAME_PLACE_M} m): a duplicate?`,
    });
  return out;
}

/** Gives code-less rows their 17-digit codes; rows outside every district are errors. Returns how many were coded. */
export async function allocateCodes(
  stage: CensusStage,
  catalog: ComponentCatalog,
  kind: WhereKind,
  errors: RowIssue[],
  codeColumn: string,
): Promise<number> {
  const rows = await codeless(stage);
  if (rows.length === 0) {
    await indexCodes(stage);
    return 0;
  }
  const classOf = (seg: string) => (seg.length === 5 ? seg : catalog.fromLegacy(seg));
  // Serials taken per district + class: stored ones, and those the file gives (with the row they are given on).
  const stored = new SerialAllocator();
  for (const s of await highestSerials(stage.db)) {
    const cls = classOf(s.seg);
    if (cls) stored.takeSerial(s.district, cls, s.serial);
  }
  const needed = [...new Set(rows.map((r) => `${r.district}${r.cls}`))];
  const given = await sql<{ key: string; serial: number; idx: number }>`
    select left(code, 6) || substr(code, 7, length(code) - 12) as key, right(code, 6)::int as serial, idx
    from ${sql.table(stage.table)} where code is not null and not matched order by idx`.execute(stage.db);
  const byKey = new Map<string, { serial: number; idx: number }[]>();
  for (const g of given.rows) {
    const cls = classOf(g.key.slice(6));
    const key = g.key.slice(0, 6) + cls;
    if (!cls || !needed.includes(key)) continue;
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push({ serial: g.serial, idx: g.idx });
  }
  const state = new Map<string, { highest: number; next: number; all: Set<number> }>();
  const codes: { idx: number; code: string }[] = [];
  for (const r of rows) {
    if (!r.district) {
      errors.push({
        where: whereOf(kind, r.wn),
        column: codeColumn,
        message: 'the row has no code and its position lies outside every district: give it a code',
      });
      continue;
    }
    const key = r.district + r.cls;
    let st = state.get(key);
    const list = byKey.get(key) ?? [];
    if (!st) {
      const probe = stored.next(r.district, r.cls);
      st = { highest: Number(probe.slice(-6)) - 1, next: 0, all: new Set(list.map((g) => g.serial)) };
      state.set(key, st);
    }
    while (st.next < list.length && list[st.next].idx < r.idx)
      st.highest = Math.max(st.highest, list[st.next++].serial);
    let serial = st.highest + 1;
    while (st.all.has(serial)) serial++;
    if (serial > 999_999) {
      errors.push({
        where: whereOf(kind, r.wn),
        column: codeColumn,
        message: `district ${r.district} has no serial left for class ${r.cls}`,
      });
      continue;
    }
    st.highest = serial;
    st.all.add(serial);
    codes.push({ idx: r.idx, code: `${r.district}${r.cls}${String(serial).padStart(6, '0')}` });
  }
  await setCodes(stage, codes);
  await indexCodes(stage);
  return codes.length;
}

/** Rows outside the actor's region scope, and stored components the file changes that lie outside it. */
export async function outsideScope(
  stage: CensusStage,
  kind: WhereKind,
  scope: string,
  limit: number,
): Promise<RowIssue[]> {
  const t = sql.table(stage.table);
  const r = await sql<{ wn: number; where_is: string | null; stored: boolean }>`
    select s.wn, coalesce(s.grid_code, s.district_code) as where_is, false as stored from ${t} s
    where not coalesce(coalesce(s.grid_code, s.district_code) like ${`${scope}%`}, false)
    union all
    select s.wn, c.grid_code, true from ${t} s join component c on c.code = s.code
    where not coalesce(c.grid_code like ${`${scope}%`}, false)
    limit ${limit}`.execute(stage.db);
  return r.rows.map((o) => ({
    where: whereOf(kind, o.wn),
    column: null,
    message: o.stored
      ? `the stored component lies ${o.where_is ? `in ${o.where_is}` : 'outside every unit grid'}, outside your region scope ${scope}`
      : `the position lies ${o.where_is ? `in ${o.where_is}` : 'outside every district'}, outside your region scope ${scope}`,
  }));
}
