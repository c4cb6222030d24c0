/**
 * Import of districts, streets, communities and unit grids from GeoJSON: all or nothing.
 * Structure is checked in JS; geometry validity, overlaps and areas in PostGIS on a staging table inside the
 * same transaction that writes the rows. A code already live is replaced only when its name or geometry changed:
 * the old row gets termination_date = today (history is kept), the new row starts today.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { LEVEL_ORDER, checkParents, checkStructure, type ImportIssue, type StagedFeature } from './validate.js';

export type { ImportIssue } from './validate.js';

export interface ImportSummary {
  counts: Record<
    'district' | 'street' | 'community' | 'grid',
    { inserted: number; replaced: number; unchanged: number }
  >;
  total: number;
  warnings: ImportIssue[];
}

export interface ImportOptions {
  actor: Actor;
  /** Called after each staged batch: (features staged, total). */
  onProgress?: (done: number, total: number) => void;
  /** Only codes starting with this prefix may be written (the actor's region scope). */
  scope?: string;
}

export class ImportRejected extends Error {
  /** 'scope': codes outside the actor's region scope (403); 'invalid': the data has problems (422). */
  constructor(
    public issues: ImportIssue[],
    public kind: 'invalid' | 'scope' = 'invalid',
  ) {
    super(
      `import rejected: ${issues.length} problem${issues.length === 1 ? '' : 's'}; first: ${describeIssue(issues[0])}`,
    );
  }
}

export function describeIssue(i: ImportIssue): string {
  const where = i.index >= 0 ? `feature ${i.index}${i.code ? ` (code ${i.code})` : ''}: ` : '';
  const at = i.location ? ` at [${i.location[0]}, ${i.location[1]}]` : '';
  return `${where}${i.problem}${at}`;
}

/** Grids whose area is outside this range get a warning (the unit grid is about 10,000 m²). */
export const AREA_WARN_MIN = 2_500;
export const AREA_WARN_MAX = 40_000;
/** Overlaps between grids of one community above this area (m²) are errors; smaller ones are warnings (survey noise). */
export const OVERLAP_ERROR_M2 = 1;
const BATCH = 500;
const MAX_ISSUES = 200;

export async function importRegions(database: Database, input: unknown, opts: ImportOptions): Promise<ImportSummary> {
  const { features, issues } = checkStructure(input);
  if (issues.length) throw new ImportRejected(issues.slice(0, MAX_ISSUES));
  if (opts.scope) {
    const outside = features
      .filter((f) => !f.code.startsWith(opts.scope!))
      .map((f) => ({ index: f.index, code: f.code, problem: `code is outside your region scope ${opts.scope}` }));
    if (outside.length) throw new ImportRejected(outside.slice(0, MAX_ISSUES), 'scope');
  }

  // Through the write path: grids moved, so open cases must be placed again (the assignment_version bump;
  // POST /api/assign/rerun, npm run reassign) and the region layers' tiles change.
  return write(
    database.db,
    { actor: opts.actor, assignment: true, layers: ['districts', 'streets', 'communities', 'grids'] },
    async (trx) => {
      // A whole city takes longer than an ordinary statement may: this transaction's own, longer limit.
      await sql.raw(`set local statement_timeout = ${Math.floor(database.importTimeoutMs)}`).execute(trx);
      const existing = await liveCodes(trx, features);
      const parentIssues = checkParents(features, existing);
      if (parentIssues.length) throw new ImportRejected(parentIssues.slice(0, MAX_ISSUES));

      await stage(trx, features, opts.onProgress);
      const geomIssues = await invalidGeometries(trx);
      if (geomIssues.length) throw new ImportRejected(geomIssues.slice(0, MAX_ISSUES));
      const { errors, warnings } = await overlaps(trx);
      if (errors.length) throw new ImportRejected(errors.slice(0, MAX_ISSUES));
      warnings.push(...(await areaWarnings(trx)), ...(await outsideParentWarnings(trx)));

      const counts = await writeRows(trx);
      await sql`drop table import_stage`.execute(trx);
      return {
        result: { counts, total: features.length, warnings: warnings.slice(0, MAX_ISSUES) },
        action: 'import',
        entity: 'regions',
        key: null,
        detail: { counts, warnings: warnings.length },
      };
    },
  );
}

