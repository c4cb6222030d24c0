/**
 * GET /api/analysis/emerging on the micro-city (grids in code order as in hotspots.test.ts), monthly steps from
 * 2025-04 to 2026-01 (10 steps), every figure by hand:
 *
 * - April … December 2025: one case a month in grid 12 (cell (6,1)). Each of these steps has x = 1 in unit 12 and 0
 *   elsewhere: x̄ = 1/13, Σ(x − x̄)² = 12/13, S = √12/13. Unit 12 (W 3: itself, the ring, the MultiPolygon) and unit 11
 *   (W 3: itself, the ring, unit 12) have Σwx = 1: (1 − 3/13)/((√12/13) · √((39 − 9)/12)) = 10/√30 = 1.826 (p .068:
 *   bin 1 without FDR); the ring (W 7): 6/√42 = 0.93, the rest negative and small: bin 0.
 * - January 2026: the 13 cases of hotspots.test.ts (x = 3 2 2 4 1 1 0 …): bins 3 2 3 1 1 0 0 0 0 −3 0 0 0 (no FDR).
 *
 * Categories without FDR: units 0–4 hot only in the final step → new hot spot; the ring cold only in the final step →
 * new cold spot; units 11 and 12 hot 9 of 10 steps but not the final → historical hot spot; the rest no pattern.
 * Unit 12's counts 1 ×9 then 0: S = −9, ties t = 9 → Var S = (10·9·25 − 9·8·23)/18 = 33, z = (−9 + 1)/√33,
 * τ = −9/√(45 · 9). With FDR (the default) no step-0 … 8 p (.068) passes k·0.10/13, so 11 and 12 show no pattern.
 */
