/**
 * Queues (GET /api/cases filters and paging), the heat map, and re-assignment of open cases after the
 * responsibility library changes. Six hand-placed cases with known states, times and departments.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { reassignOpenCases } from '../../server/assign/reassign.js';
import { assignmentVersion } from '../../server/assign/assign.js';
import {
  P,
  at,
  call,
  caseRow,
  eventRows,
  intake,
  setUpWorld,
  steps,
  tearDownWorld,
  type Reply,
  type World,
} from './fixture.js';

describe('case queues and heat map', function () {
  let w: World;
  /**
   *   c1 matter:06010 collector     (0,2) 2026-03-02 10:00  reported   HW  overdue
   *   c2 matter:06012 hotline_12345 (2,1) 2026-03-03 10:00  accepted   HW  overdue
   *   c3 matter:01001 app           (4,1) 2026-03-04 10:00  dispatched SZ  overdue
   *   c4 matter:07001 wechat        (6,1) 2026-03-05 10:00  closed     QY  (no rule; street 990001002 has no fallback)
   *   c5 matter:06010 hotline_12345 outside 2026-03-06 10:00 reported  QY  overdue, outside coverage
   *   c6 matter:06010 video         (0,2) now               reported   HW  not overdue
   */
  let c1: number, c2: number, c3: number, c4: number, c5: number, c6: number;
  before(async () => {
    w = await setUpWorld();
    c1 = await intake(w, { location: P.c02 }, at('2026-03-02T10:00:00'));
    c2 = await intake(
      w,
      { location: P.c21, category: 'matter:06012', channel: 'hotline_12345', description: '道路不洁' },
      at('2026-03-03T10:00:00'),
    );
    await steps(w, c2, [['accept', '2026-03-03T10:05:00']]);
    c3 = await intake(
      w,
      { location: P.c41, category: 'matter:01001', channel: 'app', description: '井盖缺失', condition: '缺失' },
      at('2026-03-04T10:00:00'),
    );
    await steps(w, c3, [
      ['accept', '2026-03-04T10:05:00'],
      ['file', '2026-03-04T10:10:00'],
      ['dispatch', '2026-03-04T10:15:00'],
    ]);
    c4 = await intake(
      w,
      { location: P.c61, category: 'matter:07001', channel: 'wechat', description: '小广告' },
      at('2026-03-05T10:00:00'),
    );
    await steps(w, c4, [
      ['accept', '2026-03-05T10:05:00'],
      ['file', '2026-03-05T10:10:00'],
      ['dispatch', '2026-03-05T10:15:00'],
      ['dispose', '2026-03-05T11:00:00'],
      ['check', '2026-03-05T11:10:00'],
      ['close', '2026-03-05T11:20:00'],
    ]);
    c5 = await intake(
      w,
      { location: P.outside, channel: 'hotline_12345', description: '边界外垃圾' },
      at('2026-03-06T10:00:00'),
    );
    c6 = await intake(w, { location: P.c02, channel: 'video', description: '视频发现垃圾' });
  });
  after(async () => {
    await tearDownWorld(w);
  });

  const ids = async (query: string, token = w.u.disp.token) => {
    const r = await call(w, 'GET', `/api/cases${query}`, token);
    expect(r.status, `${query}: ${JSON.stringify(r.body)}`).to.equal(200);
    return r.body.items.map((c: any) => c.id) as number[];
  };

  it('the fixture cases are where they should be', async () => {
    const expected: [number, string, string][] = [
      [c1, 'reported', 'HW'],
      [c2, 'accepted', 'HW'],
      [c3, 'dispatched', 'SZ'],
      [c4, 'closed', 'QY'],
      [c5, 'reported', 'QY'],
      [c6, 'reported', 'HW'],
    ];
    for (const [id, state, dept] of expected)
      expect(await caseRow(w, id), String(id)).to.include({ state, department_code: dept });
    expect(await ids('')).to.deep.equal([c6, c5, c4, c3, c2, c1]);
  });

  it('a report outside the micro-city is stored outside coverage, without a grid, for the fallback department', async () => {
    const r = await call(w, 'GET', `/api/cases/${c5}`, w.u.disp.token);
    expect(r.status).to.equal(200);
    expect(r.body.outside_coverage).to.equal(true);
    expect(r.body.location).to.deep.equal({ lon: 101, lat: 21, input: { lon: 101, lat: 21, crs: 'wgs84' } });
    const a = r.body.assignment;
    expect([a.grid, a.community, a.street, a.district]).to.deep.equal([null, null, null, null]);
    expect(a.department).to.deep.equal({ code: 'QY', name: '全域兜底中心', kind: '监督中心' });
    expect(a.matched).to.deep.equal({ source: 'fallback', fallback_for: '' });
    const row = await caseRow(w, c5);
    expect(row).to.include({ outside_coverage: true, grid_code: null, street_code: null, district_code: null });
    // Scoped readers do not see a case that lies in no region.
    expect(await ids('', w.u.coll.token)).to.deep.equal([c6, c4, c3, c2, c1]);
    expect((await call(w, 'GET', `/api/cases/${c5}`, w.u.coll.token)).status).to.equal(404);
  });

  it('state: one state and a comma list', async () => {
    expect(await ids('?state=reported')).to.deep.equal([c6, c5, c1]);
    expect(await ids('?state=accepted,dispatched')).to.deep.equal([c3, c2]);
    expect(await ids('?state=closed')).to.deep.equal([c4]);
    expect(await ids('?state=voided')).to.deep.equal([]);
  });

  it('department', async () => {
    expect(await ids('?department=HW')).to.deep.equal([c6, c2, c1]);
    expect(await ids('?department=SZ')).to.deep.equal([c3]);
    expect(await ids('?department=QY')).to.deep.equal([c5, c4]);
    expect(await ids('?department=CG')).to.deep.equal([]);
  });

  it('overdue=true: open cases past their stage deadline; overdue=false: the rest', async () => {
    expect(await ids('?overdue=true')).to.deep.equal([c5, c3, c2, c1]);
    expect(await ids('?overdue=false')).to.deep.equal([c6, c4]);
    const r = await call(w, 'GET', '/api/cases?overdue=true&state=reported', w.u.disp.token);
    expect(r.body.items.map((c: any) => [c.id, c.overdue])).to.deep.equal([
      [c5, true],
      [c1, true],
    ]);
    // c1 was reported Monday 2026-03-02 10:00: 30 working minutes to accept.
    expect(r.body.items[1].deadlines).to.deep.equal({ stage: '2026-03-02T02:30:00.000Z', dispose: null });
  });

  it('bbox', async () => {
    expect(await ids('?bbox=100,20,100.002,20.003')).to.deep.equal([c6, c1]);
    expect(await ids('?bbox=100.002,20.001,100.007,20.002')).to.deep.equal([c4, c3, c2]);
    expect(await ids('?bbox=100.5,20.5,101.5,21.5')).to.deep.equal([c5]);
  });

  it('category: exact class and major class', async () => {
    expect(await ids('?category=matter:06010')).to.deep.equal([c6, c5, c1]);
    expect(await ids('?category=matter:06')).to.deep.equal([c6, c5, c2, c1]);
    expect(await ids('?category=matter:01')).to.deep.equal([c3]);
    expect(await ids('?category=component:06')).to.deep.equal([]);
  });

  it('channel', async () => {
    expect(await ids('?channel=hotline_12345')).to.deep.equal([c5, c2]);
    expect(await ids('?channel=video')).to.deep.equal([c6]);
    expect(await ids('?channel=leader')).to.deep.equal([]);
  });

  it('from (inclusive) / to (exclusive) on the reception time', async () => {
    expect(await ids('?from=2026-03-03T00:00:00Z&to=2026-03-04T12:00:00Z')).to.deep.equal([c3, c2]);
    expect(await ids('?from=2026-03-03T02:00:00Z&to=2026-03-04T02:00:00Z')).to.deep.equal([c2]);
    expect(await ids('?from=2026-03-05T02:00:00Z')).to.deep.equal([c6, c5, c4]);
    expect(await ids('?to=2026-03-03T02:00:00Z')).to.deep.equal([c1]);
  });

  it('outside_coverage', async () => {
    expect(await ids('?outside_coverage=true')).to.deep.equal([c5]);
    expect(await ids('?outside_coverage=false')).to.deep.equal([c6, c4, c3, c2, c1]);
  });

  it('filters combine', async () => {
    expect(await ids('?state=reported&department=HW&overdue=true')).to.deep.equal([c1]);
    expect(await ids('?category=matter:06&bbox=100,20,100.007,20.003&channel=collector')).to.deep.equal([c1]);
  });

  it('paging: limit=2 and the next link until exhausted, newest first, no repeats', async () => {
    const pages: number[][] = [];
    let url: string | null = '/api/cases?limit=2';
    const seen: string[] = [];
    while (url) {
      seen.push(url);
      const r: Reply = await call(w, 'GET', url, w.u.disp.token);
      expect(r.status).to.equal(200);
      pages.push(r.body.items.map((c: any) => c.id));
      url = r.body.next;
      expect(pages.length).to.be.lessThan(10);
    }
    const all = pages.flat();
    expect(all).to.deep.equal([c6, c5, c4, c3, c2, c1]);
    expect(new Set(all).size).to.equal(6);
    expect(pages.slice(0, 3)).to.deep.equal([
      [c6, c5],
      [c4, c3],
      [c2, c1],
    ]);
    expect(seen[1]).to.equal(`/api/cases?limit=2&cursor=${c5}`);
    expect(seen[2]).to.equal(`/api/cases?limit=2&cursor=${c3}`);
    // Filters are kept in the next link.
    const f = await call(w, 'GET', '/api/cases?state=reported&limit=2', w.u.disp.token);
    expect(f.body.items.map((c: any) => c.id)).to.deep.equal([c6, c5]);
    expect(f.body.next).to.equal(`/api/cases?state=reported&limit=2&cursor=${c5}`);
    const g = await call(w, 'GET', f.body.next, w.u.disp.token);
    expect(g.body.items.map((c: any) => c.id)).to.deep.equal([c1]);
    expect(g.body.next).to.equal(null);
  });

  it('bad filter values → 400 saying what is wrong', async () => {
    const bad: [string, string][] = [
      ['?state=foo', "query parameter 'state' must be comma-separated states"],
      ['?state=reported,', "query parameter 'state' must be comma-separated states"],
      ['?bbox=100,20,100.002', 'bbox must have 4 comma-separated numbers minLon,minLat,maxLon,maxLat; got 3'],
      ['?bbox=100.002,20,100,20.003', 'bbox: minLon 100.002 must be less than maxLon 100'],
      ['?category=matter:6', "query parameter 'category' must be kind:code (5 digits) or kind:major (2 digits)"],
      ['?from=2026-03-05T00:00:00Z&to=2026-03-04T00:00:00Z', "query parameter 'from' must be before 'to'"],
      ['?from=2026-03-05T00:00:00Z&to=2026-03-05T00:00:00Z', "query parameter 'from' must be before 'to'"],
      ['?overdue=maybe', "query parameter 'overdue' must be boolean"],
      ['?channel=fax', "query parameter 'channel' must be one of"],
      ['?limit=0', "query parameter 'limit' must be >= 1"],
    ];
    for (const [query, detail] of bad) {
      const r = await call(w, 'GET', `/api/cases${query}`, w.u.disp.token);
      expect(r.status, query).to.equal(400);
      expect(r.body.detail, query).to.include(detail);
    }
  });

  it('heat (dispatcher: exact): points snapped to 0.0001° with weights summing to the matching cases', async () => {
    // The public map is coarser (test/cases/heat.test.ts); a dispatcher gets every case.
    const t = w.u.disp.token;
    const sorted = (p: number[][]) => [...p].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let r = await call(w, 'GET', '/api/cases/heat', t);
    expect(r.status).to.equal(200);
    expect(sorted(r.body.points)).to.deep.equal([
      [100.0005, 20.0025, 2],
      [100.0025, 20.0015, 1],
      [100.0045, 20.0015, 1],
      [100.0065, 20.0015, 1],
      [101, 21, 1],
    ]);
    expect(r.body.total).to.equal(6);
    expect(r.body.points.reduce((s: number, p: number[]) => s + p[2], 0)).to.equal(6);
    r = await call(w, 'GET', '/api/cases/heat?category=matter:06010', t);
    expect(sorted(r.body.points)).to.deep.equal([
      [100.0005, 20.0025, 2],
      [101, 21, 1],
    ]);
    expect(r.body.total).to.equal(3);
    r = await call(w, 'GET', '/api/cases/heat?state=closed', t);
    expect(r.body).to.deep.equal({
      points: [[100.0065, 20.0015, 1]],
      total: 1,
      aggregation: { exact: true, cell_deg: 0.0001, min_count: 1 },
    });
    r = await call(w, 'GET', '/api/cases/heat?from=2026-03-03T00:00:00Z&to=2026-03-06T00:00:00Z', t);
    expect(r.body.total).to.equal(3);
    r = await call(w, 'GET', '/api/cases/heat?state=foo', t);
    expect(r.status).to.equal(400);
  });
});

