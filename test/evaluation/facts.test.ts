/**
 * The evaluation facts kept at write time (migration 0012: the trigger case_event_facts fills case_step, its day
 * counts case_step_day and case_record.last_dispose_at on every insert into case_event) equal what the histories say, whoever wrote them: the
 * workflow (applyAction, one event per statement), a history written directly (K11 of the hand-made log), and the
 * case exchange import (whole histories in one statement, in bulk on PostgreSQL).
 *
 * The reference is worked out from case_event as the evaluation used to read it: the deadline in force is the
 * previous event's deadline, over the posts' workflow events (上报, 受理, 核实派发, 核实反馈, 作废, 立案, 派遣, 改派, 回退,
 * 处置反馈, 核查通过, 结案) for the centre's steps and over the collectors' (核实派发, 核实反馈, 处置反馈, 核查通过, 返工)
 * for 核实反馈 and 核查; a 派遣 is redone when the posts' next event is 回退 or 改派.
 */
import { expect } from 'chai';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.js';
import type { Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { importCases } from '../../server/exchange/import.js';
import { buildEvaluationLog, type EvaluationWorld } from './fixture.js';
import { CASES, NOW, bytes, ndjson, setUpExchangeWorld, tearDownWorld, type World } from '../exchange/fixture.js';

interface Step {
  event_id: number;
  case_id: number;
  reported_at: string;
  action: string;
  from_reported: boolean;
  actor_id: number | null;
  actor_name: string;
  on_time: boolean;
  redone: boolean;
}

const POSTS = `'report', 'accept', 'request_verify', 'verify', 'void', 'file', 'dispatch', 'reassign', 'return', 'dispose', 'check', 'close'`;
const COLLECTORS = `'request_verify', 'verify', 'dispose', 'check', 'rework'`;

/** The steps as the history says (see the header). */
async function reference(db: Kysely<DB>): Promise<Step[]> {
  const r = await sql<Step>`
    select e.id::int as event_id, e.case_id::int as case_id, c.reported_at::text as reported_at, e.action,
      e.from_state is not distinct from 'reported' as from_reported, e.actor_id, e.actor_name,
      coalesce(e.at <= case when e.action in ('verify', 'check', 'rework') then k.due else p.due end, true) as on_time,
      e.action = 'dispatch' and coalesce(p.next_action in ('return', 'reassign'), false) as redone
    from case_event e join case_record c on c.id = e.case_id
    left join (select id, lag(deadline) over w as due, lead(action) over w as next_action from case_event
      where action in (${sql.raw(POSTS)}) window w as (partition by case_id order by id)) p on p.id = e.id
    left join (select id, lag(deadline) over w as due from case_event
      where action in (${sql.raw(COLLECTORS)}) window w as (partition by case_id order by id)) k on k.id = e.id
    where e.action in ('accept', 'request_verify', 'verify', 'void', 'file', 'dispatch', 'check', 'rework', 'close')
      or (e.action = 'report' and e.actor_id is null)
    order by e.id`.execute(db);
  return r.rows;
}

async function stored(db: Kysely<DB>): Promise<Step[]> {
  const r = await sql<Step>`
    select event_id::int as event_id, case_id::int as case_id, reported_at::text as reported_at, action, from_reported,
      actor_id, actor_name, on_time, redone
    from case_step order by event_id`.execute(db);
  return r.rows;
}

/** Day counts (case_step_day, zero counts left out) that differ from the steps counted by day (none, when kept). */
async function wrongDayCounts(db: Kysely<DB>): Promise<unknown[]> {
  const r = await sql`
    with kept as (select day, action, on_time, redone, from_reported, actor_id, actor_name, n from case_step_day where n <> 0),
    counted as (
      select ((reported_at at time zone 'UTC') + interval '8 hours')::date as day, action, on_time, redone, from_reported,
        actor_id, actor_name, count(*)::int as n
      from case_step where action <> 'report' group by 1, 2, 3, 4, 5, 6, 7)
    (select 'kept' as side, * from kept except select 'kept', * from counted)
    union all (select 'counted', * from counted except select 'counted', * from kept)`.execute(db);
  return r.rows;
}

/** Cases whose last_dispose_at is not the time of their latest 处置反馈 (none, when the trigger kept it). */
async function wrongLastDispose(db: Kysely<DB>): Promise<unknown[]> {
  const r = await sql`
    select c.id, c.last_dispose_at, d.at from case_record c
    left join (select case_id, max(at) as at from case_event where action = 'dispose' group by case_id) d on d.case_id = c.id
    where c.last_dispose_at is distinct from d.at`.execute(db);
  return r.rows;
}

describe(`evaluation facts kept at write time (${DRIVER})`, function () {
  this.timeout(120_000);

  describe('the hand-made case log (workflow steps one by one, K11 written directly)', () => {
    let database: Database;
    let world: EvaluationWorld;
    before(async () => {
      database = await openTestDatabase();
      world = await buildEvaluationLog(database);
    });
    after(async () => database?.close());

    it('case_step holds every evaluated step, as the history says', async () => {
      const steps = await stored(database.db);
      expect(steps).to.deep.equal(await reference(database.db));
      expect(await wrongDayCounts(database.db)).to.deep.equal([]);
      // The 上报 kept are those of the reports without an account: K7 (an app report) and K11 (imported, naming its
      // collector).
      expect(steps.filter((s) => s.action === 'report').map((s) => [s.case_id, s.actor_name])).to.deep.equal([
        [world.cases.K7, 'channel:app'],
        [world.cases.K11, 'C03'],
      ]);
    });

    it('on time and redone by hand: K2 late at 受理 and 派遣, K4 dispatched twice (the first sent back), K6 re-assigned', async () => {
      const steps = await stored(database.db);
      const of = (k: string) =>
        steps
          .filter((s) => s.case_id === world.cases[k])
          .map((s) => `${s.action}${s.on_time ? '✓' : '✗'}${s.redone ? ' redone' : ''}`);
      expect(of('K2')).to.deep.equal(['accept✗', 'file✓', 'dispatch✗', 'check✓', 'close✗']);
      expect(of('K3')).to.deep.equal(['request_verify✓', 'verify✓', 'file✓', 'dispatch✓', 'rework✗', 'check✓']);
      expect(of('K4')).to.deep.equal(['accept✓', 'file✓', 'dispatch✓ redone', 'dispatch✓']);
      expect(of('K6')).to.deep.equal(['accept✓', 'file✓', 'dispatch✓ redone']);
      expect(of('K7')).to.deep.equal(['report✓', 'accept✓', 'file✓', 'dispatch✓', 'check✗', 'close✓']);
    });

    it('last_dispose_at is the latest 处置反馈 of every case (K3: the second, after 返工)', async () => {
      expect(await wrongLastDispose(database.db)).to.deep.equal([]);
      const k3 = await sql<{
        t: Date;
      }>`select last_dispose_at as t from case_record where id = ${world.cases.K3}`.execute(database.db);
      expect(k3.rows[0].t.toISOString()).to.equal(new Date('2025-03-12T10:00:00+08:00').toISOString());
    });
  });

  describe('the case exchange import (whole histories in one statement)', () => {
    let w: World;
    before(async () => {
      w = await setUpExchangeWorld();
      await importCases(w.database, bytes(ndjson(CASES), 5), { actor: { id: null, name: 'test' }, now: NOW });
    });
    after(async () => tearDownWorld(w));

    it('case_step and last_dispose_at as the imported histories say', async () => {
      const steps = await stored(w.database.db);
      expect(steps).to.deep.equal(await reference(w.database.db));
      expect(steps.length).to.be.greaterThan(0);
      expect(steps.filter((s) => s.action === 'report').length).to.equal(CASES.length);
      expect(await wrongDayCounts(w.database.db)).to.deep.equal([]);
      expect(await wrongLastDispose(w.database.db)).to.deep.equal([]);
    });
  });
});
