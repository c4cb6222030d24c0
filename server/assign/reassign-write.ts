/**
 * The writing half of re-assignment (reassign.ts): the computed cases (reassign-compute.ts) in an id range
 * are written back in one statement — the changed ones get their new facts, a new row version and a `reassess`
 * event (one INSERT … SELECT from the UPDATE's RETURNING), the unchanged ones only record the library version.
 * A case written by someone else since it was computed (its row version moved on) is left alone and reported as
 * skipped: the caller computes it again.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Actor } from '../db/write.js';
import { tableOf, type WorkTables } from './reassign-compute.js';

export interface WriteRange {
  tables: WorkTables;
  version: number;
  now: Date;
  actor: Actor;
  /** Cases with ids in (after, upTo]; both unset = every computed case. */
  after?: number;
  upTo?: number | null;
}

export interface WriteCounts {
  examined: number;
  changed: number;
  department_changed: number;
  proposed: number;
  /** Cases changed by another writer since they were computed: not written, to be computed again. */
  skipped: number[];
}

export async function writePlacements(trx: Kysely<DB>, w: WriteRange): Promise<WriteCounts> {
  const { version, now, actor } = w;
  const computed = tableOf(w.tables, 'new');
  // The range on both sides: the cases are read by their primary key, not scanned.
  const range = (
    alias: string,
  ) => sql`${w.after !== undefined ? sql`and ${sql.ref(`${alias}.id`)} > ${w.after}` : sql``}
    ${w.upTo !== undefined && w.upTo !== null ? sql`and ${sql.ref(`${alias}.id`)} <= ${w.upTo}` : sql``}`;
  const r = await sql<{ changed: number; same: number; moved: number; proposed: number; skipped: number[] }>`
    with placed as (
      update case_record c set
        grid_code = n.grid_code, community_code = n.community_code, street_code = n.street_code,
        district_code = n.district_code, outside_coverage = n.grid_code is null, area_class = n.area_class,
        collector_area_id = n.collector_area_id,
        department_code = case when n.keep then c.department_code else n.department end,
        rule_id = case when n.keep then c.rule_id else n.rule_id end,
        rule_version = case when n.keep then c.rule_version else n.rule_version end,
        assignment_version = ${version}, version = c.version + 1,
        assignment = c.assignment || n.patch || case when n.keep then jsonb_build_object('matched', c.assignment->'matched',
          'why', c.assignment->'why', 'candidates', c.assignment->'candidates') else '{}'::jsonb end,
        updated_at = ${now}
      from ${computed} n
      where c.id = n.id and n.changed and c.version = n.case_version ${range('n')} ${range('c')}
      returning c.id, c.stage_deadline, n.state, n.event_detail, n.move, n.proposed),
    events as (
      insert into case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, note, deadline, detail)
      select p.id, ${now}, ${actor.id}, ${actor.name}, 'reassess', p.state, p.state,
             '责权库或网格变更后重新分配', p.stage_deadline,
             p.event_detail
      from placed p
      returning case_id),
    same as (
      update case_record c set assignment_version = ${version}
      from ${computed} n
      where c.id = n.id and not n.changed and c.version = n.case_version ${range('n')} ${range('c')}
      returning c.id)
    select (select count(*) from events)::int as changed, (select count(*) from same)::int as same,
           (select count(*) from placed where move)::int as moved,
           (select count(*) from placed where proposed is not null)::int as proposed,
           array(select n.id from ${computed} n
                 where not exists (select 1 from placed p where p.id = n.id)
                   and not exists (select 1 from same s where s.id = n.id) ${range('n')}
                 order by n.id)::float8[] as skipped`.execute(trx);
  const c = r.rows[0];
  return {
    examined: c.changed + c.same,
    changed: c.changed,
    department_changed: c.moved,
    proposed: c.proposed,
    skipped: c.skipped.map(Number),
  };
}