describe('re-assignment of open cases', function () {
  let w: World;
  /**
   * All matter:06010 (HW by the district rule) except r5. A new rule sends 06010 in community 990001001001 (东湖) to CG.
   *   r1 (0,2) 东湖 reported   → moves to CG        r4 (2,1) 西湖 reported → unchanged (examined only)
   *   r2 (1,1) 东湖 dispatched → keeps HW, proposed CG   r5 (1,0) 东湖 matter:07001 → JD1 fallback, unchanged
   *   r3 (0,0) 东湖 closed     → not examined       r6 (1,0) 东湖 filed    → moves to CG
   */
  let r1: number, r2: number, r3: number, r4: number, r5: number, r6: number, ruleId: number;
  /** The version the cases were assigned with (the grid import bumped it once: 2); the rule edit makes it v0 + 1. */
  let v0: number, v1: number;
  before(async () => {
    w = await setUpWorld();
    v0 = await assignmentVersion(w.database.db);
    v1 = v0 + 1;
    const t = at('2026-11-23T09:00:00');
    r1 = await intake(w, { location: P.c02 }, t);
    r2 = await intake(w, { location: P.c11 }, t);
    r3 = await intake(w, { location: P.c00 }, t);
    r4 = await intake(w, { location: P.c21 }, t);
    r5 = await intake(w, { location: P.c10, category: 'matter:07001', description: '小广告' }, t);
    r6 = await intake(w, { location: P.c10 }, t);
    const upTo = (n: number) =>
      (['accept', 'file', 'dispatch', 'dispose', 'check', 'close'] as const)
        .slice(0, n)
        .map((a, i) => [a, `2026-11-23T09:${String(10 + i).padStart(2, '0')}:00`] as [string, string]);
    await steps(w, r2, upTo(3));
    await steps(w, r3, upTo(6));
    await steps(w, r6, upTo(2));
  });
  after(async () => {
    await tearDownWorld(w);
  });

  it('before: the district rule and the street fallback, the current assignment version', async () => {
    expect(v0).to.equal(2); // 1 at migration, +1 by the micro-city import
    const rows = await Promise.all([r1, r2, r3, r4, r5, r6].map((id) => caseRow(w, id)));
    expect(rows.map((c) => [c.state, c.department_code, Number(c.assignment_version)])).to.deep.equal([
      ['reported', 'HW', v0],
      ['dispatched', 'HW', v0],
      ['closed', 'HW', v0],
      ['reported', 'HW', v0],
      ['reported', 'JD1', v0],
      ['filed', 'HW', v0],
    ]);
  });

  it('a more specific rule + version bump → rerun moves cases not yet dispatched, proposes for dispatched ones', async () => {
    const db = w.database.db;
    ruleId = (
      await sql<{
        id: number;
      }>`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_m2, department_code)
      values ('东湖社区暴露垃圾归执法局', 'matter', '06010', 'regions', '{990001001001}', 69480, 'CG') returning id`.execute(
        db,
      )
    ).rows[0].id;
    await sql`update assignment_version set version = version + 1 where id = 1`.execute(db);
    const closedBefore = await caseRow(w, r3);
    const closedEvents = (await eventRows(w, r3)).length;
    const eventsBefore = await Promise.all([r1, r2, r4, r5, r6].map(async (id) => (await eventRows(w, id)).length));

    const r = await call(w, 'POST', '/api/assign/rerun', w.u.disp.token, {});
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.equal({ version: v1, examined: 5, changed: 3, department_changed: 2, proposed: 1 });

    // r1 and r6 (reported, filed) move to CG with a reassess event.
    for (const [id, state, grid, before] of [
      [r1, 'reported', '990001001001001', eventsBefore[0]],
      [r6, 'filed', '990001001001006', eventsBefore[4]],
    ] as const) {
      const c = await caseRow(w, id);
      expect(c, String(id)).to.include({ state, department_code: 'CG', rule_id: ruleId, rule_version: 1 });
      expect(Number(c.assignment_version)).to.equal(v1);
      expect(c.assignment.matched).to.deep.equal({
        source: 'rule',
        rule_id: ruleId,
        rule_version: 1,
        rule_name: '东湖社区暴露垃圾归执法局',
      });
      expect(c.assignment.proposed_department ?? null).to.equal(null);
      const ev = await eventRows(w, id);
      expect(ev.length).to.equal(before + 1);
      const last = ev.at(-1)!;
      expect([last.action, last.from_state, last.to_state, last.actor_name, last.actor_id]).to.deep.equal([
        'reassess',
        state,
        state,
        '调度员甲',
        w.u.disp.user.id,
      ]);
      expect(last.detail).to.deep.equal({
        version: v1,
        rule_id: ruleId,
        rule_version: 1,
        grid_from: grid,
        grid_to: grid,
        department_from: 'HW',
        department_to: 'CG',
      });
    }

    // r2 (dispatched) keeps HW and the rule that chose it (with its why); CG is proposed.
    const d = await caseRow(w, r2);
    const hwRule = (
      await sql<{ id: number }>`select id from resp_rule where department_code = 'HW'`.execute(w.database.db)
    ).rows[0].id;
    expect(d).to.include({ state: 'dispatched', department_code: 'HW', rule_id: hwRule });
    expect(d.assignment.matched).to.include({ source: 'rule', rule_id: hwRule });
    expect(Number(d.assignment_version)).to.equal(v1);
    expect(d.assignment.proposed_department).to.equal('CG');
    const dEv = await eventRows(w, r2);
    expect(dEv.length).to.equal(eventsBefore[1] + 1);
    expect(dEv.at(-1)!.action).to.equal('reassess');
    expect(dEv.at(-1)!.detail).to.deep.equal({
      version: v1,
      rule_id: ruleId,
      rule_version: 1,
      grid_from: '990001001001004',
      grid_to: '990001001001004',
      department_from: 'HW',
      proposed_department: 'CG',
    });
    const view = await call(w, 'GET', `/api/cases/${r2}`, w.u.disp.token);
    expect(view.body.assignment.department.code).to.equal('HW');
    expect(view.body.assignment.proposed_department).to.equal('CG');
    expect(view.body.assignment.version).to.equal(v1);

    // r4 (another community) and r5 (no rule, street fallback): examined, version recorded, no event.
    for (const [id, dept, before] of [
      [r4, 'HW', eventsBefore[2]],
      [r5, 'JD1', eventsBefore[3]],
    ] as const) {
      const c = await caseRow(w, id);
      expect(c.department_code).to.equal(dept);
      expect(Number(c.assignment_version)).to.equal(v1);
      expect((await eventRows(w, id)).length).to.equal(before);
    }

    // r3 (closed): untouched.
    expect(await caseRow(w, r3)).to.deep.equal(closedBefore);
    expect((await eventRows(w, r3)).length).to.equal(closedEvents);
  });

  const eventCount = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from case_event`.execute(w.database.db)).rows[0].n;

  it('a second rerun changes nothing (examined 0)', async () => {
    const n = await eventCount();
    expect(await reassignOpenCases(w.database.db)).to.deep.equal({
      version: v1,
      examined: 0,
      changed: 0,
      department_changed: 0,
      proposed: 0,
    });
    expect(await eventCount()).to.equal(n);
  });

  it('a rerun that finds nothing new (all=true, or after an unrelated version bump) records nothing — a pending proposal is not a change', async () => {
    // A dispatched case whose proposal (CG ≠ HW) is already recorded is not changed again by a rerun.
    const n = await eventCount();
    const r = await call(w, 'POST', '/api/assign/rerun', w.u.disp.token, { all: true });
    expect(r.body).to.deep.equal({ version: v1, examined: 5, changed: 0, department_changed: 0, proposed: 0 });
    await sql`update assignment_version set version = version + 1 where id = 1`.execute(w.database.db);
    expect(await reassignOpenCases(w.database.db)).to.deep.equal({
      version: v1 + 1,
      examined: 5,
      changed: 0,
      department_changed: 0,
      proposed: 0,
    });
    expect(await eventCount()).to.equal(n);
    expect((await caseRow(w, r2)).assignment.proposed_department).to.equal('CG');
  });

  it('改派 to the proposed department settles the proposal', async () => {
    // 改派 or dispatch to another department clears assignment.proposed_department.
    const r = await call(w, 'POST', `/api/cases/${r2}/actions`, w.u.disp.token, {
      action: 'reassign',
      note: '按新责权库改派',
      department_code: 'CG',
    });
    expect(r.status).to.equal(200);
    expect(r.body.assignment.department.code).to.equal('CG');
    expect(r.body.assignment.proposed_department ?? null).to.equal(null);
  });

  it('the rerun needs a dispatcher or GIS editor', async () => {
    expect((await call(w, 'POST', '/api/assign/rerun', undefined, {})).status).to.equal(401);
    const r = await call(w, 'POST', '/api/assign/rerun', w.u.viewer.token, {});
    expect(r.status).to.equal(403);
    expect(r.body.detail).to.equal("role 'viewer' may not do this; allowed roles: admin, gis_editor, dispatcher");
  });
});
