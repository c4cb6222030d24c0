/**
 * Re-assignment after grids or the responsibility library change: every open case is placed again, set-based in
 * SQL (one spatial join for the grid, one ranked lateral lookup for the rule), so a city's backlog is redone in
 * seconds. Precedence is the same as assign(), from the same source: the conditions of match.ts and the RANKING of
 * precedence.ts (component maintainer > specific category > small area > priority > low id > street/district/
 * everywhere fallback); test/assign/agreement.test.ts checks that both give the same answers.
 *
 * What changes: location facts (grid, community, street, district, area class, collector area) of every open case;
 * the department only of cases not yet dispatched (reported … filed). A dispatched, parked, disposed or checked
 * case keeps its department — moving work between departments is the dispatcher's decision (改派) — and the new
 * proposal is recorded as assignment.proposed_department. Closed and voided cases keep what they had.
 * Each changed case gets a `reassess` event (system actor) in the same transaction, with the rule version used.
 *
 * The cases are redone in batches of REASSIGN_BATCH (by id), one transaction each, so that on the embedded database
 * other requests are answered between batches. Each case is re-placed atomically with its event; a run that stops
 * half-way is finished by the next (cases record the library version they were placed with).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { assignmentVersion, localDate } from './assign.js';
import { collectorAreaOf, componentDepartment, fallbackOf, ruleApplies, zoneOf, type Probe } from './match.js';
import { rankingOrderBy } from './precedence.js';

export interface ReassignResult {
  version: number;
  examined: number;
  changed: number;
  department_changed: number;
  proposed: number;
}

const BEFORE_DISPATCH = ['reported', 'verifying', 'accepted', 'filed'];

/** Open cases re-placed per transaction. */
export const REASSIGN_BATCH = 2000;

export interface ReassignOptions {
  /** Every open case, not only those assigned with an older library version. */
  all?: boolean;
  actor?: Actor;
  now?: Date;
  /** Only cases whose region lies in this region-code prefix (the caller's scope; '' or unset = all). */
  scope?: string;
  /** Cases per transaction (default REASSIGN_BATCH). */
  batch?: number;
}

export async function reassignOpenCases(db: Kysely<DB>, opts: ReassignOptions = {}): Promise<ReassignResult> {
  const batch = opts.batch ?? REASSIGN_BATCH;
  const total: ReassignResult = { version: 0, examined: 0, changed: 0, department_changed: 0, proposed: 0 };
  for (let after = 0; ;) {
    const r = await reassignBatch(db, opts, after, batch);
    total.version = r.version;
    total.examined += r.examined;
    total.changed += r.changed;
    total.department_changed += r.department_changed;
    total.proposed += r.proposed;
    if (r.examined < batch) return total;
    after = r.lastId;
    await yieldToEventLoop();
  }
}