async function liveCodes(trx: Transaction<DB>, features: StagedFeature[]): Promise<Set<string>> {
  const parents = [...new Set(features.map((f) => f.code.slice(0, f.code.length - 3)).filter((c) => c.length >= 6))];
  if (parents.length === 0) return new Set();
  const rows = await sql<{ code: string }>`
    select code from region where termination_date is null and code = any(${parents}::text[])`.execute(trx);
  return new Set(rows.rows.map((r) => r.code));
}

async function stage(trx: Transaction<DB>, features: StagedFeature[], onProgress?: ImportOptions['onProgress']) {
  await sql`create temp table import_stage (
    idx integer primary key, code text not null, name text not null, level text not null, geom geometry not null
  ) on commit drop`.execute(trx);
  for (let i = 0; i < features.length; i += BATCH) {
    const batch = features.slice(i, i + BATCH);
    await sql`insert into import_stage (idx, code, name, level, geom)
      select s.idx, s.code, s.name, s.level, ST_SetSRID(ST_GeomFromGeoJSON(s.g), 4326)
      from unnest(${batch.map((f) => f.index)}::int[], ${batch.map((f) => f.code)}::text[],
                  ${batch.map((f) => f.name)}::text[], ${batch.map((f) => f.level)}::text[],
                  ${batch.map((f) => JSON.stringify(f.geometry))}::text[]) as s(idx, code, name, level, g)`.execute(
      trx,
    );
    onProgress?.(Math.min(i + BATCH, features.length), features.length);
  }
  await sql`create index on import_stage using gist (geom)`.execute(trx);
  await sql`analyze import_stage`.execute(trx);
}

async function invalidGeometries(trx: Transaction<DB>): Promise<ImportIssue[]> {
  const r = await sql<{ idx: number; code: string; reason: string; lon: number | null; lat: number | null }>`
    select idx, code, (d).reason as reason, ST_X((d).location) as lon, ST_Y((d).location) as lat
    from (select idx, code, ST_IsValidDetail(geom) as d from import_stage) v
    where not (d).valid order by idx limit ${MAX_ISSUES}`.execute(trx);
  return r.rows.map((x) => ({
    index: x.idx,
    code: x.code,
    problem: `invalid polygon: ${x.reason}`,
    location: x.lon === null ? undefined : [round7(x.lon), round7(x.lat!)],
  }));
}

/** Grids of one community whose interiors intersect, in the file or against live grids the file does not replace. */
async function overlaps(trx: Transaction<DB>): Promise<{ errors: ImportIssue[]; warnings: ImportIssue[] }> {
  const r = await sql<{
    idx: number;
    code: string;
    other: string;
    in_file: boolean;
    area: number;
    lon: number;
    lat: number;
  }>`
    with grids as (
      select idx, code, geom, true as in_file from import_stage where level = 'grid'
      union all
      select null, g.code, g.geom, false from unit_grid g
      where g.termination_date is null
        and g.community_code in (select left(code, 12) from import_stage where level = 'grid')
        and g.code not in (select code from import_stage where level = 'grid')
    ), pairs as (
      select a.idx, a.code, b.code as other, b.in_file, ST_Intersection(a.geom, b.geom) as ix
      from grids a join grids b
        on a.in_file and left(a.code, 12) = left(b.code, 12) and a.code <> b.code
       and (not b.in_file or a.code < b.code)
       and a.geom && b.geom and ST_Relate(a.geom, b.geom, 'T********')
    )
    select idx, code, other, in_file, ST_Area(ix::geography) as area,
           ST_X(ST_PointOnSurface(ix)) as lon, ST_Y(ST_PointOnSurface(ix)) as lat
    from pairs order by idx limit ${MAX_ISSUES}`.execute(trx);
  const errors: ImportIssue[] = [],
    warnings: ImportIssue[] = [];
  for (const x of r.rows) {
    const issue: ImportIssue = {
      index: x.idx,
      code: x.code,
      problem: `overlaps grid ${x.other}${x.in_file ? '' : ' (already in the database)'} of the same community by ${x.area.toFixed(2)} m²`,
      location: [round7(x.lon), round7(x.lat)],
    };
    (x.area > OVERLAP_ERROR_M2 ? errors : warnings).push(issue);
  }
  return { errors, warnings };
}

