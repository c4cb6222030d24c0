/**
 * The checks every edit passes before anything is kept (无缝拼接: no gaps, no overlaps):
 * - every changed feature is a valid polygon (PostGIS's reason and location);
 * - per community touched: the grids cover it without overlap, and no grid reaches outside it — measured as
 *   gap / overlap / outside areas compared with before the edit, so an edit may never add any (data that was
 *   imperfect before stays as imperfect, no worse);
 * - the same for each street touched, with its communities;
 * - area warnings (a unit grid far from the ~10,000 m² of the 万米 model) that do not block.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Level } from '../grids/codes.js';
import { view, type Trx } from './workspace.js';

/** m²: measurement noise below this is not a gap or an overlap (floating point on shared edges). */
export const AREA_TOLERANCE_M2 = 0.5;
/** Unit-grid area warnings, m². */
export const GRID_AREA_WARN = { min: 1_000, max: 100_000 };

export interface Problem {
  code: string;
  problem: string;
  /** Where: a point (lon, lat) on the problem. */
  location?: [number, number];
  codes?: string[];
}

export interface Coverage {
  gap_m2: number;
  overlap_m2: number;
  outside_m2: number;
}

/**
 * Gap, overlap and outside areas of a parent region and its children in the draft view (communities with their
 * grids, streets with their communities), within `box` — the envelope of what a step changed: outside it nothing
 * changed, so comparing inside it before and after the step is enough, and costs the neighbourhood, not the city.
 */
export async function coverage(
  trx: Trx,
  draftId: number,
  parentLevel: 'community' | 'street',
  codes: string[],
  upTo: number | undefined,
  box: RawBuilder<unknown>,
): Promise<Map<string, Coverage & { gap_at: [number, number] | null; outside_at: [number, number] | null }>> {
  const childLevel: Level = parentLevel === 'community' ? 'grid' : 'community';
  const len = parentLevel === 'community' ? 12 : 9;
  const r = await sql<{
    code: string;
    gap_m2: number;
    overlap_m2: number;
    outside_m2: number;
    gap_at: string | null;
    outside_at: string | null;
  }>`
    with p as (select v.code, ST_Intersection(v.geom, ${box}) as geom from ${view(draftId, parentLevel, upTo)} v
          where v.code = any(${codes}::text[]) and v.geom && ${box}),
    c as (select left(v.code, ${len}) as parent, ST_Intersection(v.geom, ${box}) as geom
          from ${view(draftId, childLevel, upTo)} v
          where left(v.code, ${len}) = any(${codes}::text[]) and v.geom && ${box}),
    u as (select parent, ST_Union(geom) as geom, sum(ST_Area(geom::geography)) as sum_m2 from c group by parent),
    d as (select p.code, p.geom as pgeom, u.geom as ugeom, u.sum_m2,
                 ST_Difference(p.geom, coalesce(u.geom, 'SRID=4326;POLYGON EMPTY'::geometry)) as gap,
                 ST_Difference(u.geom, p.geom) as outside
          from p left join u on u.parent = p.code)
    select code,
      coalesce(ST_Area(gap::geography), 0) as gap_m2,
      coalesce(sum_m2 - ST_Area(ugeom::geography), 0) as overlap_m2,
      coalesce(ST_Area(outside::geography), 0) as outside_m2,
      case when not ST_IsEmpty(gap) then ST_AsGeoJSON(ST_PointOnSurface(gap), 7) end as gap_at,
      case when outside is not null and not ST_IsEmpty(outside) then ST_AsGeoJSON(ST_PointOnSurface(outside), 7) end
        as outside_at
    from d`.execute(trx);
  const at = (s: string | null) => (s ? (JSON.parse(s).coordinates as [number, number]) : null);
  return new Map(
    r.rows.map((x) => [
      x.code,
      {
        gap_m2: Number(x.gap_m2),
        overlap_m2: Number(x.overlap_m2),
        outside_m2: Number(x.outside_m2),
        gap_at: at(x.gap_at),
        outside_at: at(x.outside_at),
      },
    ]),
  );
}

