/** SQL owned by the cases capability: one case, its history, queues and the heat map. */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import type { CaseListRow } from './present.js';
import { OPEN_STATES } from './workflow.js';

const SELECT = sql`
  select c.*, cat.name as category_name, cat.major_name, d.name as department_name, d.kind as department_kind
  from case_record c
  join category cat on cat.kind = c.category_kind and cat.code = c.category_code
  left join department d on d.code = c.department_code`;

export async function getCase(db: Kysely<DB>, id: number): Promise<CaseListRow | undefined> {
  return (await sql<CaseListRow>`${SELECT} where c.id = ${id}`.execute(db)).rows[0];
}

export async function caseEvents(db: Kysely<DB>, id: number) {
  const rows = await db
    .selectFrom('case_event')
    .select(['id', 'at', 'actor_id', 'actor_name', 'action', 'from_state', 'to_state', 'note', 'deadline', 'detail'])
    .where('case_id', '=', id)
    .orderBy('id')
    .execute();
  return rows.map((e) => ({
    ...e,
    id: Number(e.id),
    at: new Date(e.at).toISOString(),
    deadline: e.deadline && new Date(e.deadline).toISOString(),
  }));
}

export interface CaseFilter {
  states?: string[];
  department?: string;
  overdue?: boolean;
  bbox?: [number, number, number, number];
  /** kind:code (5 digits) or kind:major (2 digits) */
  category?: { kind: string; pattern: string };
  channel?: string;
  from?: string;
  to?: string;
  outsideCoverage?: boolean;
  needsLocation?: boolean;
  /** Region-code prefix the reader may see ('' = all). */
  scope: string;
  /** Cases with id below this (keyset paging, newest first). */
  before?: number;
  limit: number;
  now?: Date;
}

/** A category filter from its text (CATEGORY_FILTER has checked it): matter:06010 or matter:06. */
export function parseCategory(text: string): { kind: string; pattern: string } {
  const [kind, pattern] = text.split(':');
  return { kind, pattern };
}

/** The conditions of a category filter on case_record `c`: the kind, and the 5-digit code or the 2-digit major class. */
export function categoryConditions(category: { kind: string; pattern: string }): RawBuilder<unknown>[] {
  return [
    sql`c.category_kind = ${category.kind}`,
    category.pattern.length === 5
      ? sql`c.category_code = ${category.pattern}`
      : sql`left(c.category_code, 2) = ${category.pattern}`,
  ];
}

function conditions(f: CaseFilter): RawBuilder<unknown>[] {
  const w: RawBuilder<unknown>[] = [];
  if (f.states?.length) w.push(sql`c.state = any(${f.states}::text[])`);
  if (f.department) w.push(sql`c.department_code = ${f.department}`);
  if (f.overdue !== undefined) {
    const overdue = sql`(c.state = any(${[...OPEN_STATES]}::text[]) and c.stage_deadline < ${f.now ?? new Date()})`;
    w.push(f.overdue ? overdue : sql`not coalesce(${overdue}, false)`);
  }
  if (f.bbox) w.push(sql`c.geom && ST_MakeEnvelope(${f.bbox[0]}, ${f.bbox[1]}, ${f.bbox[2]}, ${f.bbox[3]}, 4326)`);
  if (f.category) w.push(...categoryConditions(f.category));
  if (f.channel) w.push(sql`c.channel = ${f.channel}`);
  if (f.from) w.push(sql`c.reported_at >= ${f.from}::timestamptz`);
  if (f.to) w.push(sql`c.reported_at < ${f.to}::timestamptz`);
  if (f.outsideCoverage !== undefined) w.push(sql`c.outside_coverage = ${f.outsideCoverage}`);
  if (f.needsLocation !== undefined) w.push(sql`c.needs_location = ${f.needsLocation}`);
  if (f.scope)
    w.push(
      sql`left(coalesce(c.grid_code, c.community_code, c.street_code, c.district_code, ''), ${f.scope.length}) = ${f.scope}`,
    );
  return w;
}

const where = (w: RawBuilder<unknown>[]) => (w.length ? sql`where ${sql.join(w, sql` and `)}` : sql``);

export async function listCases(db: Kysely<DB>, f: CaseFilter): Promise<CaseListRow[]> {
  const w = conditions(f);
  if (f.before) w.push(sql`c.id < ${f.before}`);
  return (await sql<CaseListRow>`${SELECT} ${where(w)} order by c.id desc limit ${f.limit}`.execute(db)).rows;
}

/** Cells of a coarse heat map: counts per cell of `cellDeg` degrees; cells with fewer than `minCount` cases are left out. */
export interface HeatCells {
  cellDeg: number;
  minCount: number;
}

/**
 * Case points for a heat map, counted per cell (weight = cases in the cell). Without `cells`: the exact map, points
 * snapped to ~11 m (0.0001°). With `cells`: the centre of each cell of `cellDeg` degrees (cells aligned on multiples
 * of `cellDeg`) holding at least `minCount` matching cases; `total` then counts only the cases in those cells.
 */
export async function heatPoints(
  db: Kysely<DB>,
  f: CaseFilter,
  cells?: HeatCells,
): Promise<{ points: [number, number, number][]; total: number }> {
  if (cells) {
    const size = cells.cellDeg;
    const r = await sql<{ ix: number; iy: number; n: number; total: number }>`
      select ix, iy, count(*)::int as n, (sum(count(*)) over ())::int as total
      from (select floor(ST_X(c.geom) / ${size})::int as ix, floor(ST_Y(c.geom) / ${size})::int as iy
            from case_record c ${where([...conditions(f), sql`c.geom is not null`])}) s
      group by ix, iy having count(*) >= ${cells.minCount}
      order by n desc, ix, iy limit ${f.limit}`.execute(db);
    const centre = (i: number) => Math.round((i + 0.5) * size * 1e6) / 1e6;
    return { points: r.rows.map((p) => [centre(p.ix), centre(p.iy), p.n]), total: r.rows[0]?.total ?? 0 };
  }
  const r = await sql<{ lon: number; lat: number; n: number; total: number }>`
    select ST_X(cell) as lon, ST_Y(cell) as lat, count(*)::int as n, (sum(count(*)) over ())::int as total
    from (select ST_SnapToGrid(c.geom, 0.0001) as cell from case_record c
      ${where([...conditions(f), sql`c.geom is not null`])}) s
    group by cell order by n desc, lon, lat limit ${f.limit}`.execute(db);
  return {
    points: r.rows.map((p) => [Math.round(p.lon * 1e4) / 1e4, Math.round(p.lat * 1e4) / 1e4, p.n]),
    /** Matching cases, including those in cells beyond the limit. */
    total: r.rows[0]?.total ?? 0,
  };
}