/** Redoes up to `batch` open cases with ids above `after`, in one transaction. */
async function reassignBatch(
  db: Kysely<DB>,
  opts: ReassignOptions,
  after: number,
  batch: number,
): Promise<ReassignResult & { lastId: number }> {
  const now = opts.now ?? new Date();
  const actor = opts.actor ?? { id: null, name: 'system:reassign' };
  const scope = opts.scope ?? '';
  return write(db, { actor, layers: ['cases'] }, async (trx) => {
    const version = await assignmentVersion(trx);
    const today = localDate(now);
    await sql`drop table if exists reassign_work`.execute(trx);
    // 1. The open cases to redo, with their grid (lowest covering code) — the spatial join.
    await sql`create temp table reassign_work on commit drop as
      select c.id, c.geom, c.category_kind as kind, c.category_code as code, c.component_code, c.state,
             c.grid_code as old_grid, c.community_code as old_community, c.street_code as old_street,
             c.district_code as old_district, c.department_code as old_department, c.area_class as old_class,
             c.collector_area_id as old_area, c.rule_id as old_rule,
             c.assignment->>'proposed_department' as old_proposed,
             g.code as grid_code, g.name as grid_name
      from case_record c
      left join lateral (
        select code, name from unit_grid g
        where g.termination_date is null and ST_Intersects(g.geom, c.geom)
        order by g.code limit 1) g on true
      where c.closed_at is null and c.state <> 'voided' and c.geom is not null
        and starts_with(coalesce(c.grid_code, c.community_code, c.street_code, c.district_code, ''), ${scope})
        and c.id > ${after}
        ${opts.all ? sql`` : sql`and c.assignment_version < ${version}`}
      order by c.id limit ${batch}`.execute(trx);
    // 2. Outside coverage: the deepest region that covers the point.
    await sql`alter table reassign_work add column place text, add column street_code text, add column district_code text,
      add column community_code text`.execute(trx);
    await sql`update reassign_work w set community_code = left(grid_code, 12), street_code = left(grid_code, 9),
      district_code = left(grid_code, 6), place = grid_code where grid_code is not null`.execute(trx);
    await sql`update reassign_work w set place = r.code,
        community_code = case when r.level = 'community' then r.code end,
        street_code = case when r.level = 'community' then r.parent_code when r.level = 'street' then r.code end,
        district_code = left(r.code, 6)
      from (select o.id, x.code, x.level, x.parent_code from reassign_work o
            cross join lateral (select code, level, parent_code from region r
              where r.termination_date is null and ST_Intersects(r.geom, o.geom)
              order by length(r.code) desc, r.code limit 1) x
            where o.grid_code is null) r
      where w.id = r.id`.execute(trx);
    // 3. Area class, collector area, and the department by precedence.
    const probe: Probe = {
      geom: sql.ref('w.geom'),
      place: sql.ref('w.place'),
      kind: sql.ref('w.kind'),
      code: sql.ref('w.code'),
      today: sql`${today}::date`,
    };
    await sql`create temp table reassign_new on commit drop as
      select w.*,
        coalesce((${zoneOf(probe, 'z.class')}), 'C') as area_class,
        (${collectorAreaOf(sql.ref('w.grid_code'), 'ca.id')}) as collector_area_id,
        (select ${componentDepartment('k')} from component k where k.code = w.component_code) as component_department,
        r.id as rule_id, r.version as rule_version, r.department_code as rule_department, r.name as rule_name,
        (${fallbackOf(sql.ref('w.street_code'), sql.ref('w.district_code'), 'f.code')}) as fallback_department
      from reassign_work w
      left join lateral (
        select r.id, r.version, r.department_code, r.name from resp_rule r
        where ${ruleApplies('r', probe)}
        order by ${rankingOrderBy('r')}
        limit 1) r on true`.execute(trx);
    await sql`alter table reassign_new add column department text, add column source text, add column changed boolean,
      add column move boolean, add column keep boolean, add column proposed text`.execute(trx);
    await sql`update reassign_new set
        department = coalesce(component_department, rule_department, fallback_department),
        source = case when component_department is not null then 'component' when rule_department is not null then 'rule'
                      when fallback_department is not null then 'fallback' else 'none' end`.execute(trx);
    // Only the rule that decided is recorded: a named component's department overrides every rule.
    await sql`update reassign_new set rule_id = null, rule_version = null, rule_name = null
      where source <> 'rule'`.execute(trx);
    // move: the department changes (not yet dispatched). keep: dispatched and the library now points elsewhere —
    // the department, matched rule and why stay; the other department is proposed.
    await sql`update reassign_new set
        move = state = any(${BEFORE_DISPATCH}::text[]) and department is distinct from old_department,
        keep = not (state = any(${BEFORE_DISPATCH}::text[])) and old_department is not null and department is distinct from old_department`.execute(
      trx,
    );
    await sql`update reassign_new set
        proposed = case when keep then department end,
        changed = grid_code is distinct from old_grid or community_code is distinct from old_community
               or street_code is distinct from old_street or district_code is distinct from old_district or area_class is distinct from old_class
               or collector_area_id is distinct from old_area or move
               or (not keep and rule_id is distinct from old_rule)
               or (case when keep then department end) is distinct from old_proposed`.execute(trx);
    // 4. Write back: every examined case records the version; changed ones get the new facts and an event.
    await sql`update case_record c set
        grid_code = n.grid_code, community_code = n.community_code, street_code = n.street_code,
        district_code = n.district_code, outside_coverage = n.grid_code is null, area_class = n.area_class,
        collector_area_id = n.collector_area_id,
        department_code = case when n.keep then c.department_code else n.department end,
        rule_id = case when n.keep then c.rule_id else n.rule_id end,
        rule_version = case when n.keep then c.rule_version else n.rule_version end,
        assignment_version = ${version}, version = c.version + 1,
        assignment = c.assignment || jsonb_build_object(
          'grid', case when n.grid_code is null then null else jsonb_build_object('code', n.grid_code, 'name', n.grid_name) end,
          'community', case when n.community_code is null then null else jsonb_build_object('code', n.community_code, 'name', (select name from region where code = n.community_code and termination_date is null)) end,
          'street', case when n.street_code is null then null else jsonb_build_object('code', n.street_code, 'name', (select name from region where code = n.street_code and termination_date is null)) end,
          'district', case when n.district_code is null then null else jsonb_build_object('code', n.district_code, 'name', (select name from region where code = n.district_code and termination_date is null)) end,
          'outside_coverage', n.grid_code is null,
          'area_class', n.area_class,
          'collector_area', case when n.collector_area_id is null then null else (select jsonb_build_object('id', id, 'name', name) from collector_area where id = n.collector_area_id) end,
          'matched', case when n.keep then c.assignment->'matched' else jsonb_strip_nulls(jsonb_build_object('source', n.source, 'rule_id', n.rule_id, 'rule_version', n.rule_version,
                       'rule_name', n.rule_name, 'component_code', case when n.source = 'component' then n.component_code end)) end,
          'why', case when n.keep then c.assignment->>'why' else '重新分配（责权库版本 ' || ${version}::text || '）：' || case n.source
                   when 'component' then '部件 ' || n.component_code || ' 的养护单位'
                   when 'rule' then '规则#' || n.rule_id || '「' || coalesce(n.rule_name, '') || '」'
                   when 'fallback' then '属地兜底单位'
                   else '无规则且无兜底单位' end || ' → ' || coalesce(n.department, '未指定') end,
          'candidates', case when n.keep then c.assignment->'candidates' else '[]'::jsonb end,
          'proposed_department', n.proposed,
          'version', ${version}::bigint),
        updated_at = ${now}
      from reassign_new n where c.id = n.id and n.changed`.execute(trx);
    await sql`update case_record c set assignment_version = ${version}
      from reassign_new n where c.id = n.id and not n.changed`.execute(trx);
    await sql`insert into case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, note, deadline, detail)
      select n.id, ${now}, ${actor.id}, ${actor.name}, 'reassess', n.state, n.state,
             '责权库或网格变更后重新分配', c.stage_deadline,
             jsonb_strip_nulls(jsonb_build_object('version', ${version}::bigint, 'rule_id', n.rule_id, 'rule_version', n.rule_version,
               'grid_from', n.old_grid, 'grid_to', n.grid_code, 'department_from', n.old_department,
               'department_to', case when n.move then n.department end,
               'proposed_department', n.proposed))
      from reassign_new n join case_record c on c.id = n.id where n.changed`.execute(trx);
    const counts = (
      await sql<{ examined: number; changed: number; moved: number; proposed: number; last: number | null }>`
      select count(*)::int as examined, count(*) filter (where changed)::int as changed, max(id)::float8 as last,
             count(*) filter (where move)::int as moved,
             count(*) filter (where changed and proposed is not null)::int as proposed
      from reassign_new`.execute(trx)
    ).rows[0];
    return {
      result: {
        version,
        examined: counts.examined,
        changed: counts.changed,
        department_changed: counts.moved,
        proposed: counts.proposed,
        lastId: counts.last ?? after,
      },
      action: 'reassign',
      entity: 'cases',
      key: scope || null,
      detail: { version, all: !!opts.all, scope, after, ...counts },
    };
  });
}