/** The envelope (a little larger) of the grids a step wrote, as they were before it and after. */
export const stepBox = (draftId: number, step: number): RawBuilder<unknown> => sql`(
  select ST_Expand(ST_SetSRID(ST_Extent(g)::geometry, 4326), 1e-6) from (
    select geom as g from grid_draft_feature
    where draft_id = ${draftId} and level = 'grid' and (step = ${step} or superseded_step = ${step}) and geom is not null
    union all
    select u.geom from grid_draft_feature f join unit_grid u on u.id = f.base_id
    where f.draft_id = ${draftId} and f.level = 'grid' and f.step = ${step}) x)`;

export type CoverageSnapshot = Awaited<ReturnType<typeof coverage>>;

/** What got worse between two coverage snapshots of the same regions. */
export function coverageProblems(level: 'community' | 'street', before: CoverageSnapshot, after: CoverageSnapshot) {
  const problems: Problem[] = [];
  const what = level === 'community' ? '单元网格' : '社区';
  const round = (v: number) => Math.round(v * 10) / 10;
  for (const [code, a] of after) {
    const b = before.get(code) ?? { gap_m2: 0, overlap_m2: 0, outside_m2: 0 };
    if (a.gap_m2 > b.gap_m2 + AREA_TOLERANCE_M2)
      problems.push({
        code,
        problem: `gap: the ${what}s of ${level} ${code} would leave ${round(a.gap_m2 - b.gap_m2)} m² uncovered`,
        ...(a.gap_at ? { location: a.gap_at } : {}),
      });
    if (a.overlap_m2 > b.overlap_m2 + AREA_TOLERANCE_M2)
      problems.push({
        code,
        problem: `overlap: the ${what}s of ${level} ${code} would overlap by ${round(a.overlap_m2 - b.overlap_m2)} m²`,
      });
    if (a.outside_m2 > b.outside_m2 + AREA_TOLERANCE_M2)
      problems.push({
        code,
        problem: `outside: the ${what}s of ${level} ${code} would reach ${round(a.outside_m2 - b.outside_m2)} m² outside it`,
        ...(a.outside_at ? { location: a.outside_at } : {}),
      });
  }
  return problems;
}

/** Validity of the draft's copies written at `step` (reason and location), and area warnings for grids. */
export async function stepGeometryProblems(trx: Trx, draftId: number, step: number) {
  const r = await sql<{
    level: Level;
    code: string;
    valid: boolean;
    reason: string | null;
    at: string | null;
    m2: number;
  }>`
    select level, code, ST_IsValid(geom) as valid,
      case when not ST_IsValid(geom) then ST_IsValidReason(geom) end as reason,
      case when not ST_IsValid(geom) then ST_AsGeoJSON((ST_IsValidDetail(geom)).location, 7) end as at,
      ST_Area(geom::geography) as m2
    from grid_draft_feature where draft_id = ${draftId} and step = ${step} and geom is not null
    order by level, code`.execute(trx);
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  for (const x of r.rows) {
    if (!x.valid)
      errors.push({
        code: x.code,
        problem: `invalid polygon: ${x.reason}`,
        ...(x.at ? { location: JSON.parse(x.at).coordinates } : {}),
      });
    else if (x.level === 'grid' && Number(x.m2) < GRID_AREA_WARN.min)
      warnings.push({
        code: x.code,
        problem: `small: ${Math.round(Number(x.m2))} m² (under ${GRID_AREA_WARN.min} m²)`,
      });
    else if (x.level === 'grid' && Number(x.m2) > GRID_AREA_WARN.max)
      warnings.push({ code: x.code, problem: `large: ${Math.round(Number(x.m2))} m² (over ${GRID_AREA_WARN.max} m²)` });
  }
  return { errors, warnings };
}
