/**
 * Assignment on the micro-city with a hand-made responsibility library where every answer is known: precedence
 * (component > specific category > small area > priority > low id > fallback), shared edges, vertices, holes,
 * MultiPolygons, outside coverage, GCJ-02/BD-09 input, area classes, collector areas and the preview endpoint.
 */
import { expect } from 'chai';
import { assign, type Assignment } from '../../server/assign/assign.js';
import { wgs84ToBd09, wgs84ToGcj02 } from '../../server/geo/crs.js';
import { useMicroCityServer } from '../helpers/micro-server.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { cell, handMadeLibrary } from './library.js';

describe(`assignment and precedence on the micro-city (${DRIVER})`, () => {
  const env = useMicroCityServer();
  const ids: Record<string, number> = {};
  const get = (path: string) => request(env.server, 'GET', path);

  before(async () => {
    Object.assign(ids, await handMadeLibrary(env.database.db));
  });

  const at = (p: [number, number], category: string, componentCode?: string) => {
    const [kind, code] = category.split(':');
    return assign(env.database.db, { lon: p[0], lat: p[1], kind, code, componentCode });
  };
  const lost = (a: Assignment) => Object.fromEntries(a.candidates.map((c) => [c.rule_id, c.lost_because]));

  it('inside one grid: priority beats id, small area beats large, exact class beats major and any-kind', async () => {
    const a = await at(cell(0, 2), 'matter:06010');
    expect(a.grid?.code).to.equal('990001001001001');
    expect(a.department).to.deep.equal({ code: 'SZ', name: '市政', kind: '市政' });
    expect(a.matched).to.deep.equal({ source: 'rule', rule_id: ids.r6, rule_version: 1, rule_name: 'r6' });
    expect(lost(a)).to.deep.equal({
      [ids.r7]: 'higher_id',
      [ids.r5]: 'lower_priority',
      [ids.r4]: 'larger_area',
      [ids.r3]: 'larger_area',
      [ids.r2]: 'larger_area',
      [ids.r8]: 'less_specific_category',
      [ids.r1]: 'less_specific_category',
    });
    expect(a.candidates.map((c) => c.rule_id)).to.deep.equal([ids.r7, ids.r5, ids.r4, ids.r3, ids.r2, ids.r8, ids.r1]);
    expect(a.why).to.contain(`规则#${ids.r6}`).and.contain('胜过 7 条候选规则');
  });

  it('the next grid: the 2-cell polygon beats the community and the street', async () => {
    const a = await at(cell(1, 2), 'matter:06010');
    expect(a.grid?.code).to.equal('990001001001002');
    expect(a.department?.code).to.equal('DL');
    expect(lost(a)).to.deep.equal({
      [ids.r3]: 'larger_area',
      [ids.r2]: 'larger_area',
      [ids.r8]: 'less_specific_category',
      [ids.r1]: 'less_specific_category',
    });
  });

  it('a shared edge and a four-grid vertex go to the lowest grid code, and its rules apply', async () => {
    const edge = await at([100.001, 20.0025], 'matter:06010');
    expect(edge.grid?.code).to.equal('990001001001001');
    expect(edge.on_boundary).to.equal(true);
    expect(edge.department?.code).to.equal('SZ');
    const vertex = await at([100.001, 20.002], 'matter:06010');
    expect(vertex.grid?.code).to.equal('990001001001001');
    expect(vertex.department?.code).to.equal('SZ');
    // The street boundary between 湖滨 and 山前 (lon 100.003): lowest code is the 湖滨 side.
    const streetEdge = await at([100.003, 20.0005], 'matter:09009');
    expect(streetEdge.grid?.code).to.equal('990001001002003');
    expect(streetEdge.department?.code).to.equal('JD1');
  });

  it('a hole belongs to the grid filling it; a MultiPolygon grid matches in both parts', async () => {
    const hole = await at(cell(4, 1), 'matter:06010');
    expect(hole.grid?.code).to.equal('990001002001002');
    expect(hole.street?.code).to.equal('990001002');
    expect(hole.department?.code).to.equal('YL'); // r8 (any kind, exact class) beats r1 (matter, major)
    expect(lost(hole)).to.deep.equal({ [ids.r1]: 'less_specific_category' });
    const ring = await at(cell(3, 1), 'matter:06012');
    expect(ring.grid?.code).to.equal('990001002001001');
    expect(ring.department?.code).to.equal('HW'); // r11 expired in 2020
    for (const part of [cell(6, 2), cell(6, 0)]) {
      const a = await at(part, 'matter:09009');
      expect(a.grid?.code).to.equal('990001002002001');
      expect(a.department?.code).to.equal('JJ');
    }
    const middle = await at(cell(6, 1), 'matter:09009');
    expect(middle.grid?.code).to.equal('990001002002002');
    expect(middle.matched).to.deep.equal({ source: 'fallback', fallback_for: '990001002' });
    expect(middle.department?.code).to.equal('JD2');
  });

  it('outside every grid: flagged, anywhere-rules still apply, else the everywhere fallback', async () => {
    const a = await at([101, 21], 'matter:09009');
    expect(a.outside_coverage).to.equal(true);
    expect(a.grid).to.equal(null);
    expect(a.street).to.equal(null);
    expect(a.matched).to.deep.equal({ source: 'fallback', fallback_for: '' });
    expect(a.department?.code).to.equal('CENTER');
    expect(a.nearest_grid?.code).to.equal('990001002002001');
    expect(a.why).to.match(/^位置不在任何单元网格内/);
    expect((await at([101, 21], 'matter:06010')).department?.code).to.equal('YL');
  });

  it("a named component's maintainer beats every rule; without a maintainer its 主管部门", async () => {
    const a = await at(cell(0, 0), 'matter:01005', '99000101005000001');
    expect(a.department?.code).to.equal('DL');
    expect(a.matched).to.deep.equal({ source: 'component', component_code: '99000101005000001' });
    expect(lost(a)).to.deep.equal({ [ids.r10]: 'component_maintainer' });
    expect((await at(cell(0, 0), 'matter:01005', '99000101005000002')).department?.code).to.equal('SZ');
    expect((await at(cell(0, 0), 'matter:01005')).matched).to.deep.equal({
      source: 'rule',
      rule_id: ids.r10,
      rule_version: 1,
      rule_name: 'r10',
    });
  });

  it('area classes: A beats B where zones overlap; unlisted places are C', async () => {
    expect((await at(cell(0, 0), 'matter:06010')).area_class).to.equal('A');
    expect((await at(cell(2, 0), 'matter:06010')).area_class).to.equal('B');
    const north = await at(cell(2, 2), 'matter:06010');
    expect(north.area_class).to.equal('A');
    expect(north.area_class_zone?.name).to.equal('西湖北端');
    expect((await at(cell(5, 0), 'matter:06010')).area_class).to.equal('C');
  });

  it('collector areas give the collectors of the grid', async () => {
    const a = await at(cell(1, 0), 'matter:06010');
    expect(a.collector_area?.name).to.equal('东湖责任区');
    expect(a.collectors.map((c) => c.code)).to.deep.equal(['C1', 'C2']);
    const b = await at(cell(6, 1), 'matter:06010');
    expect(b.collector_area).to.equal(null);
    expect(b.collectors).to.deep.equal([]);
  });

  it('GET /api/assign/preview converts GCJ-02 and BD-09 input before locating', async () => {
    const wgs = cell(0, 2);
    const gcj = wgs84ToGcj02(wgs[0], wgs[1]);
    const bd = wgs84ToBd09(wgs[0], wgs[1]);
    for (const [crs, p] of [
      ['gcj02', gcj],
      ['bd09', bd],
      ['wgs84', wgs],
    ] as const) {
      const r = await get(`/api/assign/preview?lon=${p[0]}&lat=${p[1]}&crs=${crs}&category=matter:06010`);
      expect(r.status).to.equal(200);
      const body = r.body;
      expect(body.assignment.grid.code, crs).to.equal('990001001001001');
      expect(body.assignment.department.code).to.equal('SZ');
      expect(Math.abs(body.location.lon - wgs[0])).to.be.below(1e-8);
      expect(body.location.input).to.deep.equal({ lon: p[0], lat: p[1], crs });
      expect(body.time_limit).to.include({ pattern: '06010', hours: 2, area_class: 'A' });
    }
    // Read as WGS84, the GCJ-02 coordinates land somewhere else: the conversion matters.
    const raw = await get(`/api/assign/preview?lon=${gcj[0]}&lat=${gcj[1]}&category=matter:06010`);
    expect(raw.body.assignment.grid?.code).to.not.equal('990001001001001');
  });

  it('preview refusals: unknown category 422, bad coordinates 400', async () => {
    const unknown = await get('/api/assign/preview?lon=100&lat=20&category=matter:06099');
    expect(unknown.status).to.equal(422);
    expect(unknown.body.detail).to.equal(
      "unknown category 'matter:06099': not in the GB/T 47678.5 dictionary (see /api/categories)",
    );
    const bad = await get('/api/assign/preview?lon=100&lat=95&category=matter:06010');
    expect(bad.status).to.equal(400);
    expect(bad.body.detail).to.equal("query parameter 'lat' must be <= 90");
    const legacy = await get(`/api/assign/preview?lon=${cell(0, 2)[0]}&lat=${cell(0, 2)[1]}&category=matter:01-10`);
    expect(legacy.body.category).to.deep.include({
      kind: 'matter',
      code: '06010',
      name: '暴露垃圾',
    });
  });
});
