/**
 * SQL of the case tables: summary, departments, regions — one set-based statement each, over the cases reported in
 * the period (and in the reader's scope), counted as they stand now (case_record.state). Only one fact comes from the
 * history: whether a disposed case's last 处置反馈 came after its deadline — case_record.last_dispose_at, the time of
 * its latest dispose, kept by the trigger case_event_facts (migration 0012) on every insert into case_event.
 *
 * Why the disposal deadline comes from case_record.dispose_deadline: the write path (server/cases/actions.ts) sets it
 * on every move into `dispatched` — 派遣, 返工, 改派 and 解除挂账 each start a fresh disposal clock, and its value is
 * that event's case_event.deadline — keeps it through 挂账, 处置反馈, 核查, 结案 and 督办, and drops it only on 回退.
 * For a case that stands disposed, checked or closed it is therefore the deadline of the stage its last dispose ended.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/index.js';
import type { DB } from '../db/schema.js';
import type { Period } from './period.js';

/**
 * Runs the reads of one table in a read-only transaction without JIT (compiling costs more than it saves here) and,
 * on PostgreSQL, with room for the hash tables of a city's two years. `history`: the read counts the steps of the
 * cases' histories (collectors, posts: case_step).
 */
export function evaluationRead<T>(
  database: Database,
  read: (db: Kysely<DB>) => Promise<T>,
  opts: { history?: boolean } = {},
): Promise<T> {
  return database.db.transaction().execute(async (trx) => {
    await sql`set transaction read only`.execute(trx);
    await sql`set local jit = off`.execute(trx);
    if (database.driver === 'pg') await sql.raw(`set local work_mem = '${opts.history ? 128 : 64}MB'`).execute(trx);
    return read(trx);
  });
}

/** States of a filed case (立案 cannot be undone: 作废 is only possible before it). */
export const FILED_STATES = ['filed', 'dispatched', 'parked', 'disposed', 'checked', 'closed'];
/** States of a case that is with a department or was disposed by one (a case sent back by 回退 is with the centre). */
export const DEPARTMENT_STATES = ['dispatched', 'parked', 'disposed', 'checked', 'closed'];
/** States of a case whose disposal is done (a 返工 case is back in `dispatched` and not disposed now). */
export const DISPOSED_STATES = ['disposed', 'checked', 'closed'];

export interface Where {
  period: Period;
  /** The reader's region scope (a code prefix; '' = everywhere, cases outside every region included). */
  scope: string;
}

/** The cases of the period in the scope, as a condition on `case_record ${alias}`. */
export function periodCases(w: Where, alias = 'c'): RawBuilder<boolean> {
  const c = sql.raw(alias);
  const inScope = w.scope
    ? sql`and left(coalesce(${c}.grid_code, ${c}.community_code, ${c}.street_code, ${c}.district_code, ''), ${w.scope.length}) = ${w.scope}`
    : sql``;
  return sql<boolean>`(${c}.reported_at >= ${w.period.from} and ${c}.reported_at < ${w.period.to} ${inScope})`;
}

/**
 * The per-case facts (`f`): state flags, the region codes, and on_time — disposed, and its last dispose no later than
 * the deadline then in force, i.e. no dispose after it (no deadline: no clock ran, not late; no dispose: not late).
 */
function facts(w: Where): RawBuilder<unknown> {
  return sql`
    f as (
      select c.id, c.state, c.channel, c.department_code, c.grid_code::text as grid_code, c.community_code,
        c.street_code, c.rework_count > 0 as reworked,
        c.state = any(${FILED_STATES}::text[]) as filed,
        c.state = any(${DISPOSED_STATES}::text[]) as disposed,
        c.state = 'closed' as closed,
        c.state = any(${DISPOSED_STATES}::text[])
          and (c.dispose_deadline is null or c.last_dispose_at is null or c.last_dispose_at <= c.dispose_deadline) as on_time
      from case_record c
      where ${periodCases(w)}
    )`;
}

export interface SummaryCounts {
  reported: number;
  filed: number;
  voided: number;
  disposed: number;
  disposed_on_time: number;
  closed: number;
  closed_on_time: number;
  rework: number;
}

