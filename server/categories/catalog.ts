/**
 * The category dictionary (GB/T 47678.5 components and matters) and the time-limit table.
 *
 * A category is written `kind:code`, e.g. `matter:06010` (暴露垃圾) or `component:01001` (供水井盖). The code may
 * also be a legacy CJ/T 214 / GB/T 30428.2 4-digit code (`matter:0110` or `matter:01-10`) where its mapping is known.
 */
import { sql, type Kysely } from 'kysely';
import type { CategoryKind, DB } from '../db/schema.js';

export const CATEGORY_KINDS: CategoryKind[] = ['component', 'matter'];
export const CATEGORY_KEY_PATTERN = '^(component|matter):([0-9]{5}|[0-9]{2}-?[0-9]{2})$';

export interface Category {
  kind: CategoryKind;
  code: string;
  name: string;
  major_code: string;
  major_name: string;
  /** `kind:code` */
  key: string;
}

export type AreaClass = 'A' | 'B' | 'C';

/** Resolves `kind:code` (5-digit or legacy 4-digit) to a dictionary entry; undefined when unknown. */
export async function findCategory(db: Kysely<DB>, key: string): Promise<Category | undefined> {
  const m = new RegExp(CATEGORY_KEY_PATTERN).exec(key);
  if (!m) return undefined;
  const kind = m[1] as CategoryKind;
  const code = m[2].replace('-', '');
  const row = await db
    .selectFrom('category')
    .select(['kind', 'code', 'name', 'major_code', 'major_name'])
    .where('kind', '=', kind)
    .where(code.length === 5 ? sql<boolean>`code = ${code}` : sql<boolean>`${code} = any(legacy_codes)`)
    .executeTakeFirst();
  return row && { ...row, key: `${row.kind}:${row.code}` };
}

export async function getCategory(db: Kysely<DB>, kind: string, code: string): Promise<Category | undefined> {
  const row = await db
    .selectFrom('category')
    .select(['kind', 'code', 'name', 'major_code', 'major_name'])
    .where('kind', '=', kind as CategoryKind)
    .where('code', '=', code)
    .executeTakeFirst();
  return row && { ...row, key: `${row.kind}:${row.code}` };
}

export interface TimeLimit {
  id: number;
  kind: string;
  pattern: string;
  condition: string;
  hours: number;
  area_class: AreaClass;
  close_condition: string;
}

/**
 * The disposal limit for a category, filing condition and area class: the most specific row wins — exact code >
 * major class > '*', then a row for this condition > the row for any condition, then this kind > kind '*'.
 */
export async function disposalLimit(
  db: Kysely<DB>,
  kind: string,
  code: string,
  condition: string,
  areaClass: AreaClass,
): Promise<TimeLimit | undefined> {
  const col = { A: sql.ref('hours_a'), B: sql.ref('hours_b'), C: sql.ref('hours_c') }[areaClass];
  const r = await sql<TimeLimit>`
    select id, kind, pattern, condition, ${col}::float8 as hours, close_condition
    from time_limit
    where kind in (${kind}, '*') and pattern in (${code}, ${code.slice(0, 2)}, '*') and condition in (${condition}, '')
    order by length(pattern) desc, (pattern = '*'), (condition <> '') desc, (kind <> '*') desc
    limit 1`.execute(db);
  return r.rows[0] && { ...r.rows[0], area_class: areaClass };
}

/** Working minutes allowed for the centre's own stages (accept, verify, file, dispatch, check, close). */
export async function stageLimits(db: Kysely<DB>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('stage_limit').select(['stage', 'minutes']).execute();
  return Object.fromEntries(rows.map((r) => [r.stage, Number(r.minutes)]));
}
