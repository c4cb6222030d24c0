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
 * How many steps of the period's cases in the scope, by actor and kind (`actor_id, actor_name, action, on_time, redone,
 * from_reported, n`), of those `where` (on `s`) picks. Over the whole city, the day counts (case_step_day: a few
 * hundred rows a day); in a region scope, the steps themselves joined with their cases (whose region codes may change).
 */
function stepCounts(w: Where, where: RawBuilder<unknown>): RawBuilder<unknown> {
  const by = sql`s.actor_id, s.actor_name, s.action, s.on_time, s.redone, s.from_reported`;
  return w.scope
    ? sql`select ${by}, count(*) as n
        from case_step s join case_record c on c.id = s.case_id and ${periodCases(w)}
        where s.reported_at >= ${w.period.from} and s.reported_at < ${w.period.to} and ${where}
        group by 1, 2, 3, 4, 5, 6`
    : sql`select ${by}, sum(s.n) as n
        from case_step_day s
        where s.day >= china_day(${w.period.from}) and s.day < china_day(${w.period.to}) and ${where}
        group by 1, 2, 3, 4, 5, 6`;
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
    by_kind as (
      select s.actor_id, s.actor_name, s.action = 'verify' as verify, s.on_time, sum(s.n) as n
      from (${stepCounts(w, sql`s.action in ('verify', 'check', 'rework')`)}) s
      group by 1, 2, 3, 4
    ),
    by_actor as (
      select actor_id, actor_name,
        coalesce(sum(n) filter (where verify), 0) as verified,
        coalesce(sum(n) filter (where verify and on_time), 0) as verified_on_time,
        coalesce(sum(n) filter (where not verify), 0) as checked,
        coalesce(sum(n) filter (where not verify and on_time), 0) as checked_on_time
      from by_kind group by 1, 2
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
      select code, sum(n)::int as reported, coalesce(sum(n) filter (where filed), 0)::int as valid_reported
      from (
        select ka.code, r.filed, r.n from (
          select c.created_by, c.state = any(${FILED_STATES}::text[]) as filed, count(*) as n from case_record c
          where ${periodCases(w)} and c.created_by is not null
          group by 1, 2) r
        join by_account ka on ka.user_id = r.created_by
        union all
        select kn.code, c.state = any(${FILED_STATES}::text[]), 1 from case_step s
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
  const r = await sql<PostCounts>`
    with by_kind as (
      ${stepCounts(
        w,
        sql`(s.action in ('accept', 'request_verify', 'file', 'close', 'dispatch') or (s.action = 'void' and s.from_reported))
          and (s.actor_id is not null or s.actor_name <> '')`,
      )}
      -- 作废数 of 立案: the workflow refuses 作废 after 立案, so few (if any) of the period's voided cases (the index
      -- case_record_voided) have a 立案 step (case_step_file)
      union all
      select s.actor_id, s.actor_name, 'voided_file', false, false, false, count(*)
      from case_record c
      -- probed per voided case (offset 0 keeps it a probe, not a scan of every 立案 step)
      cross join lateral (select s.actor_id, s.actor_name from case_step s
        where s.case_id = c.id and s.action = 'file' offset 0) s
      where c.state = 'voided' and ${periodCases(w)} and (s.actor_id is not null or s.actor_name <> '')
      group by 1, 2
    ),
    counted as (
      select actor_id, actor_name,
        coalesce(sum(n) filter (where from_reported), 0) as accepted,
        coalesce(sum(n) filter (where action = 'request_verify'), 0) as verify_dispatched,
        coalesce(sum(n) filter (where action = 'request_verify' and on_time), 0) as verify_dispatched_on_time,
        coalesce(sum(n) filter (where action = 'file'), 0) as filed,
        coalesce(sum(n) filter (where action = 'file' and on_time), 0) as filed_on_time,
        coalesce(sum(n) filter (where action = 'voided_file'), 0) as filed_voided,
        coalesce(sum(n) filter (where action = 'close'), 0) as closed,
        coalesce(sum(n) filter (where action = 'close' and on_time), 0) as closed_on_time,
        coalesce(sum(n) filter (where action = 'dispatch'), 0) as dispatched,
        coalesce(sum(n) filter (where action = 'dispatch' and on_time), 0) as dispatched_on_time,
        coalesce(sum(n) filter (where action = 'dispatch' and redone), 0) as redone
      from by_kind
      group by actor_id, actor_name
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