async function areaWarnings(trx: Transaction<DB>): Promise<ImportIssue[]> {
  const r = await sql<{ idx: number; code: string; area: number }>`
    select idx, code, area from (select idx, code, ST_Area(geom::geography) as area from import_stage where level = 'grid') a
    where area < ${AREA_WARN_MIN} or area > ${AREA_WARN_MAX} order by idx limit ${MAX_ISSUES}`.execute(trx);
  return r.rows.map((x) => ({
    index: x.idx,
    code: x.code,
    problem: `area ${Math.round(x.area)} m² is far from the usual 10,000 m² of a unit grid (warning range ${AREA_WARN_MIN}–${AREA_WARN_MAX})`,
  }));
}

/** A child that sticks out of its parent by more than 1 m² (parent from the file, else the live one). */
async function outsideParentWarnings(trx: Transaction<DB>): Promise<ImportIssue[]> {
  const r = await sql<{ idx: number; code: string; parent: string; area: number }>`
    with parents as (
      select code, geom from import_stage where level <> 'grid'
      union all
      select code, geom from region where termination_date is null and code not in (select code from import_stage)
    )
    select c.idx, c.code, p.code as parent, ST_Area(ST_Difference(c.geom, p.geom)::geography) as area
    from import_stage c join parents p on p.code = left(c.code, length(c.code) - 3)
    where not ST_CoveredBy(c.geom, p.geom) order by c.idx`.execute(trx);
  return r.rows
    .filter((x) => x.area > 1)
    .slice(0, MAX_ISSUES)
    .map((x) => ({
      index: x.idx,
      code: x.code,
      problem: `extends ${x.area.toFixed(1)} m² outside its parent ${x.parent}`,
    }));
}

async function writeRows(trx: Transaction<DB>): Promise<ImportSummary['counts']> {
  // Which staged rows are unchanged, replacements or new.
  await sql`create temp table import_plan on commit drop as
    select s.idx, s.code, s.level,
      case
        when coalesce(r.code, g.code) is null then 'insert'
        when coalesce(r.name, g.name) = s.name and ST_Equals(coalesce(r.geom, g.geom), ST_Multi(s.geom))
             and ST_AsBinary(coalesce(r.geom, g.geom)) = ST_AsBinary(ST_Multi(s.geom)) then 'unchanged'
        else 'replace'
      end as action
    from import_stage s
    left join region r on s.level <> 'grid' and r.code = s.code and r.termination_date is null
    left join unit_grid g on s.level = 'grid' and g.code = s.code and g.termination_date is null`.execute(trx);
  await sql`update region set termination_date = current_date, updated_at = now()
    where termination_date is null and code in (select code from import_plan where action = 'replace' and level <> 'grid')`.execute(
    trx,
  );
  await sql`update unit_grid set termination_date = current_date, updated_at = now()
    where termination_date is null and code in (select code from import_plan where action = 'replace' and level = 'grid')`.execute(
    trx,
  );
  await sql`insert into region (code, level, parent_code, district_code, name, geom, area_m2)
    select s.code, s.level, case when s.level = 'district' then null else left(s.code, length(s.code) - 3) end,
           left(s.code, 6), s.name, ST_Multi(s.geom), ST_Area(s.geom::geography)
    from import_stage s join import_plan p using (idx)
    where s.level <> 'grid' and p.action <> 'unchanged'
    order by length(s.code), s.code`.execute(trx);
  await sql`insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2)
    select s.code, s.name, left(s.code, 12), left(s.code, 9), left(s.code, 6), ST_Multi(s.geom), ST_Area(s.geom::geography)
    from import_stage s join import_plan p using (idx)
    where s.level = 'grid' and p.action <> 'unchanged'
    order by s.code`.execute(trx);
  const rows = await sql<{ level: string; action: string; n: number }>`
    select level, action, count(*)::int as n from import_plan group by level, action`.execute(trx);
  const counts = Object.fromEntries(
    LEVEL_ORDER.map((l) => [l, { inserted: 0, replaced: 0, unchanged: 0 }]),
  ) as ImportSummary['counts'];
  for (const r of rows.rows) {
    const c = counts[r.level as keyof typeof counts];
    if (r.action === 'insert') c.inserted = r.n;
    else if (r.action === 'replace') c.replaced = r.n;
    else c.unchanged = r.n;
  }
  await sql`drop table import_plan`.execute(trx);
  return counts;
}

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;
