/**
 * The PostGIS checks of a staged import, each run slice by slice (stage.ts): polygon validity, overlaps between grids
 * of one community, grid areas, children sticking out of their parents. Errors reject the import; warnings are
 * reported with the result.
 */
import { sql } from 'kysely';
import { sliced, type Stage } from './stage.js';
import type { ImportIssue } from './validate.js';

/** Grids whose area is outside this range get a warning (the unit grid is about 10,000 m²). */
export const AREA_WARN_MIN = 2_500;
export const AREA_WARN_MAX = 40_000;
/** Overlaps between grids of one community above this area (m²) are errors; smaller ones are warnings (survey noise). */
export const OVERLAP_ERROR_M2 = 1;
/** At most this many problems of one kind are reported. */
export const MAX_ISSUES = 200;

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

export async function invalidGeometries(stage: Stage): Promise<ImportIssue[]> {
  const rows = await sliced(
    stage,
    async (from, to) =>
      (
        await sql<{ idx: number; code: string; reason: string; lon: number | null; lat: number | null }>`
          select idx, code, (d).reason as reason, ST_X((d).location) as lon, ST_Y((d).location) as lat
          from (select idx, code, ST_IsValidDetail(geom) as d from ${sql.table(stage.table)}
                where idx >= ${from} and idx < ${to}) v
          where not (d).valid order by idx`.execute(stage.db)
      ).rows,
    MAX_ISSUES,
  );
  return rows.map((x) => ({
    index: x.idx,
    code: x.code,
    problem: `invalid polygon: ${x.reason}`,
    location: x.lon === null ? undefined : [round7(x.lon), round7(x.lat!)],
  }));
}

/** Grids of one community whose interiors intersect, in the file or against live grids the file does not replace. */
export async function overlaps(stage: Stage): Promise<{ errors: ImportIssue[]; warnings: ImportIssue[] }> {
  const t = sql.table(stage.table);
  const rows = await sliced(
    stage,
    async (from, to) =>
      (
        await sql<{
          idx: number;
          code: string;
          other: string;
          in_file: boolean;
          area: number;
          lon: number;
          lat: number;
        }>`
          with mine as (
            select idx, code, geom from ${t} where level = 'grid' and idx >= ${from} and idx < ${to}
          ), others as (
            select code, geom, true as in_file from ${t} where level = 'grid'
            union all
            select g.code, g.geom, false from unit_grid g
            where g.termination_date is null and g.community_code in (select left(code, 12) from mine)
              and not exists (select 1 from ${t} s where s.code = g.code)
          ), pairs as (
            select a.idx, a.code, b.code as other, b.in_file, ST_Intersection(a.geom, b.geom) as ix
            from mine a join others b
              on left(a.code, 12) = left(b.code, 12) and a.code <> b.code and (not b.in_file or a.code < b.code)
             and a.geom && b.geom and ST_Relate(a.geom, b.geom, 'T********')
          )
          select idx, code, other, in_file, ST_Area(ix::geography) as area,
                 ST_X(ST_PointOnSurface(ix)) as lon, ST_Y(ST_PointOnSurface(ix)) as lat
          from pairs order by idx, other`.execute(stage.db)
      ).rows,
  );
  const errors: ImportIssue[] = [],
    warnings: ImportIssue[] = [];
  for (const x of rows) {
    const issue: ImportIssue = {
      index: x.idx,
      code: x.code,
      problem: `overlaps grid ${x.other}${x.in_file ? '' : ' (already in the database)'} of the same community by ${x.area.toFixed(2)} m²`,
      location: [round7(x.lon), round7(x.lat)],
    };
    (x.area > OVERLAP_ERROR_M2 ? errors : warnings).push(issue);
  }
  return { errors: errors.slice(0, MAX_ISSUES), warnings: warnings.slice(0, MAX_ISSUES) };
}

export async function areaWarnings(stage: Stage): Promise<ImportIssue[]> {
  const rows = await sliced(
    stage,
    async (from, to) =>
      (
        await sql<{ idx: number; code: string; area: number }>`
          select idx, code, area_m2 as area from ${sql.table(stage.table)}
          where level = 'grid' and idx >= ${from} and idx < ${to}
            and (area_m2 < ${AREA_WARN_MIN} or area_m2 > ${AREA_WARN_MAX}) order by idx`.execute(stage.db)
      ).rows,
    MAX_ISSUES,
  );
  return rows.map((x) => ({
    index: x.idx,
    code: x.code,
    problem: `area ${Math.round(x.area)} m² is far from the usual 10,000 m² of a unit grid (warning range ${AREA_WARN_MIN}–${AREA_WARN_MAX})`,
  }));
}

/** A child that sticks out of its parent by more than 1 m² (parent from the file, else the live one). */
export async function outsideParentWarnings(stage: Stage): Promise<ImportIssue[]> {
  const t = sql.table(stage.table);
  const rows = await sliced(
    stage,
    async (from, to) =>
      (
        await sql<{ idx: number; code: string; parent: string; area: number }>`
          with children as (
            select idx, code, geom from ${t} where level <> 'district' and idx >= ${from} and idx < ${to}
          ), parents as (
            select code, geom from ${t} where level <> 'grid'
              and code in (select left(code, length(code) - 3) from children)
            union all
            select code, geom from region where termination_date is null
              and code in (select left(code, length(code) - 3) from children)
              and not exists (select 1 from ${t} s where s.code = region.code)
          )
          select c.idx, c.code, p.code as parent, ST_Area(ST_Difference(c.geom, p.geom)::geography) as area
          from children c join parents p on p.code = left(c.code, length(c.code) - 3)
          where not ST_CoveredBy(c.geom, p.geom) order by c.idx`.execute(stage.db)
      ).rows.filter((x) => x.area > 1),
    MAX_ISSUES,
  );
  return rows.map((x) => ({
    index: x.idx,
    code: x.code,
    problem: `extends ${x.area.toFixed(1)} m² outside its parent ${x.parent}`,
  }));
}
