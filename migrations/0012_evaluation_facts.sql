-- Evaluation facts kept at write time (server/evaluation): what the evaluation tables would otherwise work out from
-- every case's history on each read (sorting a city's millions of events took 10–25 s for two years).
--
-- They are kept by one statement-level trigger on case_event, so every writer keeps them — the workflow
-- (server/cases/*, through server/db/write.ts), re-assignment (server/assign), the case exchange import
-- (server/exchange, whole histories in one statement), the demo replay and any direct insert — and the facts are
-- worked out in one place, set-based over the rows the statement added.
--
-- 1. case_record.last_dispose_at: the time of the case's latest 处置反馈 (dispose). A disposed case is disposed on
--    time when it is no later than case_record.dispose_deadline (the deadline of the disposal stage the last dispose
--    ended), i.e. when no dispose came after that deadline.
alter table case_record add column last_dispose_at timestamptz;
update case_record c set last_dispose_at = d.at
from (select case_id, max(at) as at from case_event where action = 'dispose' group by case_id) d
where d.case_id = c.id;

-- 2. case_step: one row per evaluated step of a history — 受理, 核实派发, 核实反馈, 作废, 立案, 派遣, 核查通过, 返工,
--    结案, and the 上报 of a report without an account (an imported history names its collector) — with its actor,
--    the case's report time (case_record.reported_at never changes) and
--    - on_time: taken no later than the deadline in force, i.e. the deadline the case's previous workflow event set
--      (督办, 挂账, 解除挂账, 重新分派 (reassess) and other non-workflow events left out: none starts or ends a stage
--      whose step is evaluated); no deadline in force → on time;
--    - redone: a 派遣 whose next workflow event is 回退 or 改派 (set when that event comes);
--    - from_reported: the step took a new report out of 上报.
create table case_step (
  event_id      bigint primary key,
  case_id       bigint not null,
  reported_at   timestamptz not null,
  action        text not null,
  from_reported boolean not null,
  actor_id      integer,
  actor_name    text not null,
  on_time       boolean not null,
  redone        boolean not null default false
);
-- 3. case_step_day: the steps (but 上报) counted by the day their case was reported (China Standard Time) and what
--    the tables group them by — a city's two years in a few hundred thousand rows; a reader whose scope is the whole
--    city reads these, a reader with a region scope the steps joined with their cases (whose region codes may change).
create table case_step_day (
  day           date not null,
  action        text not null,
  on_time       boolean not null,
  redone        boolean not null,
  from_reported boolean not null,
  actor_id      integer,
  actor_name    text not null,
  n             integer not null,
  unique nulls not distinct (day, action, on_time, redone, from_reported, actor_id, actor_name)
);

-- The day in China Standard Time (UTC+8, no daylight saving) of an instant.
create function china_day(t timestamptz) returns date language sql immutable parallel safe as $$
  select ((t at time zone 'UTC') + interval '8 hours')::date
$$;

-- The workflow events among which "the previous event" is taken (every ACTIONS name but 督办, 挂账, 解除挂账; and 上报).
create function case_step_listed(action text) returns boolean language sql immutable parallel safe as $$
  select action in ('report', 'accept', 'request_verify', 'verify', 'void', 'file', 'dispatch', 'reassign', 'return',
    'dispose', 'check', 'rework', 'close')
$$;

create function case_event_facts() returns trigger language plpgsql as $$
begin
  with added_steps as (
    insert into case_step (event_id, case_id, reported_at, action, from_reported, actor_id, actor_name, on_time, redone)
    select x.id, x.case_id, c.reported_at, x.action, x.from_state is not distinct from 'reported', x.actor_id,
      x.actor_name, x.due is null or x.at <= x.due,
      x.action = 'dispatch' and coalesce(x.next_action in ('return', 'reassign'), false)
    from (
      select a.id, a.case_id, a.action, a.from_state, a.actor_id, a.actor_name, a.at,
        -- the previous listed event: in this statement's rows (a whole imported history), else already stored (a
        -- workflow step) — looked up only for the steps kept, so an import never probes the stored history
        case when lag(a.id) over w is not null then lag(a.deadline) over w
          when a.action <> 'report' then (select p.deadline from case_event p
            where p.case_id = a.case_id and p.id < a.id and case_step_listed(p.action) order by p.id desc limit 1)
        end as due,
        lead(a.action) over w as next_action
      from added a where case_step_listed(a.action)
      window w as (partition by a.case_id order by a.id)
    ) x join case_record c on c.id = x.case_id
    where x.action in ('accept', 'request_verify', 'verify', 'void', 'file', 'dispatch', 'check', 'rework', 'close')
      or (x.action = 'report' and x.actor_id is null)
    returning reported_at, action, on_time, redone, from_reported, actor_id, actor_name)
  insert into case_step_day as d (day, action, on_time, redone, from_reported, actor_id, actor_name, n)
  select china_day(reported_at), action, on_time, redone, from_reported, actor_id, actor_name, count(*)
  from added_steps where action <> 'report'
  group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7
  on conflict (day, action, on_time, redone, from_reported, actor_id, actor_name) do update set n = d.n + excluded.n;

  -- a 回退 or 改派 right after a stored 派遣: that dispatch was redone (and moves to the redone count of its day)
  with flipped as (
    update case_step s set redone = true
    from (
      -- the 回退/改派 with no earlier listed event of its case among the added rows (an anti-join that costs nothing
      -- when none was added)
      select f.case_id, f.id from added f
      where f.action in ('return', 'reassign') and not exists (select 1 from added b
        where b.case_id = f.case_id and b.id < f.id and case_step_listed(b.action))
    ) f
    cross join lateral (select p.id, p.action from case_event p
      where p.case_id = f.case_id and p.id < f.id and case_step_listed(p.action) order by p.id desc limit 1) p
    where p.action = 'dispatch' and s.event_id = p.id and not s.redone
    returning s.reported_at, s.action, s.on_time, s.from_reported, s.actor_id, s.actor_name),
  moved as (
    select china_day(reported_at) as day, action, on_time, from_reported, actor_id, actor_name, count(*) as n
    from flipped group by 1, 2, 3, 4, 5, 6),
  taken as (
    update case_step_day d set n = d.n - m.n from moved m
    where d.day = m.day and d.action = m.action and d.on_time = m.on_time and not d.redone
      and d.from_reported = m.from_reported and d.actor_id is not distinct from m.actor_id and d.actor_name = m.actor_name)
  insert into case_step_day as d (day, action, on_time, redone, from_reported, actor_id, actor_name, n)
  select day, action, on_time, true, from_reported, actor_id, actor_name, n from moved order by 1, 2, 3, 5, 6, 7
  on conflict (day, action, on_time, redone, from_reported, actor_id, actor_name) do update set n = d.n + excluded.n;

  update case_record c set last_dispose_at = d.at
  from (select case_id, max(at) as at from added where action = 'dispose' group by case_id) d
  where c.id = d.case_id and (c.last_dispose_at is null or c.last_dispose_at < d.at);
  return null;
end
$$;

create trigger case_event_facts after insert on case_event referencing new table as added
  for each statement execute function case_event_facts();

-- The history as it stands: every stored case's steps.
insert into case_step (event_id, case_id, reported_at, action, from_reported, actor_id, actor_name, on_time, redone)
select x.id, x.case_id, c.reported_at, x.action, x.from_state is not distinct from 'reported', x.actor_id, x.actor_name,
  x.due is null or x.at <= x.due, x.action = 'dispatch' and coalesce(x.next_action in ('return', 'reassign'), false)
from (
  select e.id, e.case_id, e.action, e.from_state, e.actor_id, e.actor_name, e.at,
    lag(e.deadline) over w as due, lead(e.action) over w as next_action
  from case_event e where case_step_listed(e.action)
  window w as (partition by e.case_id order by e.id)
) x join case_record c on c.id = x.case_id
where x.action in ('accept', 'request_verify', 'verify', 'void', 'file', 'dispatch', 'check', 'rework', 'close')
  or (x.action = 'report' and x.actor_id is null);

insert into case_step_day (day, action, on_time, redone, from_reported, actor_id, actor_name, n)
select china_day(reported_at), action, on_time, redone, from_reported, actor_id, actor_name, count(*)
from case_step where action <> 'report'
group by 1, 2, 3, 4, 5, 6, 7;

-- A period's steps in a region scope (a month: a range of this index; years: a scan of the table); the collectors'
-- steps and the reports without an account read from their own (smaller) indexes alone; the 立案 steps of a case.
create index case_step_reported on case_step (reported_at);
create index case_step_collector on case_step (reported_at) include (action, actor_id, actor_name, on_time)
  where action in ('verify', 'check', 'rework');
create index case_step_report on case_step (reported_at) include (case_id, actor_name) where action = 'report';
create index case_step_file on case_step (case_id) where action = 'file';
-- The voided cases of a period (the posts' 作废数 of 立案 steps), read from this index alone.
create index case_record_voided on case_record (reported_at) include (id) where state = 'voided';

-- The evaluation no longer probes the history: 0010's indexes go (one less index to keep per event).
drop index case_event_dispose;
drop index case_event_at;
