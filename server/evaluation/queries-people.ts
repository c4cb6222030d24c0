/**
 * SQL of the people tables: collectors (监督员) and posts (受理员, 值班长, 派遣员), from the steps of the histories of
 * the cases reported in the period (and in the reader's scope).
 *
 * A step is on time when it came no later than the deadline in force when it was taken. Each event's
 * case_event.deadline is the deadline of the stage it starts (server/cases/actions.ts), and the stage it ends was
 * started by the event before it — so the deadline in force is the previous event's deadline. 督办, 挂账/解除挂账 and
 * 重新分派 (reassess) events are left out of that history: none of them starts or ends a stage whose step is
 * evaluated here (督办 and reassess keep the running deadline). No deadline in force (no stage limit configured): not
 * late. These facts — on time, and whether a 派遣 was redone (its next step a 回退 or 改派) — are kept per step in
 * case_step by the trigger case_event_facts (migration 0012) when the events are written, with the case's report
 * time: a table reads the period's steps and groups them by actor, with no pass over the histories.
 *
 * Who: a person is an account (the event's actor_id), or — in an imported history (server/exchange), where events
 * carry a name and no account — the account of that name, else the name itself. A collector is the collector of that
 * account (collector.user_id), or the collector whose code the imported event names. The collector who made a report
 * is the actor of its `report` event: the reporting account at intake (case_record.created_by), the collector_code
 * of an imported case (no account: the event's actor_name).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import { FILED_STATES, periodCases, type Where } from './queries.js';

/**
 * The steps `s` of the period's cases in the scope: by the report time kept on each step; in a scope, joined with
 * their cases (`c`, whose region codes may change).
 */
function periodSteps(w: Where, actions: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`case_step s ${w.scope ? sql`join case_record c on c.id = s.case_id and ${periodCases(w)}` : sql``}
    where s.reported_at >= ${w.period.from} and s.reported_at < ${w.period.to} and ${actions}`;
}

/**
 * Collectors by account (the first by id when several share one) and by name: a collector's code, else the name of
 * its account (a code wins over an account name).
 */
const PEOPLE = sql`
  by_account as (select distinct on (user_id) user_id, code from collector where user_id is not null order by user_id, id),
  by_name as (
    select distinct on (name) name, code from (
      select code as name, code, 0 as rank from collector
      union all select u.name, k.code, 1 from by_account k join app_user u on u.id = k.user_id) x
    order by name, rank
  )`;

/** The collector of the actor of event `x`: `coalesce(ka.code, kn.code)`. */
const collectorJoin = (x: string) => {
  const e = sql.raw(x);
  return sql`left join by_account ka on ka.user_id = ${e}.actor_id
    left join by_name kn on ${e}.actor_id is null and kn.name = ${e}.actor_name`;
};

export interface CollectorCounts {
  collector_code: string;
  collector_name: string | null;
  reported: number;
  valid_reported: number;
  verified: number;
  verified_on_time: number;
  checked: number;
  checked_on_time: number;
}

/**
 * Per collector: reports (channel collector, made with the collector's account) and how many were filed; 核实反馈
 * (verify) and 核查 (check passed, or rework: both are the collector's 核查 result) done, and how many on time. Every
 * collector with a report or a 核实/核查 in the period; by code.
 */
export async function collectorCounts(db: Kysely<DB>, w: Where): Promise<CollectorCounts[]> {
  const r = await sql<CollectorCounts>`
    with ${PEOPLE},
    by_actor as (
      select s.actor_id, s.actor_name,
        count(*) filter (where s.action = 'verify')::int as verified,
        count(*) filter (where s.action = 'verify' and s.on_time)::int as verified_on_time,
        count(*) filter (where s.action in ('check', 'rework'))::int as checked,
        count(*) filter (where s.action in ('check', 'rework') and s.on_time)::int as checked_on_time
      from ${periodSteps(w, sql`s.action in ('verify', 'check', 'rework')`)}
      group by 1, 2
    ),
    work as (
      select coalesce(ka.code, kn.code) as code, sum(verified)::int as verified,
        sum(verified_on_time)::int as verified_on_time, sum(checked)::int as checked,
        sum(checked_on_time)::int as checked_on_time
      from by_actor ev ${collectorJoin('ev')}
      where coalesce(ka.code, kn.code) is not null
      group by 1
    ),
    reports as (
      select code, count(*)::int as reported,
        count(*) filter (where state = any(${FILED_STATES}::text[]))::int as valid_reported
      from (
        select ka.code, c.state from case_record c join by_account ka on ka.user_id = c.created_by
        where ${periodCases(w)}
        union all
        select kn.code, c.state from case_step s
        join case_record c on c.id = s.case_id
        join by_name kn on kn.name = s.actor_name
        where s.action = 'report' and s.reported_at >= ${w.period.from} and s.reported_at < ${w.period.to}
          and ${periodCases(w)} and c.created_by is null
      ) x
      group by code
    )
    select coalesce(r.code, k.code) as collector_code, n.name as collector_name,
      coalesce(r.reported, 0) as reported, coalesce(r.valid_reported, 0) as valid_reported,
      coalesce(k.verified, 0) as verified, coalesce(k.verified_on_time, 0) as verified_on_time,
      coalesce(k.checked, 0) as checked, coalesce(k.checked_on_time, 0) as checked_on_time
    from reports r full join work k on k.code = r.code
    left join collector n on n.code = coalesce(r.code, k.code)
    order by 1`.execute(db);
  return r.rows;
}

