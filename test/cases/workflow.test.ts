/**
 * The case workflow end to end: the happy path over HTTP, every illegal transition, the side paths, roles and region
 * scope, the append-only history, and stage deadlines on the shipped working calendar with a fixed clock.
 * Micro-city fixture, departments and rules from test/cases/fixture.ts; every expected value is worked out by hand.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { ACTION_NAMES, STATES, STATE_LABEL, actionsFrom, type State } from '../../server/cases/workflow.js';
import { applyAction } from '../../server/cases/actions.js';
import {
  P,
  at,
  call,
  caseRow,
  eventRows,
  intake,
  iso,
  setUpWorld,
  steps,
  tearDownWorld,
  type World,
} from './fixture.js';

describe('case workflow', function () {
  let w: World;
  before(async () => {
    w = await setUpWorld();
  });
  after(async () => {
    await tearDownWorld(w);
  });

  const act = (token: string, id: number, action: string, extra: Record<string, unknown> = {}) =>
    call(w, 'POST', `/api/cases/${id}/actions`, token, { action, ...extra });

  describe('the happy path over HTTP', () => {
    it('report → accept → file → dispatch → dispose → check → close, with labels, allowed actions and history', async () => {
      const { coll, disp, hA } = w.u;
      const r = await call(w, 'POST', '/api/cases', coll.token, {
        channel: 'collector',
        category: 'matter:06010',
        description: '路边暴露垃圾',
        location: P.c02,
      });
      expect(r.status).to.equal(201);
      const id = r.body.id as number;
      expect(r.body).to.include({
        state: 'reported',
        state_label: '上报',
        closed_at: null,
        urge_count: 0,
        rework_count: 0,
      });
      expect(r.body.allowed_actions).to.deep.equal([]); // a collector cannot accept
      expect(r.body.assignment.department).to.deep.equal({ code: 'HW', name: '区环卫所', kind: '环卫' });
      expect(r.body.assignment.grid).to.deep.equal({ code: '990001001001001', name: '东湖社区第1网格' });
      expect(r.body.assignment.area_class).to.equal('C');
      expect(r.body.deadlines.stage).to.be.a('string');
      expect(r.body.deadlines.dispose).to.equal(null);

      const path: [string, { token: string }, Record<string, unknown>, State, string, string[]][] = [
        ['accept', disp, {}, 'accepted', '已受理', ['void', 'file', 'urge']],
        ['file', disp, {}, 'filed', '已立案', ['dispatch', 'urge']],
        ['dispatch', disp, {}, 'dispatched', '处置中', ['reassign', 'park', 'urge']],
        ['dispose', hA, { note: '垃圾已清运' }, 'disposed', '已处置', []],
        ['check', coll, {}, 'checked', '已核查', []],
        ['close', disp, {}, 'closed', '已结案', []],
      ];
      let last: any;
      for (const [action, who, extra, state, label, allowed] of path) {
        const res = await act(who.token, id, action, extra);
        expect(res.status, `${action}: ${JSON.stringify(res.body)}`).to.equal(200);
        expect(res.body.state, action).to.equal(state);
        expect(res.body.state_label, action).to.equal(label);
        expect(res.body.allowed_actions, action).to.deep.equal(allowed);
        last = res.body;
      }
      expect(last.events.map((e: any) => [e.action, e.from_state, e.to_state, e.actor_name])).to.deep.equal([
        ['report', null, 'reported', '监督员王'],
        ['accept', 'reported', 'accepted', '调度员甲'],
        ['file', 'accepted', 'filed', '调度员甲'],
        ['dispatch', 'filed', 'dispatched', '调度员甲'],
        ['dispose', 'dispatched', 'disposed', '环卫所处置员'],
        ['check', 'disposed', 'checked', '监督员王'],
        ['close', 'checked', 'closed', '调度员甲'],
      ]);
      expect(last.events[4].note).to.equal('垃圾已清运');
      expect(last.closed_at).to.be.a('string');
      expect(last.closed_at).to.equal(last.events[6].at);
      expect(last.deadlines.stage).to.equal(null);
      expect(last.deadlines.dispose).to.equal(last.events[3].deadline); // set at dispatch, kept
      expect(last.overdue).to.equal(false);

      const closed = await call(w, 'GET', '/api/cases?state=closed', disp.token);
      expect(closed.status).to.equal(200);
      expect(closed.body.items.map((c: any) => c.id)).to.deep.equal([id]);
      const open = await call(
        w,
        'GET',
        '/api/cases?state=reported,verifying,accepted,filed,dispatched,parked,disposed,checked',
        disp.token,
      );
      expect(open.body.items.map((c: any) => c.id)).to.not.include(id);
      // The `cases` tile layer's where clause (server/tiles/layers.ts) leaves it out.
      const inTile = await sql<{ n: number }>`select count(*)::int as n from case_record
        where closed_at is null and state <> 'voided' and id = ${id}`.execute(w.database.db);
      expect(inTile.rows[0].n).to.equal(0);
    });
  });

  describe('illegal transitions', () => {
    /** Actions (as admin) that bring a fresh case to each state. */
    const ROUTE: Record<State, string[]> = {
      reported: [],
      verifying: ['request_verify'],
      accepted: ['accept'],
      filed: ['accept', 'file'],
      dispatched: ['accept', 'file', 'dispatch'],
      parked: ['accept', 'file', 'dispatch', 'park'],
      disposed: ['accept', 'file', 'dispatch', 'dispose'],
      checked: ['accept', 'file', 'dispatch', 'dispose', 'check'],
      closed: ['accept', 'file', 'dispatch', 'dispose', 'check', 'close'],
      voided: ['void'],
    };
    const FROM: Record<State, string[]> = {
      reported: ['accept', 'request_verify', 'void'],
      verifying: ['verify', 'void'],
      accepted: ['void', 'file', 'urge'],
      filed: ['dispatch', 'urge'],
      dispatched: ['reassign', 'return', 'dispose', 'park', 'urge'],
      parked: ['unpark', 'urge'],
      disposed: ['urge', 'check', 'rework'],
      checked: ['urge', 'close'],
      closed: [],
      voided: [],
    };

    it('the table of allowed actions per state is the documented one', () => {
      expect([...STATES]).to.have.members(Object.keys(FROM));
      for (const s of STATES) expect(actionsFrom(s), s).to.deep.equal(FROM[s]);
    });

    it('every action not allowed in every state → 409 with the allowed actions; case and history unchanged', async () => {
      let tried = 0;
      for (const state of STATES) {
        const id = await intake(w, { location: P.c11 }, at('2026-11-23T09:00:00'));
        await steps(
          w,
          id,
          ROUTE[state].map((a, i) => [a, `2026-11-23T09:${String(10 + i).padStart(2, '0')}:00`] as [string, string]),
        );
        const before = await caseRow(w, id);
        expect(before.state).to.equal(state);
        const eventsBefore = (await eventRows(w, id)).length;
        expect(eventsBefore).to.equal(1 + ROUTE[state].length);
        for (const action of ACTION_NAMES.filter((a) => !actionsFrom(state).includes(a))) {
          const r = await act(w.u.admin.token, id, action, { note: '试一试' });
          expect(r.status, `${state} × ${action}`).to.equal(409);
          expect(r.body.allowed_actions, `${state} × ${action}`).to.deep.equal(actionsFrom(state));
          expect(r.body.state).to.equal(state);
          expect(r.body.detail).to.include(`state ${state} (${STATE_LABEL[state]})`);
          expect(r.body.detail).to.include(`'${action}'`);
          tried++;
        }
        expect(await caseRow(w, id), state).to.deep.equal(before);
        expect((await eventRows(w, id)).length, state).to.equal(eventsBefore);
      }
      expect(tried).to.equal(10 * 15 - 22);
    });

    it('the 409 detail of a finished case says so', async () => {
      const id = await intake(w, { location: P.c11 }, at('2026-11-23T09:00:00'));
      await steps(w, id, [['void', '2026-11-23T09:05:00', { note: '重复上报' }]]);
      const r = await act(w.u.disp.token, id, 'accept');
      expect(r.status).to.equal(409);
      expect(r.body.detail).to.equal(
        "a case in state voided (已作废) cannot take action 'accept'; allowed: none (the case is finished)",
      );
      expect(r.body.allowed_actions).to.deep.equal([]);
    });

    it('an unknown action name → 400 listing the action names; an unknown case → 404', async () => {
      const id = await intake(w, { location: P.c11 }, at('2026-11-23T09:00:00'));
      const r = await act(w.u.admin.token, id, 'teleport');
      expect(r.status).to.equal(400);
      expect(r.body.errors[0].location).to.equal('body.action');
      expect(r.body.detail).to.include("body field 'action' must be one of");
      const missing = await act(w.u.admin.token, 999999, 'accept');
      expect(missing.status).to.equal(404);
      expect(missing.body.detail).to.equal('no case 999999');
    });
  });

  describe('side paths', () => {
    it('request_verify → verify (note required) → accepted', async () => {
      const id = await intake(w, { location: P.c02 });
      let r = await act(w.u.disp.token, id, 'request_verify');
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ state: 'verifying', state_label: '待核实' });
      expect(r.body.allowed_actions).to.deep.equal(['verify', 'void']);
      r = await call(w, 'GET', `/api/cases/${id}`, w.u.coll.token);
      expect(r.body.allowed_actions).to.deep.equal(['verify']);
      r = await act(w.u.coll.token, id, 'verify');
      expect(r.status).to.equal(422);
      expect(r.body.errors).to.deep.equal([
        { location: 'body.note', message: "action 'verify' (核实反馈) needs a note saying why or what was done" },
      ]);
      r = await act(w.u.coll.token, id, 'verify', { note: '现场确有垃圾' });
      expect(r.status).to.equal(200);
      expect(r.body.state).to.equal('accepted');
      expect(r.body.events.map((e: any) => [e.action, e.from_state, e.to_state, e.note])).to.deep.equal([
        ['report', null, 'reported', '暴露垃圾'],
        ['request_verify', 'reported', 'verifying', ''],
        ['verify', 'verifying', 'accepted', '现场确有垃圾'],
      ]);
    });

    it('void needs a note (422 naming it); with one the case is voided and finished', async () => {
      for (const route of [[], ['request_verify'], ['accept']]) {
        const id = await intake(w, { location: P.c02 }, at('2026-11-23T09:00:00'));
        await steps(
          w,
          id,
          route.map((a) => [a, '2026-11-23T09:01:00'] as [string, string]),
        );
        let r = await act(w.u.disp.token, id, 'void');
        expect(r.status).to.equal(422);
        expect(r.body.detail).to.equal("action 'void' (作废) needs a note saying why or what was done");
        expect(r.body.errors).to.deep.equal([{ location: 'body.note', message: r.body.detail }]);
        r = await act(w.u.disp.token, id, 'void', { note: '   ' });
        expect(r.status, 'a blank note is no note').to.equal(422);
        expect((await eventRows(w, id)).length).to.equal(1 + route.length);
        r = await act(w.u.disp.token, id, 'void', { note: '重复上报' });
        expect(r.status).to.equal(200);
        expect(r.body).to.include({ state: 'voided', state_label: '已作废' });
        expect(r.body.allowed_actions).to.deep.equal([]);
        expect(r.body.closed_at).to.be.a('string');
        expect(r.body.deadlines.stage).to.equal(null);
        expect(r.body.events.at(-1)).to.include({ action: 'void', to_state: 'voided', note: '重复上报' });
      }
    });

    it('park → unpark: no stage clock while parked, a new disposal clock after', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
      ]);
      let c = await caseRow(w, id);
      // 8 working hours (matter:06010, class C) from Monday 09:00: 3 h + 4.5 h Monday, 0.5 h Tuesday → Tue 09:00.
      expect(iso(c.stage_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      expect(iso(c.dispose_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      await steps(w, id, [['park', '2026-11-23T10:00:00', { note: '等待产权单位确认', user: w.u.disp.user }]]);
      c = await caseRow(w, id);
      expect(c.state).to.equal('parked');
      expect(c.parked_from).to.equal('dispatched');
      expect(c.stage_deadline).to.equal(null);
      expect(iso(c.dispose_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      const view = await call(w, 'GET', `/api/cases/${id}`, w.u.disp.token);
      expect(view.body).to.include({ state: 'parked', state_label: '已挂账', overdue: false });
      expect(view.body.deadlines).to.deep.equal({ stage: null, dispose: '2026-11-24T01:00:00.000Z' });
      expect(view.body.allowed_actions).to.deep.equal(['unpark', 'urge']);
      expect(view.body.events.at(-1)).to.include({
        action: 'park',
        from_state: 'dispatched',
        to_state: 'parked',
        deadline: null,
      });
      // Unparked on Wednesday 09:00: a fresh 8 h → Thursday 09:00.
      await steps(w, id, [['unpark', '2026-11-25T09:00:00', { user: w.u.disp.user }]]);
      c = await caseRow(w, id);
      expect(c.state).to.equal('dispatched');
      expect(c.parked_from).to.equal(null);
      expect(iso(c.stage_deadline)).to.equal('2026-11-26T01:00:00.000Z');
      expect(iso(c.dispose_deadline)).to.equal('2026-11-26T01:00:00.000Z');
      const ev = (await eventRows(w, id)).at(-1)!;
      expect([ev.action, ev.from_state, ev.to_state, iso(ev.deadline)]).to.deep.equal([
        'unpark',
        'parked',
        'dispatched',
        '2026-11-26T01:00:00.000Z',
      ]);
    });

    it('urge counts up, keeps the state and both deadlines, and appends an event', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
      ]);
      const r = await act(w.u.disp.token, id, 'urge');
      expect(r.status, 'urge needs a note').to.equal(422);
      await steps(w, id, [['urge', '2026-11-23T11:00:00', { note: '请尽快处理', user: w.u.disp.user }]]);
      let c = await caseRow(w, id);
      expect(c).to.include({ state: 'dispatched', urge_count: 1, rework_count: 0, department_code: 'HW' });
      expect(iso(c.stage_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      expect(iso(c.dispose_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      expect(iso(c.updated_at)).to.equal('2026-11-23T03:00:00.000Z');
      await steps(w, id, [['urge', '2026-11-23T15:00:00', { note: '再次督办', user: w.u.disp.user }]]);
      c = await caseRow(w, id);
      expect(c.urge_count).to.equal(2);
      expect(iso(c.stage_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      const ev = await eventRows(w, id);
      expect(
        ev.map((e) => [e.action, e.from_state, e.to_state, iso(e.deadline), e.actor_name]).slice(-2),
      ).to.deep.equal([
        ['urge', 'dispatched', 'dispatched', '2026-11-24T01:00:00.000Z', '调度员甲'],
        ['urge', 'dispatched', 'dispatched', '2026-11-24T01:00:00.000Z', '调度员甲'],
      ]);
      expect(ev.length).to.equal(6);
    });

    it('urge on a parked case keeps it parked, clock-less, and remembers where it was parked from', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
        ['park', '2026-11-23T10:00:00'],
        ['urge', '2026-11-23T11:00:00', { user: w.u.disp.user }],
      ]);
      const c = await caseRow(w, id);
      expect(c).to.include({ state: 'parked', urge_count: 1, stage_deadline: null });
      expect(iso(c.dispose_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      // An urge of a parked case keeps the state it was parked from.
      expect(c.parked_from).to.equal('dispatched');
    });

    it('rework: disposed → dispatched, rework_count 1, a new disposal deadline', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
        ['dispose', '2026-11-23T10:00:00', { note: '已清运', user: w.u.hA.user }],
      ]);
      let c = await caseRow(w, id);
      expect(c.state).to.equal('disposed');
      expect(iso(c.stage_deadline)).to.equal('2026-11-23T02:30:00.000Z'); // check: 30 min → 10:30
      expect(iso(c.dispose_deadline)).to.equal('2026-11-24T01:00:00.000Z');
      const viewColl = await call(w, 'GET', `/api/cases/${id}`, w.u.coll.token);
      expect(viewColl.body.allowed_actions).to.deep.equal(['check', 'rework']);
      await steps(w, id, [['rework', '2026-11-23T11:00:00', { note: '仍有垃圾残留', user: w.u.coll.user }]]);
      c = await caseRow(w, id);
      // 8 h from Monday 11:00: 1 h + 4.5 h Monday, 2.5 h Tuesday from 08:30 → Tuesday 11:00.
      expect(c).to.include({ state: 'dispatched', rework_count: 1, urge_count: 0, department_code: 'HW' });
      expect(iso(c.stage_deadline)).to.equal('2026-11-24T03:00:00.000Z');
      expect(iso(c.dispose_deadline)).to.equal('2026-11-24T03:00:00.000Z');
      const ev = (await eventRows(w, id)).at(-1)!;
      expect([ev.action, ev.from_state, ev.to_state, iso(ev.deadline), ev.actor_name, ev.note]).to.deep.equal([
        'rework',
        'disposed',
        'dispatched',
        '2026-11-24T03:00:00.000Z',
        '监督员王',
        '仍有垃圾残留',
      ]);
    });

    it('return by the department handler (note required) → filed; another department may not', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
      ]);
      let r = await act(w.u.hB.token, id, 'return', { note: '不归我们管' });
      expect(r.status).to.equal(403);
      expect(r.body.detail).to.equal('only a handler of department HW may return this case');
      r = await act(w.u.hA.token, id, 'return');
      expect(r.status).to.equal(422);
      expect(r.body.errors[0].location).to.equal('body.note');
      expect((await eventRows(w, id)).length).to.equal(4);
      await steps(w, id, [['return', '2026-11-23T10:00:00', { note: '非本单位职责', user: w.u.hA.user }]]);
      const c = await caseRow(w, id);
      expect(c).to.include({ state: 'filed', department_code: 'HW' });
      expect(iso(c.stage_deadline)).to.equal('2026-11-23T02:30:00.000Z'); // dispatch stage: 30 min → 10:30
      const ev = (await eventRows(w, id)).at(-1)!;
      expect([ev.action, ev.from_state, ev.to_state, ev.actor_name, ev.note]).to.deep.equal([
        'return',
        'dispatched',
        'filed',
        '环卫所处置员',
        '非本单位职责',
      ]);
      r = await call(w, 'GET', `/api/cases/${id}`, w.u.disp.token);
      expect(r.body.allowed_actions).to.deep.equal(['dispatch', 'urge']);
    });

    it('reassign needs a known, different department_code and moves the case, recorded in the event', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
      ]);
      const tries: [Record<string, unknown>, string][] = [
        [{ note: '职责调整' }, "action 'reassign' needs the department_code to send the case to"],
        [{ note: '职责调整', department_code: 'NOPE' }, "unknown department 'NOPE'"],
        [{ note: '职责调整', department_code: 'HW' }, 'the case is already with HW'],
        [{ department_code: 'CG' }, "action 'reassign' (改派) needs a note saying why or what was done"],
      ];
      for (const [extra, detail] of tries) {
        const r = await act(w.u.disp.token, id, 'reassign', extra);
        expect(r.status, JSON.stringify(extra)).to.equal(422);
        expect(r.body.detail, JSON.stringify(extra)).to.equal(detail);
      }
      expect((await eventRows(w, id)).length).to.equal(4);
      expect((await caseRow(w, id)).department_code).to.equal('HW');

      const r = await act(w.u.disp.token, id, 'reassign', { note: '职责调整', department_code: 'CG' });
      expect(r.status).to.equal(200);
      expect(r.body.state).to.equal('dispatched');
      expect(r.body.assignment.department).to.deep.equal({ code: 'CG', name: '区城管执法局', kind: '城管执法' });
      const ev = r.body.events.at(-1);
      expect(ev).to.include({
        action: 'reassign',
        from_state: 'dispatched',
        to_state: 'dispatched',
        note: '职责调整',
        actor_name: '调度员甲',
      });
      expect(ev.detail).to.deep.equal({ department_from: 'HW', department_to: 'CG' });
      expect((await call(w, 'GET', `/api/cases/${id}`, w.u.hB.token)).body.allowed_actions).to.deep.equal([
        'return',
        'dispose',
      ]);
      expect((await call(w, 'GET', `/api/cases/${id}`, w.u.hA.token)).body.allowed_actions).to.deep.equal([]);
      const denied = await act(w.u.hA.token, id, 'dispose', { note: '已处理' });
      expect(denied.status).to.equal(403);
      expect(denied.body.detail).to.equal('only a handler of department CG may dispose this case');
    });

    it('dispatch may name another department; actions without a department refuse one', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, id, [['accept', '2026-11-23T08:45:00']]);
      let r = await act(w.u.disp.token, id, 'file', { department_code: 'CG' });
      expect(r.status).to.equal(422);
      expect(r.body.detail).to.equal("action 'file' takes no department_code");
      await steps(w, id, [['file', '2026-11-23T08:50:00']]);
      r = await act(w.u.disp.token, id, 'dispatch', { department_code: 'CG' });
      expect(r.status).to.equal(200);
      expect(r.body.assignment.department.code).to.equal('CG');
      expect(r.body.events.at(-1).detail).to.deep.equal({ department_from: 'HW', department_to: 'CG' });
    });
  });

  describe('roles and region scope', () => {
    let reported: number, accepted: number, dispatched: number, disposed: number;
    before(async () => {
      reported = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      accepted = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      dispatched = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      disposed = await intake(w, { location: P.c02 }, at('2026-11-23T08:40:00'));
      await steps(w, accepted, [['accept', '2026-11-23T08:45:00']]);
      await steps(w, dispatched, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
      ]);
      await steps(w, disposed, [
        ['accept', '2026-11-23T08:45:00'],
        ['file', '2026-11-23T08:50:00'],
        ['dispatch', '2026-11-23T09:00:00'],
        ['dispose', '2026-11-23T10:00:00', { user: w.u.hA.user }],
      ]);
    });

    it('no token → 401; a viewer → 403 naming the roles; nothing changes', async () => {
      let r = await call(w, 'POST', `/api/cases/${reported}/actions`, undefined, { action: 'accept' });
      expect(r.status).to.equal(401);
      expect(r.body.detail).to.equal('POST /api/cases/:id/actions needs a bearer token (Authorization: Bearer …)');
      r = await call(w, 'GET', `/api/cases/${reported}`);
      expect(r.status).to.equal(401);
      r = await call(w, 'GET', '/api/cases');
      expect(r.status).to.equal(401);
      r = await act(w.u.viewer.token, reported, 'accept');
      expect(r.status).to.equal(403);
      expect(r.body.detail).to.equal(
        "role 'viewer' may not do this; allowed roles: admin, dispatcher, department_handler, collector",
      );
      expect((await caseRow(w, reported)).state).to.equal('reported');
      expect((await eventRows(w, reported)).length).to.equal(1);
    });

    it('a collector may not file (403 naming the allowed roles)', async () => {
      const r = await act(w.u.coll.token, accepted, 'file');
      expect(r.status).to.equal(403);
      expect(r.body.detail).to.equal("role 'collector' may not file (立案); allowed roles: dispatcher");
      expect((await caseRow(w, accepted)).state).to.equal('accepted');
    });

    it("a handler of department B may not dispose of department A's case", async () => {
      const r = await act(w.u.hB.token, dispatched, 'dispose', { note: '已处理' });
      expect(r.status).to.equal(403);
      expect(r.body.detail).to.equal('only a handler of department HW may dispose this case');
      expect((await caseRow(w, dispatched)).state).to.equal('dispatched');
      expect((await eventRows(w, dispatched)).length).to.equal(4);
    });

    it('a dispatcher scoped to 990002 may not act on, list or read a 990001 case', async () => {
      const { disp2 } = w.u;
      const r = await act(disp2.token, reported, 'accept');
      expect(r.status).to.equal(403);
      expect(r.body.detail).to.equal(`case ${reported} lies in 990001001001001, outside your region scope 990002`);
      expect((await caseRow(w, reported)).state).to.equal('reported');
      const list = await call(w, 'GET', '/api/cases?limit=500', disp2.token);
      expect(list.status).to.equal(200);
      expect(list.body.items).to.deep.equal([]);
      const one = await call(w, 'GET', `/api/cases/${reported}`, disp2.token);
      expect(one.status).to.equal(404);
      // The unscoped dispatcher and the 990001 collector do see it.
      const all = await call(w, 'GET', '/api/cases?limit=500', w.u.disp.token);
      expect(all.body.items.map((c: any) => c.id)).to.include(reported);
      const coll = await call(w, 'GET', '/api/cases?limit=500', w.u.coll.token);
      expect(coll.body.items.map((c: any) => c.id)).to.include(reported);
    });

    it('allowed_actions in GET /api/cases/:id match what each user may do', async () => {
      const expected: [number, Record<string, string[]>][] = [
        [
          reported,
          {
            admin: ['accept', 'request_verify', 'void'],
            disp: ['accept', 'request_verify', 'void'],
            hA: [],
            hB: [],
            coll: [],
            viewer: [],
          },
        ],
        [
          accepted,
          { admin: ['void', 'file', 'urge'], disp: ['void', 'file', 'urge'], hA: [], hB: [], coll: [], viewer: [] },
        ],
        [
          dispatched,
          {
            admin: ['reassign', 'return', 'dispose', 'park', 'urge'],
            disp: ['reassign', 'park', 'urge'],
            hA: ['return', 'dispose'],
            hB: [],
            coll: [],
            viewer: [],
          },
        ],
        [
          disposed,
          {
            admin: ['urge', 'check', 'rework'],
            disp: ['urge', 'check', 'rework'],
            hA: [],
            hB: [],
            coll: ['check', 'rework'],
            viewer: [],
          },
        ],
      ];
      for (const [id, byUser] of expected) {
        for (const [who, allowed] of Object.entries(byUser)) {
          const r = await call(w, 'GET', `/api/cases/${id}`, w.u[who as keyof World['u']].token);
          expect(r.status, `${id} ${who}`).to.equal(200);
          expect(r.body.allowed_actions, `${r.body.state} ${who}`).to.deep.equal(allowed);
          // The list shows the same.
          const list = await call(
            w,
            'GET',
            `/api/cases?state=${r.body.state}&limit=500`,
            w.u[who as keyof World['u']].token,
          );
          expect(
            list.body.items.find((c: any) => c.id === id).allowed_actions,
            `list ${r.body.state} ${who}`,
          ).to.deep.equal(allowed);
        }
      }
    });

    it('the actions listed for a user are accepted, e.g. the collector checks a disposed case', async () => {
      const r = await act(w.u.coll.token, disposed, 'check');
      expect(r.status).to.equal(200);
      expect(r.body.state).to.equal('checked');
    });
  });

  describe('history is append-only', () => {
    it('update and delete on case_event fail with the trigger message', async () => {
      const db = w.database.db;
      const before = (await sql<{ n: number }>`select count(*)::int as n from case_event`.execute(db)).rows[0].n;
      expect(before).to.be.greaterThan(0);
      for (const stmt of [sql`update case_event set note = 'x'`, sql`delete from case_event`]) {
        let message = '';
        try {
          await stmt.execute(db);
        } catch (e) {
          message = (e as Error).message;
        }
        expect(message).to.include('case_event is append-only');
      }
      const notes = (await sql<{ n: number }>`select count(*)::int as n from case_event where note = 'x'`.execute(db))
        .rows[0].n;
      expect(notes).to.equal(0);
      expect((await sql<{ n: number }>`select count(*)::int as n from case_event`.execute(db)).rows[0].n).to.equal(
        before,
      );
    });
  });

  describe('deadlines on the working calendar (fixed clock)', () => {
    it('reported Friday 2026-11-20 17:10 → accept by Monday 08:40 (20 min Friday + 10 min Monday)', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-20T17:10:00'), w.u.coll.user);
      const c = await caseRow(w, id);
      expect(c.state).to.equal('reported');
      expect(c.case_no).to.equal(`20261120${String(id).padStart(6, '0')}`);
      expect(iso(c.reported_at)).to.equal('2026-11-20T09:10:00.000Z');
      expect(iso(c.stage_deadline)).to.equal('2026-11-23T00:40:00.000Z');
      expect(c.dispose_deadline).to.equal(null);
      const ev = await eventRows(w, id);
      expect(ev.map((e) => [e.action, iso(e.at), iso(e.deadline), e.actor_name])).to.deep.equal([
        ['report', '2026-11-20T09:10:00.000Z', '2026-11-23T00:40:00.000Z', '监督员王'],
      ]);
      // accept Monday 11:50 → file by 12:00 + 20 min after lunch = 13:20; file at 13:20 → dispatch by 13:50.
      await steps(w, id, [['accept', '2026-11-23T11:50:00']]);
      expect(iso((await caseRow(w, id)).stage_deadline)).to.equal('2026-11-23T05:20:00.000Z');
      await steps(w, id, [['file', '2026-11-23T13:20:00']]);
      expect(iso((await caseRow(w, id)).stage_deadline)).to.equal('2026-11-23T05:50:00.000Z');
    });

    it('dispatched Wednesday 2026-09-30 16:00 (matter:06010, class C, 8 h) → due Thursday 2026-10-08 16:00', async () => {
      // 1.5 h on 09-30; 10-01 … 10-07 are National Day holidays; 3.5 h + 3 h on 10-08.
      const id = await intake(w, { location: P.c02 }, at('2026-09-30T09:00:00'));
      await steps(w, id, [
        ['accept', '2026-09-30T09:10:00'],
        ['file', '2026-09-30T09:20:00'],
        ['dispatch', '2026-09-30T16:00:00', { user: w.u.disp.user }],
      ]);
      const c = await caseRow(w, id);
      expect(c).to.include({ state: 'dispatched', area_class: 'C', department_code: 'HW' });
      expect(iso(c.stage_deadline)).to.equal('2026-10-08T08:00:00.000Z');
      expect(iso(c.dispose_deadline)).to.equal('2026-10-08T08:00:00.000Z');
      const ev = (await eventRows(w, id)).at(-1)!;
      expect([ev.action, iso(ev.at), iso(ev.deadline)]).to.deep.equal([
        'dispatch',
        '2026-09-30T08:00:00.000Z',
        '2026-10-08T08:00:00.000Z',
      ]);
      const view = await call(w, 'GET', `/api/cases/${id}`, w.u.disp.token);
      expect(view.body.deadlines).to.deep.equal({
        stage: '2026-10-08T08:00:00.000Z',
        dispose: '2026-10-08T08:00:00.000Z',
      });
    });

    it('dispatched Friday 2026-10-09 15:00 → due on the 调休 Saturday 2026-10-10 at 15:00', async () => {
      // 2.5 h Friday; Saturday 10-10 is a make-up workday (Monday hours): 3.5 h + 2 h → 15:00.
      const id = await intake(w, { location: P.c02 }, at('2026-10-09T09:00:00'));
      await steps(w, id, [
        ['accept', '2026-10-09T09:10:00'],
        ['file', '2026-10-09T09:20:00'],
        ['dispatch', '2026-10-09T15:00:00'],
      ]);
      expect(iso((await caseRow(w, id)).dispose_deadline)).to.equal('2026-10-10T07:00:00.000Z');
    });

    it('matter:01001 (井盖) in class C: 缺失 → 2 h, 破损、移位 → 8 h, any other condition → 16 h', async () => {
      const cases: [string, string, string][] = [
        // condition, dispatched at (local), expected disposal deadline (UTC)
        ['缺失', '2026-11-23T11:00:00', '2026-11-23T06:00:00.000Z'], // 1 h + 1 h after lunch → 14:00
        ['破损、移位', '2026-11-23T09:00:00', '2026-11-24T01:00:00.000Z'], // 7.5 h Monday + 0.5 h → Tue 09:00
        ['', '2026-11-23T09:00:00', '2026-11-25T01:00:00.000Z'], // 7.5 h + 8 h + 0.5 h → Wed 09:00
      ];
      for (const [condition, dispatchAt, due] of cases) {
        const id = await intake(
          w,
          { location: P.c41, category: 'matter:01001', condition, description: '井盖问题' },
          at('2026-11-23T08:30:00'),
        );
        await steps(w, id, [
          ['accept', '2026-11-23T08:35:00'],
          ['file', '2026-11-23T08:40:00'],
          ['dispatch', dispatchAt],
        ]);
        const c = await caseRow(w, id);
        expect(c, condition).to.include({ condition, area_class: 'C', department_code: 'SZ', category_code: '01001' });
        expect(iso(c.dispose_deadline), condition).to.equal(due);
      }
    });

    it('applyAction with a fixed clock stamps the event and the update time with it', async () => {
      const id = await intake(w, { location: P.c02 }, at('2026-11-23T08:30:00'));
      await applyAction(w.database.db, id, { action: 'accept' }, w.u.disp.user, { now: at('2026-11-23T08:31:00') });
      const c = await caseRow(w, id);
      expect(iso(c.updated_at)).to.equal('2026-11-23T00:31:00.000Z');
      expect(iso(c.stage_deadline)).to.equal('2026-11-23T01:01:00.000Z');
      expect(iso((await eventRows(w, id)).at(-1)!.at)).to.equal('2026-11-23T00:31:00.000Z');
    });
  });
});