export async function summaryCounts(db: Kysely<DB>, w: Where): Promise<SummaryCounts> {
  const r = await sql<SummaryCounts>`
    with ${facts(w)}
    select count(*)::int as reported,
      count(*) filter (where filed)::int as filed,
      count(*) filter (where state = 'voided')::int as voided,
      count(*) filter (where disposed)::int as disposed,
      count(*) filter (where on_time)::int as disposed_on_time,
      count(*) filter (where closed)::int as closed,
      count(*) filter (where closed and on_time)::int as closed_on_time,
      count(*) filter (where filed and reworked)::int as rework
    from f`.execute(db);
  return r.rows[0];
}

export interface DepartmentCounts {
  department_code: string;
  department_name: string | null;
  to_dispose: number;
  disposed: number;
  disposed_on_time: number;
  rework: number;
  closed: number;
  closed_on_time: number;
}

/** One row per department with cases of the period (the department each case was last dispatched to), by code. */
export async function departmentCounts(db: Kysely<DB>, w: Where): Promise<DepartmentCounts[]> {
  const r = await sql<DepartmentCounts>`
    with ${facts(w)},
    counted as (
      select department_code,
        count(*)::int as to_dispose,
        count(*) filter (where disposed)::int as disposed,
        count(*) filter (where on_time)::int as disposed_on_time,
        count(*) filter (where reworked)::int as rework,
        count(*) filter (where closed)::int as closed,
        count(*) filter (where closed and on_time)::int as closed_on_time
      from f where state = any(${DEPARTMENT_STATES}::text[]) and department_code is not null
      group by department_code
    )
    select k.department_code, d.name as department_name, k.to_dispose, k.disposed, k.disposed_on_time, k.rework,
      k.closed, k.closed_on_time
    from counted k left join department d on d.code = k.department_code
    order by k.department_code`.execute(db);
  return r.rows;
}

export const REGION_LEVELS = ['street', 'community', 'grid'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

export interface RegionCounts {
  code: string;
  name: string | null;
  /** Area of the live region (or of its last version, for a retired one), m². */
  area_m2: number | null;
  /** The region is live (not retired by an edit or import). */
  live: boolean;
  reported: number;
  filed: number;
  public_filed: number;
  closed: number;
  closed_on_time: number;
}

/**
 * One row per region of the level inside the scope: every live region (cases or not), and retired ones that cases of
 * the period still name; counted by the codes stored on each case. By code.
 */
export async function regionCounts(
  db: Kysely<DB>,
  w: Where,
  level: RegionLevel,
  publicChannels: string[],
): Promise<RegionCounts[]> {
  const column = sql.raw(
    level === 'grid' ? 'f.grid_code' : level === 'community' ? 'f.community_code' : 'f.street_code',
  );
  // live versions by code; a retired code's last version (its latest id), looked up only for the few codes that cases
  // name and no live region has (the index on (code, id))
  const live =
    level === 'grid'
      ? sql`select code::text as code, name, area_m2 from unit_grid where termination_date is null`
      : sql`select code, name, area_m2 from region where level = ${level} and termination_date is null`;
  const lastVersion =
    level === 'grid'
      ? sql`select v.name, v.area_m2 from unit_grid v where l.code is null and v.code = k.code::bpchar order by v.id desc limit 1`
      : sql`select v.name, v.area_m2 from region v
          where l.code is null and v.level = ${level} and v.code = k.code order by v.id desc limit 1`;
  const inScope = (col: RawBuilder<unknown>) =>
    w.scope ? sql`left(${col}, ${w.scope.length}) = ${w.scope}` : sql`true`;
  const r = await sql<RegionCounts>`
    with ${facts(w)},
    counted as (
      select ${column} as code, count(*)::int as reported,
        count(*) filter (where filed)::int as filed,
        count(*) filter (where filed and channel = any(${publicChannels}::text[]))::int as public_filed,
        count(*) filter (where closed)::int as closed,
        count(*) filter (where closed and on_time)::int as closed_on_time
      from f where ${column} is not null and ${inScope(column)}
      group by 1
    ),
    live as (select l.code, l.name, l.area_m2 from (${live}) l where ${inScope(sql`l.code`)})
    select coalesce(l.code, k.code) as code, coalesce(l.name, x.name) as name,
      coalesce(l.area_m2, x.area_m2) as area_m2, l.code is not null as live,
      coalesce(k.reported, 0) as reported, coalesce(k.filed, 0) as filed, coalesce(k.public_filed, 0) as public_filed,
      coalesce(k.closed, 0) as closed, coalesce(k.closed_on_time, 0) as closed_on_time
    from live l full join counted k on k.code = l.code
    left join lateral (${lastVersion}) x on true
    order by 1`.execute(db);
  return r.rows;
}
