/**
 * Assignment on the micro-city with a hand-made responsibility library where every answer is known: precedence
 * (component > specific category > small area > priority > low id > fallback), shared edges, vertices, holes,
 * MultiPolygons, outside coverage, GCJ-02/BD-09 input, area classes, collector areas and the preview endpoint.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { assign, type Assignment } from '../../server/assign/assign.js';
import { wgs84ToBd09, wgs84ToGcj02 } from '../../server/geo/crs.js';
import { useMicroCityServer } from '../helpers/micro-server.js';
import { DRIVER } from '../helpers/db.js';

const D = 0.001;
/** Centre of micro-city cell (col, row). */
const cell = (c: number, r: number): [number, number] => [100 + (c + 0.5) * D, 20 + (r + 0.5) * D];
const rect = (c0: number, r0: number, c1: number, r1: number) => ({
  type: 'Polygon', coordinates: [[[100 + c0 * D, 20 + r0 * D], [100 + c1 * D, 20 + r0 * D], [100 + c1 * D, 20 + r1 * D], [100 + c0 * D, 20 + r1 * D], [100 + c0 * D, 20 + r0 * D]]],
});

describe(`assignment and precedence on the micro-city (${DRIVER})`, () => {
  const env = useMicroCityServer();
  const ids: Record<string, number> = {};

  before(async () => {
    const { db } = env.database;
    await sql`insert into department (code, name, kind, fallback_for) values
      ('CENTER', '监督中心', '监督中心', ''), ('JD1', '湖滨街道办', '街道办', '990001001'), ('JD2', '山前街道办', '街道办', '990001002'),
      ('SZ', '市政', '市政', null), ('HW', '环卫', '环卫', null), ('ZF', '城管执法', '城管执法', null), ('YL', '园林', '园林', null),
      ('DL', '电力', '电力', null), ('TX', '通信', '通信运营商', null), ('JJ', '交警', '交警', null), ('ZF1', '执法一中队', '城管执法', null)`.execute(db);
    const rule = async (name: string, kind: string | null, pattern: string, area: { kind: string; codes?: string[]; geom?: object }, dept: string, priority = 0, validTo: string | null = null) => {
      const geom = area.geom ? sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(area.geom)}), 4326))` : sql`null`;
      const r = await sql<{ id: number }>`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_geom, area_m2, department_code, priority, valid_to)
        values (${name}, ${kind}, ${pattern}, ${area.kind}, ${area.codes ?? []}::text[], ${geom},
          ${area.kind === 'anywhere' ? null : area.geom ? sql`ST_Area(${geom}::geography)` : sql`(select sum(g.area_m2) from unit_grid g, unnest(${area.codes ?? []}::text[]) c where g.termination_date is null and left(g.code, length(c)) = c)`},
          ${dept}, ${priority}, ${validTo}) returning id`.execute(db);
      ids[name] = r.rows[0].id;
    };
    await rule('r1', 'matter', '06', { kind: 'anywhere' }, 'HW');
    await rule('r2', 'matter', '06010', { kind: 'regions', codes: ['990001001'] }, 'ZF');
    await rule('r3', 'matter', '06010', { kind: 'regions', codes: ['990001001001'] }, 'ZF1');
    await rule('r4', 'matter', '06010', { kind: 'polygon', geom: rect(0, 2, 2, 3) }, 'DL');
    await rule('r5', 'matter', '06010', { kind: 'regions', codes: ['990001001001001'] }, 'TX');
    await rule('r6', 'matter', '06010', { kind: 'regions', codes: ['990001001001001'] }, 'SZ', 5);
    await rule('r7', 'matter', '06010', { kind: 'regions', codes: ['990001001001001'] }, 'JJ', 5);
    await rule('r8', null, '06010', { kind: 'anywhere' }, 'YL');
    await rule('r9', 'matter', '09', { kind: 'regions', codes: ['990001002002001'] }, 'JJ');
    await rule('r10', 'matter', '01', { kind: 'anywhere' }, 'SZ');
    await rule('r11', 'matter', '06012', { kind: 'anywhere' }, 'TX', 0, '2020-01-01');
    await sql`insert into component (code, category_code, name, maintainer_code, owner_code, geom)
      values ('99000101005000001', '01005', '电力井盖1', 'DL', 'SZ', ST_SetSRID(ST_MakePoint(100.0005, 20.0005), 4326)),
             ('99000101005000002', '01005', '电力井盖2', null, 'SZ', null)`.execute(db);
    await sql`insert into area_class_zone (name, class, area_kind, area_codes, area_geom) values
      ('东湖核心区', 'A', 'regions', '{990001001001}', null),
      ('西湖一般区', 'B', 'polygon', '{}', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(rect(2, 0, 3, 3))}), 4326))),
      ('西湖北端', 'A', 'polygon', '{}', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(rect(2, 2, 3, 3))}), 4326)))`.execute(db);
    await sql`insert into collector (code, name, phone) values ('C1', '张三', '13800000001'), ('C2', '李四', '13800000002'), ('C3', '王五', '')`.execute(db);
    await sql`insert into collector_area (name, grid_codes, collector_ids) values
      ('东湖责任区', '{990001001001001,990001001001002,990001001001003,990001001001004,990001001001005,990001001001006}', '{2,1}'),
      ('公园责任区', '{990001002001001,990001002001002}', '{3}')`.execute(db);
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
      [ids.r7]: 'higher_id', [ids.r5]: 'lower_priority', [ids.r4]: 'larger_area', [ids.r3]: 'larger_area',
      [ids.r2]: 'larger_area', [ids.r8]: 'less_specific_category', [ids.r1]: 'less_specific_category',
    });
    expect(a.candidates.map((c) => c.rule_id)).to.deep.equal([ids.r7, ids.r5, ids.r4, ids.r3, ids.r2, ids.r8, ids.r1]);
    expect(a.why).to.contain(`规则#${ids.r6}`).and.contain('胜过 7 条候选规则');
  });

  it('the next grid: the 2-cell polygon beats the community and the street', async () => {
    const a = await at(cell(1, 2), 'matter:06010');
    expect(a.grid?.code).to.equal('990001001001002');
    expect(a.department?.code).to.equal('DL');
    expect(lost(a)).to.deep.equal({ [ids.r3]: 'larger_area', [ids.r2]: 'larger_area', [ids.r8]: 'less_specific_category', [ids.r1]: 'less_specific_category' });
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
    expect((await at(cell(0, 0), 'matter:01005')).matched).to.deep.equal({ source: 'rule', rule_id: ids.r10, rule_version: 1, rule_name: 'r10' });
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
    for (const [crs, p] of [['gcj02', gcj], ['bd09', bd], ['wgs84', wgs]] as const) {
      const r = await fetch(`${env.server.url}/api/assign/preview?lon=${p[0]}&lat=${p[1]}&crs=${crs}&category=matter:06010`);
      expect(r.status).to.equal(200);
      const body = (await r.json()) as any;
      expect(body.assignment.grid.code, crs).to.equal('990001001001001');
      expect(body.assignment.department.code).to.equal('SZ');
      expect(Math.abs(body.location.lon - wgs[0])).to.be.below(1e-8);
      expect(body.location.input).to.deep.equal({ lon: p[0], lat: p[1], crs });
      expect(body.time_limit).to.include({ pattern: '06010', hours: 2, area_class: 'A' });
    }
    // Read as WGS84, the GCJ-02 coordinates land somewhere else: the conversion matters.
    const raw = await fetch(`${env.server.url}/api/assign/preview?lon=${gcj[0]}&lat=${gcj[1]}&category=matter:06010`);
    expect(((await raw.json()) as any).assignment.grid?.code).to.not.equal('990001001001001');
  });

  it('preview refusals: unknown category 422, bad coordinates 400', async () => {
    const unknown = await fetch(`${env.server.url}/api/assign/preview?lon=100&lat=20&category=matter:06099`);
    expect(unknown.status).to.equal(422);
    expect(((await unknown.json()) as any).detail).to.equal("unknown category 'matter:06099': not in the GB/T 47678.5 dictionary (see /api/categories)");
    const bad = await fetch(`${env.server.url}/api/assign/preview?lon=100&lat=95&category=matter:06010`);
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as any).detail).to.equal("query parameter 'lat' must be <= 90");
    const legacy = await fetch(`${env.server.url}/api/assign/preview?lon=${cell(0, 2)[0]}&lat=${cell(0, 2)[1]}&category=matter:01-10`);
    expect(((await legacy.json()) as any).category).to.deep.include({ kind: 'matter', code: '06010', name: '暴露垃圾' });
  });
});