export interface PostCounts {
  actor_id: number | null;
  actor_name: string | null;
  /** 受理: reports leaving 'reported' by this person (受理, 核实派发, 作废 of a new report). */
  accepted: number;
  verify_dispatched: number;
  verify_dispatched_on_time: number;
  /** 立案, on time, and how many of those cases ended 作废. */
  filed: number;
  filed_on_time: number;
  filed_voided: number;
  closed: number;
  closed_on_time: number;
  dispatched: number;
  dispatched_on_time: number;
  /** Dispatches the department sent back (回退) or the centre re-assigned (改派) before any 处置反馈. */
  redone: number;
}

/** Per person with a 受理, 立案, 结案 or 派遣 in the history of the period's cases; by account, then name. */
export async function postCounts(db: Kysely<DB>, w: Where): Promise<PostCounts[]> {
  // 作废 after 立案 is refused by the workflow, so few (if any) filed cases stand voided: looked up among the voided
  // cases of the period rather than joined for every step (in a scope, the joined case says it).
  const voided = w.scope
    ? sql`c.state = 'voided'`
    : sql`s.case_id in (select c.id from case_record c where c.state = 'voided' and ${periodCases(w)})`;
  const r = await sql<PostCounts>`
    with counted as (
      select s.actor_id, s.actor_name,
        count(*) filter (where s.from_reported)::int as accepted,
        count(*) filter (where s.action = 'request_verify')::int as verify_dispatched,
        count(*) filter (where s.action = 'request_verify' and s.on_time)::int as verify_dispatched_on_time,
        count(*) filter (where s.action = 'file')::int as filed,
        count(*) filter (where s.action = 'file' and s.on_time)::int as filed_on_time,
        count(*) filter (where s.action = 'file' and ${voided})::int as filed_voided,
        count(*) filter (where s.action = 'close')::int as closed,
        count(*) filter (where s.action = 'close' and s.on_time)::int as closed_on_time,
        count(*) filter (where s.action = 'dispatch')::int as dispatched,
        count(*) filter (where s.action = 'dispatch' and s.on_time)::int as dispatched_on_time,
        count(*) filter (where s.action = 'dispatch' and s.redone)::int as redone
      from ${periodSteps(
        w,
        sql`(s.action in ('accept', 'request_verify', 'file', 'close', 'dispatch') or (s.action = 'void' and s.from_reported))
        and (s.actor_id is not null or s.actor_name <> '')`,
      )}
      group by s.actor_id, s.actor_name
    ),
    people as (
      select k.*, coalesce(k.actor_id, un.id) as person from counted k
      left join app_user un on k.actor_id is null and un.name = k.actor_name
    )
    select p.person as actor_id, coalesce(u.name, max(p.actor_name)) as actor_name,
      sum(accepted)::int as accepted, sum(verify_dispatched)::int as verify_dispatched,
      sum(verify_dispatched_on_time)::int as verify_dispatched_on_time, sum(filed)::int as filed,
      sum(filed_on_time)::int as filed_on_time, sum(filed_voided)::int as filed_voided, sum(closed)::int as closed,
      sum(closed_on_time)::int as closed_on_time, sum(dispatched)::int as dispatched,
      sum(dispatched_on_time)::int as dispatched_on_time, sum(redone)::int as redone
    from people p left join app_user u on u.id = p.person
    group by p.person, case when p.person is null then p.actor_name end, u.name
    order by p.person nulls last, coalesce(u.name, max(p.actor_name)) collate "C"`.execute(db);
  return r.rows;
}
