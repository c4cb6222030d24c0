/** Expected rows of the evaluation tables, built from hand-counted figures (tables.test.ts). */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';

export function dept(code: string, name: string, n: number[], rates: number[], score: number, grade: string) {
  const [to_dispose, disposed, disposed_on_time, rework, closed, closed_on_time] = n;
  const [disposal_rate, on_time_disposal_rate, rework_rate, closure_rate, on_time_closure_rate] = rates;
  return {
    department_code: code,
    department_name: name,
    to_dispose,
    disposed,
    disposed_on_time,
    rework,
    closed,
    closed_on_time,
    to_close: to_dispose,
    disposal_rate,
    on_time_disposal_rate,
    rework_rate,
    closure_rate,
    on_time_closure_rate,
    score,
    grade,
  };
}

export function coll(code: string, name: string, n: number[], rates: (number | null)[], score: number, grade: string) {
  const [reported, valid_reported, verified, verified_on_time, checked, checked_on_time] = n;
  const [valid_report_rate, on_time_verify_rate, on_time_check_rate] = rates;
  return {
    collector_code: code,
    collector_name: name,
    reported,
    valid_reported,
    verified,
    verified_on_time,
    checked,
    checked_on_time,
    valid_report_rate,
    on_time_verify_rate,
    on_time_check_rate,
    score,
    grade,
  };
}

export function lead(id: number | null, name: string, f: number[], c: number[], score: number, grade: string) {
  const [filed, filed_on_time, filed_voided, accurately_filed] = f;
  const [closed, closed_on_time] = c;
  return {
    actor_id: id,
    actor_name: name,
    filed,
    filed_on_time,
    on_time_filing_rate: filed_on_time / filed,
    filed_voided,
    accurately_filed,
    accurate_filing_rate: accurately_filed / filed,
    closed,
    closed_on_time,
    on_time_closing_rate: closed ? closed_on_time / closed : null,
    score,
    grade,
  };
}

/** Areas (m²) of the live regions or grids, as the importer stored them. */
export async function areas(database: Database, table: 'region' | 'unit_grid'): Promise<Map<string, number>> {
  const r = await sql<{ code: string; area_m2: number }>`
    select code::text as code, area_m2 from ${sql.table(table)} where termination_date is null`.execute(database.db);
  return new Map(r.rows.map((x) => [x.code, x.area_m2]));
}

export function region(
  code: string,
  name: string,
  area: Map<string, number>,
  n: number[],
  rates: number[],
  filedScore: number,
  score: number,
  grade: string,
) {
  const [reported, filed, public_filed, closed, closed_on_time] = n;
  const [public_report_rate, closure_rate, on_time_closure_rate] = rates;
  const km2 = area.get(code)! / 1e6;
  return {
    code,
    name,
    live: true,
    area_km2: km2,
    reported,
    filed,
    public_filed,
    public_report_rate,
    to_close: filed,
    closed,
    closed_on_time,
    closure_rate,
    on_time_closure_rate,
    filed_density: (filed * 30) / 31 / km2,
    filed_score: filedScore,
    score,
    grade,
  };
}
