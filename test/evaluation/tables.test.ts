/**
 * Evaluation (综合评价) over the hand-made case log of fixture.ts (March 2025), through the HTTP API on both drivers:
 * every table, and the reader's scope. Every figure below is worked out by hand from the log; the arithmetic is in the
 * comments.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { areas, coll, dept, lead, region } from './expected.js';
import { MARCH, useEvaluationServer } from './fixture.js';

describe(`evaluation tables over a hand-made case log (${DRIVER})`, function () {
  this.timeout(120_000);
  const env = useEvaluationServer();
  const get = (path: string, who?: string) => env.get(path, who);

  it('the log is as the fixture says: K4 parked and unparked, disposal deadlines of the last dispatch stage', async () => {
    // The evaluation reads the disposal deadline in force from case_record.dispose_deadline; the write path keeps it
    // equal to the deadline of the last event that moved the case into `dispatched`.
    const r = await sql<{ name: string; state: string; dispose_deadline: Date; last: Date }>`
      select c.case_no as name, c.state, c.dispose_deadline,
        (select e.deadline from case_event e where e.case_id = c.id and e.to_state = 'dispatched' order by e.id desc limit 1) as last
      from case_record c where c.state in ('disposed', 'checked', 'closed') order by c.id`.execute(env.database.db);
    for (const row of r.rows)
      expect(new Date(row.dispose_deadline).getTime(), row.name).to.equal(new Date(row.last).getTime());
    const k4 = r.rows.find((x) => x.state === 'disposed')!;
    expect(new Date(k4.dispose_deadline).toISOString()).to.equal('2025-03-16T01:00:00.000Z'); // 03-16 09:00 +08
    const states = await sql<{ id: number; state: string }>`select id::int as id, state from case_record`.execute(
      env.database.db,
    );
    const by = new Map(states.rows.map((x) => [x.id, x.state]));
    const c = env.world.cases;
    expect(
      [c.K1, c.K2, c.K3, c.K4, c.K5, c.K6, c.K7, c.K8, c.K9, c.K10, c.K11, c.K12].map((id) => by.get(id)),
    ).to.deep.equal([
      'closed',
      'closed',
      'checked',
      'disposed',
      'voided',
      'dispatched',
      'closed',
      'filed',
      'accepted',
      'reported',
      'closed',
      'dispatched',
    ]);
  });

  it('summary: every figure and rate', async () => {
    const r = await get(`/api/evaluation/summary?${MARCH}`);
    expect(r.status).to.equal(200);
    // Reported in March: K1–K7, K10, K11, K12 = 10 (K8 the day before, K9 at `to`, exclusive).
    // Filed (立案 and after): K1 K2 K3 K4 K6 K7 K11 K12 = 8; voided K5; K10 still reported.
    // Disposed (disposed/checked/closed): K1 K2 K3 K4 K7 K11 = 6; on time: all but K2 (13:00 > 12:00) = 5.
    // Closed: K1 K2 K7 K11 = 4; closed on time: K1 K7 K11 = 3. Reworked: K3 = 1.
    expect(r.body).to.deep.equal({
      reported: 10,
      filed: 8,
      voided: 1,
      to_dispose: 8,
      disposed: 6,
      disposed_on_time: 5,
      to_close: 8,
      closed: 4,
      closed_on_time: 3,
      rework: 1,
      filing_rate: 8 / 10,
      disposal_rate: 6 / 8,
      on_time_disposal_rate: 5 / 8,
      closure_rate: 4 / 8,
      on_time_closure_rate: 3 / 8,
    });
  });

  it('summary of an empty period: zero counts and null rates (no denominator)', async () => {
    const r = await get('/api/evaluation/summary?from=2024-01-01&to=2024-02-01');
    expect(r.body).to.deep.equal({
      reported: 0,
      filed: 0,
      voided: 0,
      to_dispose: 0,
      disposed: 0,
      disposed_on_time: 0,
      to_close: 0,
      closed: 0,
      closed_on_time: 0,
      rework: 0,
      filing_rate: null,
      disposal_rate: null,
      on_time_disposal_rate: null,
      closure_rate: null,
      on_time_closure_rate: null,
    });
  });

  it('the period is whole China-time days: 03-31 alone holds K10 (23:59) only', async () => {
    const r = await get('/api/evaluation/summary?from=2025-03-31&to=2025-04-01');
    expect([r.body.reported, r.body.filed, r.body.filing_rate]).to.deep.equal([1, 0, 0]);
    const feb = await get('/api/evaluation/summary?from=2025-02-28&to=2025-03-01');
    expect(feb.body.reported).to.equal(1); // K8 at 23:30 +08 (15:30 UTC)
  });

  it('departments: per department last dispatched to, with scores and grades', async () => {
    const r = await get(`/api/evaluation/departments?${MARCH}`);
    expect(r.status).to.equal(200);
    // Weights (defaults): 处置率 20, 按期处置率 40, 返工率 20 (as 1 − rate), 结案率 20, 按期结案率 0.
    // CG: K12 only (K4 went back by 回退 and was last dispatched to HW): nothing disposed, nothing reworked:
    //   0·20 + 0·40 + 100·20 + 0·20 = 2000 / 100 = 20 → E.
    // HW: K1 K2 K4 K6 K7 = 5; disposed K1 K2 K4 K7 = 4, on time K1 K4 K7 = 3; closed K1 K2 K7 = 3, on time K1 K7 = 2:
    //   80·20 + 60·40 + 100·20 + 60·20 = 1600 + 2400 + 2000 + 1200 = 7200 / 100 = 72 → C.
    // SZ: K3 K11 = 2; both disposed on time; K3 reworked; closed K11, on time:
    //   100·20 + 100·40 + 50·20 + 50·20 = 8000 / 100 = 80 → B.
    expect(r.body.rows).to.deep.equal([
      dept('CG', '区城管执法局', [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0], 20, 'E'),
      dept('HW', '区环卫所', [5, 4, 3, 0, 3, 2], [4 / 5, 3 / 5, 0, 3 / 5, 2 / 5], 72, 'C'),
      dept('SZ', '区市政所', [2, 2, 2, 1, 1, 1], [1, 1, 1 / 2, 1 / 2, 1 / 2], 80, 'B'),
    ]);
  });

  it('collectors: reports, valid reports, on-time 核实 and 核查, scores without the 漏报 term', async () => {
    const r = await get(`/api/evaluation/collectors?${MARCH}`, 'admin');
    expect(r.status).to.equal(200);
    // Weights 有效上报率 40, 漏报率 20 (not recorded: left out), 按时核实率 20, 按时核查率 20; unknown terms renormalised.
    // C01 王: reported K1 K2 K5 K10 = 4, filed K1 K2 = 2; verified K3 on time; 核查 K1 ✓ K2 ✓ K7 ✗ (13:31 > 13:30):
    //   (50·40 + 100·20 + 66.67·20) / 80 = (2000 + 2000 + 1333.33) / 80 = 66.67 → C.
    // C02 李: reported K4 K6, both filed; no 核实; 核查 K3 rework ✗ (11:00 > 10:00), K3 check ✓:
    //   (100·40 + 50·20) / 60 = 83.33 → B.
    // C03 (imported, no account): reported K11, filed; 核查 K11 ✓ (09:40 ≤ 10:00): (100·40 + 100·20) / 60 = 100 → A.
    expect(r.body.rows).to.deep.equal([
      coll('C01', '王五', [4, 2, 1, 1, 3, 2], [2 / 4, 1, 2 / 3], 66.67, 'C'),
      coll('C02', '李四', [2, 2, 0, 0, 2, 1], [1, null, 1 / 2], 83.33, 'B'),
      coll('C03', '赵六', [1, 1, 0, 0, 1, 1], [1, null, 1], 100, 'A'),
    ]);
  });

  it('collectors: a viewer gets no names', async () => {
    const r = await get(`/api/evaluation/collectors?${MARCH}`);
    expect(
      r.body.rows.map((x: { collector_code: string; collector_name: string | null }) => [
        x.collector_code,
        x.collector_name,
      ]),
    ).to.deep.equal([
      ['C01', null],
      ['C02', null],
      ['C03', null],
    ]);
  });

  it('regions by street: 监督举报率, 立案数 density band, 结案率, 按期结案率', async () => {
    const r = await get(`/api/evaluation/regions?${MARCH}&level=street`);
    expect(r.status).to.equal(200);
    expect(r.body.level).to.equal('street');
    const area = await areas(env.database, 'region');
    // Weights 监督举报率 10 (as 1 − rate), 立案数 20, 结案率 30, 按期结案率 40.
    // 990001001 湖滨: K1 K2 K3 K5 K7 K10 K11 = 7 reported; filed K1 K2 K3 K7 K11 = 5; public (hotline, app) K3 K7 = 2;
    //   closed K1 K2 K7 K11 = 4, on time K1 K7 K11 = 3. 9 cells ≈ 0.1042 km²: 5 · 30/31 / 0.1042 ≈ 46.4 per km² per
    //   30 days → band ≤ 50 → 75. Score (60·10 + 75·20 + 80·30 + 60·40) / 100 = 6900 / 100 = 69 → C.
    // 990001002 山前: K4 K6 = 2 reported, 2 filed, none public, none closed. 12 cells ≈ 0.139 km²: 2 · 30/31 / 0.139
    //   ≈ 13.9 → band ≤ 25 → 90. Score (100·10 + 90·20 + 0 + 0) / 100 = 28 → E. (K12 lies in no street.)
    expect(r.body.rows).to.deep.equal([
      region('990001001', '湖滨街道', area, [7, 5, 2, 4, 3], [2 / 5, 4 / 5, 3 / 5], 75, 69, 'C'),
      region('990001002', '山前街道', area, [2, 2, 0, 0, 0], [0, 0, 0], 90, 28, 'E'),
    ]);
    expect(r.body.rows[0].filed_density).to.be.within(46, 47);
    expect(r.body.rows[1].filed_density).to.be.within(13.5, 14.5);
  });

  it('regions by community', async () => {
    const r = await get(`/api/evaluation/regions?${MARCH}&level=community`);
    const area = await areas(env.database, 'region');
    // 东湖 990001001001: K1 K2 K5 K7 K10 = 5; filed K1 K2 K7 = 3; public K7 = 1; closed 3, on time K1 K7 = 2.
    //   6 cells ≈ 0.0695 km²: 3 · 30/31 / 0.0695 ≈ 41.8 → 75. (66.67·10 + 75·20 + 100·30 + 66.67·40) / 100 = 78.33 → B.
    // 西湖 990001001002: K3 K11 = 2 filed; public K3; closed K11 on time. 3 cells ≈ 0.0347 km²: 2 · 30/31 / 0.0347
    //   ≈ 55.7 → 60. (50·10 + 60·20 + 50·30 + 50·40) / 100 = 52 → D.
    // 公园 990001002001: K4. 9 cells ≈ 0.1042 km²: 30/31 / 0.1042 ≈ 9.3 → 100. (100·10 + 100·20) / 100 = 30 → E.
    // 河东 990001002002: K6. 3 cells ≈ 0.0347 km²: 30/31 / 0.0347 ≈ 27.9 → 75. (100·10 + 75·20) / 100 = 25 → E.
    expect(r.body.rows).to.deep.equal([
      region('990001001001', '东湖社区', area, [5, 3, 1, 3, 2], [1 / 3, 1, 2 / 3], 75, 78.33, 'B'),
      region('990001001002', '西湖社区', area, [2, 2, 1, 1, 1], [1 / 2, 1 / 2, 1 / 2], 60, 52, 'D'),
      region('990001002001', '公园社区', area, [1, 1, 0, 0, 0], [0, 0, 0], 100, 30, 'E'),
      region('990001002002', '河东社区', area, [1, 1, 0, 0, 0], [0, 0, 0], 75, 25, 'E'),
    ]);
  });

  it('regions by grid: every live grid, an empty one scored by its 立案数 term alone', async () => {
    const r = await get(`/api/evaluation/regions?${MARCH}&level=grid`);
    expect(r.body.rows).to.have.length(13);
    const byCode = new Map(r.body.rows.map((x: { code: string }) => [x.code, x]));
    // 990001001001002: no case → rates null, density 0 → band 100; the only known term → 100 → A.
    expect(byCode.get('990001001001002')).to.include({
      reported: 0,
      filed: 0,
      public_report_rate: null,
      closure_rate: null,
      filed_density: 0,
      filed_score: 100,
      score: 100,
      grade: 'A',
    });
    // 990001001001001 (c02): K1 (closed on time), K10 (reported) → 2 reported, 1 filed, closed 1 on time.
    //   1 cell ≈ 0.01158 km²: 30/31 / 0.01158 ≈ 83.6 → 60. (100·10 + 60·20 + 100·30 + 100·40) / 100 = 92 → A.
    expect(byCode.get('990001001001001')).to.include({
      reported: 2,
      filed: 1,
      public_filed: 0,
      closed: 1,
      closed_on_time: 1,
      filed_score: 60,
      score: 92,
      grade: 'A',
    });
    // 990001001002002 (c21): K3 (public, checked) and K11 (closed on time): public 1/2, closure 1/2, on time 1/2;
    //   2 · 30/31 / 0.01158 ≈ 167 → 40. (50·10 + 40·20 + 50·30 + 50·40) / 100 = 48 → D.
    expect(byCode.get('990001001002002')).to.include({
      reported: 2,
      filed: 2,
      public_filed: 1,
      public_report_rate: 0.5,
      filed_score: 40,
      score: 48,
      grade: 'D',
    });
  });

  it('posts: 受理员, 值班长 and 派遣员 from the actors, imported names joined to their accounts', async () => {
    const r = await get(`/api/evaluation/posts?${MARCH}`, 'admin');
    expect(r.status).to.equal(200);
    const { jia, yi } = env.world.users;
    // 受理员 (受理数 25 — banded per 30 days: a handful scores 0 —, 核实按时派发率 40, 核查按时派发率 35: left out):
    //   甲: K1 K2 K3(核实派发) K4 K5(作废) K7 K12 = 7; 核实派发 1, on time → (0·25 + 100·40) / 65 = 61.54 → C.
    //   乙: K6 → 0 / 25 = 0 → E.   调度员丙 (K11, no account): 0 → E.
    expect(r.body.acceptors).to.deep.equal([
      {
        actor_id: jia.id,
        actor_name: '调度员甲',
        accepted: 7,
        accepted_score: 0,
        verify_dispatched: 1,
        verify_dispatched_on_time: 1,
        on_time_verify_dispatch_rate: 1,
        score: 61.54,
        grade: 'C',
      },
      {
        actor_id: yi.id,
        actor_name: '调度员乙',
        accepted: 1,
        accepted_score: 0,
        verify_dispatched: 0,
        verify_dispatched_on_time: 0,
        on_time_verify_dispatch_rate: null,
        score: 0,
        grade: 'E',
      },
      {
        actor_id: null,
        actor_name: '调度员丙',
        accepted: 1,
        accepted_score: 0,
        verify_dispatched: 0,
        verify_dispatched_on_time: 0,
        on_time_verify_dispatch_rate: null,
        score: 0,
        grade: 'E',
      },
    ]);
    // 值班长 (按时立案率 25, 准确立案率 40, 按时结案率 35):
    //   甲: 立案 K1 K2 K4 K7 K12 all on time; 结案 K1 K7 on time → 100 → A.
    //   乙: 立案 K3 K6 on time; 结案 K2 ✗ (15:00 > 14:30) and K11 ("调度员乙", imported) ✓ → (2500 + 4000 + 50·35) / 100 = 82.5 → B.
    //   调度员丙: 立案 K11 on time, no 结案 → (2500 + 4000) / 65 = 100 → A.
    expect(r.body.shift_leaders).to.deep.equal([
      lead(jia.id, '调度员甲', [5, 5, 0, 5], [2, 2], 100, 'A'),
      lead(yi.id, '调度员乙', [2, 2, 0, 2], [2, 1], 82.5, 'B'),
      lead(null, '调度员丙', [1, 1, 0, 1], [0, 0], 100, 'A'),
    ]);
    // 派遣员 (派遣数 20, 按时派遣率 40, 准确派遣率 40):
    //   甲: K2 ✗, K4→CG (回退: redone), K6→SZ (改派: redone), K7, K12, K11 ("调度员甲") = 6; on time 5; accurate 4:
    //     (0 + 83.33·40 + 66.67·40) / 100 = 60 → C (exactly on the boundary).
    //   乙: K1, K3, K4→HW (after the 回退; parked and unparked, then disposed: accurate) = 3, all on time → 80 → B.
    expect(r.body.dispatchers).to.deep.equal([
      {
        actor_id: jia.id,
        actor_name: '调度员甲',
        dispatched: 6,
        dispatched_score: 0,
        dispatched_on_time: 5,
        on_time_dispatch_rate: 5 / 6,
        redone: 2,
        accurately_dispatched: 4,
        accurate_dispatch_rate: 4 / 6,
        score: 60,
        grade: 'C',
      },
      {
        actor_id: yi.id,
        actor_name: '调度员乙',
        dispatched: 3,
        dispatched_score: 0,
        dispatched_on_time: 3,
        on_time_dispatch_rate: 1,
        redone: 0,
        accurately_dispatched: 3,
        accurate_dispatch_rate: 1,
        score: 80,
        grade: 'B',
      },
    ]);
  });

  it('posts: a viewer sees ids, not names', async () => {
    const r = await get(`/api/evaluation/posts?${MARCH}`);
    expect(r.body.dispatchers.map((d: { actor_name: string | null }) => d.actor_name)).to.deep.equal([null, null]);
  });

  describe('scope: figures only from the cases inside the reader’s region', () => {
    it('a dispatcher of street 990001001 (湖滨)', async () => {
      // K1 K2 K3 K5 K7 K10 K11: filed K1 K2 K3 K7 K11 = 5; disposed 5, on time K1 K3 K7 K11 = 4; closed K1 K2 K7 K11 = 4,
      // on time 3; reworked K3. K4 K6 lie in 山前, K12 in no region (only unscoped readers count it).
      const s = await get(`/api/evaluation/summary?${MARCH}`, 'disp_hubin');
      expect(s.body).to.include({
        reported: 7,
        filed: 5,
        voided: 1,
        disposed: 5,
        disposed_on_time: 4,
        closed: 4,
        closed_on_time: 3,
        rework: 1,
      });
      const d = await get(`/api/evaluation/departments?${MARCH}`, 'disp_hubin');
      // HW: K1 K2 K7 (disposed 3, on time K1 K7, closed 3, on time 2); SZ: K3 K11 as before. No CG (K12 is outside).
      expect(
        d.body.rows.map((x: { department_code: string; to_dispose: number; disposed_on_time: number }) => [
          x.department_code,
          x.to_dispose,
          x.disposed_on_time,
        ]),
      ).to.deep.equal([
        ['HW', 3, 2],
        ['SZ', 2, 2],
      ]);
      const streets = await get(`/api/evaluation/regions?${MARCH}&level=street`, 'disp_hubin');
      expect(streets.body.rows.map((x: { code: string }) => x.code)).to.deep.equal(['990001001']);
    });

    it('a GIS editor of street 990001002 (山前): its communities, its collectors', async () => {
      const c = await get(`/api/evaluation/regions?${MARCH}&level=community`, 'gis_shanqian');
      expect(c.body.rows.map((x: { code: string; filed: number }) => [x.code, x.filed])).to.deep.equal([
        ['990001002001', 1],
        ['990001002002', 1],
      ]);
      // Only K4 and K6 (both reported by 李); no 核实 or 核查 there.
      const k = await get(`/api/evaluation/collectors?${MARCH}`, 'gis_shanqian');
      expect(
        k.body.rows.map((x: { collector_code: string; reported: number; checked: number }) => [
          x.collector_code,
          x.reported,
          x.checked,
        ]),
      ).to.deep.equal([['C02', 2, 0]]);
    });

    it('a viewer of one grid: no street or community rows (they are larger than the scope)', async () => {
      const s = await get(`/api/evaluation/regions?${MARCH}&level=street`, 'grid_viewer');
      expect(s.body.rows).to.deep.equal([]);
      const g = await get(`/api/evaluation/regions?${MARCH}&level=grid`, 'grid_viewer');
      expect(g.body.rows.map((x: { code: string; reported: number }) => [x.code, x.reported])).to.deep.equal([
        ['990001001002002', 2],
      ]);
    });
  });

  describe('retired grids (runs after the others: it retires two grids)', () => {
    it('a retired grid that cases of the period name keeps its row (live: false); one without cases goes', async () => {
      await sql`update unit_grid set termination_date = '2025-04-02'
        where code in ('990001001001002', '990001001001006') and termination_date is null`.execute(env.database.db);
      const r = await get(`/api/evaluation/regions?${MARCH}&level=grid`);
      // 13 grids − 2 retired + 990001001001006, which K7 names (app report: public; closed on time).
      expect(r.body.rows).to.have.length(12);
      expect(r.body.rows.find((x: { code: string }) => x.code === '990001001001002')).to.equal(undefined);
      expect(r.body.rows.find((x: { code: string }) => x.code === '990001001001006')).to.include({
        live: false,
        name: '东湖社区第6网格',
        reported: 1,
        filed: 1,
        public_filed: 1,
        closed: 1,
        closed_on_time: 1,
      });
    });
  });
});