import { expect } from 'chai';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { call, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';
import { reportEmergingLog } from './fixture.js';

const PERIOD = 'from=2025-04-01&to=2026-02-01';

describe(`emerging hot spots over HTTP (${DRIVER})`, function () {
  this.timeout(600_000);
  let w: World;
  let planner: string;
  const get = (query: string, token?: string) => call(w, 'GET', `/api/analysis/emerging?${query}`, token ?? planner);

  before(async () => {
    w = await setUpWorld();
    planner = (await createUser(w.database.db, '规划员', 'gis_editor')).token;
    await reportEmergingLog(w);
  });
  after(() => tearDownWorld(w));

  it('monthly steps without FDR: the categories, trends and series computed by hand', async () => {
    const r = await get(`${PERIOD}&fdr=false&geometry=false`);
    expect(r.status, r.text).to.equal(200);
    const a = r.body.analysis;
    expect(a).to.include({ step: 'month', level: 'grid', weights: 'contiguity', fdr: false, units: 13, cases: 22 });
    expect(a.steps).to.have.length(10);
    expect(a.steps[0]).to.deep.equal({ from: '2025-04-01', to: '2025-05-01', cases: 1, critical_p: null });
    expect(a.steps[9]).to.deep.equal({ from: '2026-01-01', to: '2026-02-01', cases: 13, critical_p: null });
    const f = r.body.features;
    expect(f.map((x: any) => x.properties.category)).to.deep.equal([
      'new_hot_spot',
      'new_hot_spot',
      'new_hot_spot',
      'new_hot_spot',
      'new_hot_spot',
      'no_pattern',
      'no_pattern',
      'no_pattern',
      'no_pattern',
      'new_cold_spot',
      'no_pattern',
      'historical_hot_spot',
      'historical_hot_spot',
    ]);
    expect(a.categories.new_hot_spot).to.deep.equal({ code: 1, label: '新增的热点', units: 5 });
    expect(a.categories.historical_hot_spot.units).to.equal(2);
    const u12 = f[12].properties;
    expect([u12.category_code, u12.category_label, u12.count]).to.deep.equal([8, '历史的热点', 9]);
    expect(u12.counts).to.deep.equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(u12.bins).to.deep.equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(u12.z[0]).to.be.closeTo(10 / Math.sqrt(30), 1e-12);
    expect(u12.z[9]).to.be.closeTo(-3 * Math.sqrt(13 / 55), 1e-12);
    expect(u12.count_trend.tau).to.be.closeTo(-9 / Math.sqrt(405), 1e-12);
    expect(u12.count_trend.z).to.be.closeTo(-8 / Math.sqrt(33), 1e-12);
    expect(f[0].properties.bins).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    expect(f[9].properties.bins).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0, -3]);
    expect(f[9].geometry).to.equal(null);
  });

  it('with FDR (the default): no step before January reaches 90 %, so units 11 and 12 show no pattern', async () => {
    const r = await get(PERIOD);
    expect(r.status, r.text).to.equal(200);
    expect(r.body.analysis.fdr).to.equal(true);
    expect(r.body.analysis.steps[0].critical_p).to.deep.equal({ '90': null, '95': null, '99': null });
    const cats = r.body.features.map((x: any) => x.properties.category);
    expect([cats[11], cats[12]]).to.deep.equal(['no_pattern', 'no_pattern']);
    expect(r.body.features[0].geometry.type).to.equal('MultiPolygon');
  });

  it('series=false leaves the per-step arrays out; communities; weekly steps', async () => {
    const r = await get(`${PERIOD}&series=false&geometry=false&level=community`);
    expect(Object.keys(r.body.features[0].properties)).to.deep.equal([
      'code',
      'name',
      'count',
      'category',
      'category_code',
      'category_label',
      'count_trend',
      'gi_trend',
    ]);
    expect(r.body.features.map((x: any) => x.properties.count)).to.deep.equal([13, 0, 0, 9]);
    const weeks = await get('from=2025-11-06&to=2026-01-15&step=week&geometry=false');
    expect(weeks.status, weeks.text).to.equal(200);
    expect(weeks.body.analysis.steps.map((s: any) => s.cases)).to.deep.equal([0, 1, 0, 0, 0, 1, 0, 0, 0, 13]); // 11-15 in the week from 11-13, 12-15 from 12-11
  });

  it('format=csv: trends, categories and per-step columns', async () => {
    const r = await request(w.server, 'GET', `/api/analysis/emerging?${PERIOD}&fdr=false&format=csv`, {
      token: planner,
    });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-disposition')).to.equal(
      'attachment; filename="wangge-emerging-grid-2025-04-01-2026-02-01.csv"',
    );
    const lines = r.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    const head = lines[0].split(',');
    expect(head.slice(0, 12)).to.deep.equal([
      'code',
      'name',
      'count',
      'category',
      'category_code',
      'category_label',
      'count_tau',
      'count_z',
      'count_p',
      'gi_tau',
      'gi_z',
      'gi_p',
    ]);
    expect(head.slice(12, 14)).to.deep.equal(['count_2025-04-01', 'count_2025-05-01']);
    expect(head).to.have.length(12 + 30);
    expect(head[41]).to.equal('bin_2026-01-01');
    const last = lines[13].split(',');
    expect(last.slice(0, 6)).to.deep.equal([
      '990001002002002',
      '河东中段网格',
      '9',
      'historical_hot_spot',
      '8',
      '历史的热点',
    ]);
    expect(last.slice(12, 22)).to.deep.equal(['1', '1', '1', '1', '1', '1', '1', '1', '1', '0']);
  });

  it('bad input is a 400 problem naming the parameter', async () => {
    const bad: [string, string][] = [
      ['from=2025-04-02&to=2026-02-01', "with step=month, 'from' must be the first day of a month (got 2025-04-02)"],
      ['from=2025-05-01&to=2026-02-01', 'from 2025-05-01 to 2026-02-01 is 9 months'],
      ['from=2025-11-06&to=2026-01-16&step=week', "with step=week, 'to' − 'from' must be a whole number of weeks"],
      ['from=2025-04-01&to=2026-02-01&step=day', `query parameter 'step' must be one of "month", "week"`],
      ['from=2025-04-01&to=2026-02-01&series=2', "query parameter 'series' must be boolean"],
      ['from=2025-04-01&to=2026-02-01&weights=distance', 'weights=distance needs distance_m'],
      ['from=2026-02-01&to=2025-04-01', "query parameter 'from' (2026-02-01) must be before 'to' (2025-04-01)"],
    ];
    for (const [query, detail] of bad) {
      const r = await get(query);
      expect(r.status, query).to.equal(400);
      expect(r.body.detail, query).to.include(detail);
    }
    expect((await get(PERIOD, w.u.coll.token)).status).to.equal(403);
  });
});
