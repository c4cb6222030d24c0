/**
 * OGC API – Features on the micro-city (test/fixtures/micro-city.ts), every answer known by hand: landing page,
 * conformance, collections, keyset paging with next/prev links, bbox and bbox-crs, crs=EPSG:4490 axis order,
 * datetime over a split grid's terminated and live versions, property filters, the non-personal cases, 400s and 404s.
 *
 * World: the cases fixture (micro-city, departments, two rules over district 990001, users), plus a drawn-polygon rule,
 * an area-class zone, a collector area, the five census components and three cases (one closed). Every grid and
 * region starts on 2020-01-01; then grid 990001001001004 is split (→ 007, 008; neighbours 002 and 006 get version 2).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { insertComponents } from '../fixtures/micro-components.js';
import { at, intake, P, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';
import { DRIVER } from '../helpers/db.js';
import { request, type Reply } from '../helpers/http.js';

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const EPSG4490 = 'http://www.opengis.net/def/crs/EPSG/0/4490';
const G = (serial: string, v = 1) => `990001${serial}-v${v}`;

describe(`OGC API – Features (${DRIVER})`, function () {
  this.timeout(240_000);
  let w: World;
  let splitDay: string;
  const caseIds: number[] = [];
  const get = (path: string): Promise<Reply> => request(w.server, 'GET', path);
  const ids = (r: Reply) => (r.body.features as { id: string }[]).map((f) => f.id);
  const link = (r: Reply, rel: string) => (r.body.links as { rel: string; href: string }[]).find((l) => l.rel === rel);
  const path = (href: string) => href.slice(w.server.url.length);

  before(async () => {
    w = await setUpWorld();
    const db = w.database.db;
    await sql`update unit_grid set initial_date = '2020-01-01'`.execute(db);
    await sql`update region set initial_date = '2020-01-01'`.execute(db);
    await insertComponents(w.database);
    // A drawn rule over cells (0,0)–(2,1), valid in 2026 only; an A zone over the same; a collector area of 001+002.
    await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_geom, area_m2, department_code,
        valid_from, valid_to)
      values ('东湖南片市容', 'matter', '01', 'polygon',
        ST_Multi(ST_MakeEnvelope(100, 20, 100.002, 20.001, 4326)), 23000, 'CG', '2026-01-01', '2026-12-31')`.execute(
      db,
    );
    await sql`insert into area_class_zone (name, class, area_kind, area_geom)
      values ('东湖核心区', 'A', 'polygon', ST_Multi(ST_MakeEnvelope(100, 20, 100.002, 20.001, 4326)))`.execute(db);
    await sql`insert into collector (code, name, phone) values ('C1', '监督员王', '13800000000')`.execute(db);
    await sql`insert into collector_area (name, grid_codes, collector_ids)
      values ('东湖北片', '{990001001001001,990001001001002}', (select array_agg(id) from collector))`.execute(db);
    const reporter = { name: '张三', phone: '13900000000' };
    caseIds.push(
      await intake(w, { location: P.c02, reporter, address: '东湖路1号' }, at('2026-03-01T10:00:00')),
      await intake(w, { location: P.c41, reporter }, at('2026-03-02T09:00:00')),
      await intake(w, { location: P.c61, reporter }, at('2026-03-03T09:00:00')),
    );
    await sql`update case_record set closed_at = now(), state = 'closed' where id = ${caseIds[2]}`.execute(db);
    const gis = await createUser(db, 'GIS编辑', 'gis_editor');
    const split = await request(w.server, 'POST', '/api/grids/990001001001004/split', {
      token: gis.token,
      headers: { 'If-Match': '"1"' },
      body: {
        line: {
          type: 'LineString',
          coordinates: [
            [100.0015, 20.0005],
            [100.0015, 20.0025],
          ],
        },
      },
    });
    expect(split.status, split.text).to.equal(200);
    splitDay = (
      await sql<{ d: string }>`select to_char(termination_date, 'YYYY-MM-DD') as d from unit_grid
        where code = '990001001001004'`.execute(db)
    ).rows[0].d;
  });
  after(() => tearDownWorld(w));

  it('landing page: self, service-desc (OpenAPI 3.0), conformance and data links, absolute', async () => {
    const r = await get('/ogc');
    expect(r.status).to.equal(200);
    const rels = Object.fromEntries(
      (r.body.links as { rel: string; href: string; type: string }[]).map((l) => [l.rel, l]),
    );
    expect(rels.self.href).to.equal(`${w.server.url}/ogc`);
    expect(rels['service-desc']).to.include({
      href: `${w.server.url}/ogc/api`,
      type: 'application/vnd.oai.openapi+json;version=3.0',
    });
    expect(rels.conformance.href).to.equal(`${w.server.url}/ogc/conformance`);
    expect(rels.data.href).to.equal(`${w.server.url}/ogc/collections`);
    const api = await get('/ogc/api');
    expect(api.headers.get('content-type')).to.equal('application/vnd.oai.openapi+json;version=3.0');
    expect(api.body.openapi).to.equal('3.0.3');
    expect(api.body.servers).to.deep.equal([{ url: `${w.server.url}/ogc` }]);
    expect(api.body.components.parameters.limit.schema).to.deep.include({ default: 100, maximum: 10000, minimum: 1 });
    const items = api.body.paths['/collections/grids/items'].get.parameters;
    expect(items.filter((p: { name?: string }) => p.name).map((p: { name: string }) => p.name)).to.deep.equal([
      'code',
      'community_code',
      'street_code',
      'district_code',
    ]);
  });

  it('conformance: core, geojson, oas30, crs', async () => {
    expect((await get('/ogc/conformance')).body).to.deep.equal({
      conformsTo: [
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
        'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
      ],
    });
  });

  it('collections: every registry collection, with extent, CRSs and items links', async () => {
    const r = await get('/ogc/collections');
    expect(r.status).to.equal(200);
    const cols = r.body.collections as Record<string, any>[];
    expect(cols.map((c) => c.id)).to.deep.equal([
      'districts',
      'streets',
      'communities',
      'grids',
      'components',
      'rules',
      'area-classes',
      'collector-areas',
      'cases',
    ]);
    const grids = cols.find((c) => c.id === 'grids')!;
    expect(grids.crs).to.deep.equal([CRS84, EPSG4490, 'http://www.opengis.net/def/crs/EPSG/0/4326']);
    expect(grids.storageCrs).to.equal(CRS84);
    expect(grids.itemType).to.equal('feature');
    expect(grids.extent.spatial).to.deep.equal({ bbox: [[100, 20, 100.007, 20.003]], crs: CRS84 });
    expect(grids.extent.temporal.interval).to.deep.equal([['2020-01-01', null]]);
    expect(grids.links.find((l: { rel: string }) => l.rel === 'items').href).to.equal(
      `${w.server.url}/ogc/collections/grids/items`,
    );
    expect(grids.description).to.contain('at most 10000');
    expect((await get('/ogc/collections/collector-areas')).body.extent.spatial.bbox).to.deep.equal([
      [100, 20.002, 100.002, 20.003],
    ]);
  });

  it('paging: numberMatched exact, next links walk every live grid once, prev goes back', async () => {
    const first = await get('/ogc/collections/grids/items?limit=5');
    expect(first.status).to.equal(200);
    expect(first.headers.get('content-type')).to.equal('application/geo+json');
    expect(first.body.type).to.equal('FeatureCollection');
    expect(first.body.numberMatched).to.equal(14);
    expect(first.body.numberReturned).to.equal(5);
    expect(Date.parse(first.body.timeStamp)).to.be.closeTo(Date.now(), 60_000);
    expect(link(first, 'prev')).to.equal(undefined);
    expect(link(first, 'collection')!.href).to.equal(`${w.server.url}/ogc/collections/grids`);
    const seen: string[] = [];
    let page = first;
    const pages: string[][] = [];
    for (;;) {
      expect(page.body.numberMatched).to.equal(14);
      pages.push(ids(page));
      seen.push(...ids(page));
      const next = link(page, 'next');
      if (!next) break;
      page = await get(path(next.href));
    }
    expect(pages.map((p) => p.length)).to.deep.equal([5, 5, 4]);
    expect(seen).to.deep.equal([
      G('001001001'),
      G('001001002', 2),
      G('001001003'),
      G('001001005'),
      G('001001006', 2),
      G('001001007'),
      G('001001008'),
      G('001002001'),
      G('001002002'),
      G('001002003'),
      G('002001001'),
      G('002001002'),
      G('002002001'),
      G('002002002'),
    ]);
    // From the last page back to the first.
    const back = await get(path(link(page, 'prev')!.href));
    expect(ids(back)).to.deep.equal(pages[1]);
    const front = await get(path(link(back, 'prev')!.href));
    expect(ids(front)).to.deep.equal(pages[0]);
    expect(link(front, 'prev')).to.equal(undefined);
    expect(path(link(front, 'next')!.href)).to.equal(`/ogc/collections/grids/items?limit=5&after=${G('001001006', 2)}`);
  });

  it('limit: 1 gives one feature and a next link; 10000 is allowed; 0 and 10001 are 400', async () => {
    const one = await get('/ogc/collections/grids/items?limit=1');
    expect(ids(one)).to.deep.equal([G('001001001')]);
    expect(path(link(one, 'next')!.href)).to.equal(`/ogc/collections/grids/items?limit=1&after=${G('001001001')}`);
    expect((await get('/ogc/collections/grids/items?limit=10000')).body.numberReturned).to.equal(14);
    for (const bad of ['0', '10001', 'x', '1.5']) {
      const r = await get(`/ogc/collections/grids/items?limit=${bad}`);
      expect(r.status, bad).to.equal(400);
      expect(r.headers.get('content-type')).to.contain('application/problem+json');
      expect(r.body.detail).to.contain('limit');
    }
  });

  it('bbox: exactly the grids it intersects; bbox-crs EPSG:4490 takes latitude first', async () => {
    // Cells (2,0)–(4,1): 西湖 002 and 003, the park ring and its hole.
    const want = [G('001002002'), G('001002003'), G('002001001'), G('002001002')];
    const r = await get('/ogc/collections/grids/items?bbox=100.0025,20.0005,100.0045,20.0015');
    expect(ids(r)).to.deep.equal(want);
    expect(r.body.numberMatched).to.equal(4);
    const latFirst = await get(
      `/ogc/collections/grids/items?bbox=20.0005,100.0025,20.0015,100.0045&bbox-crs=${encodeURIComponent(EPSG4490)}`,
    );
    expect(ids(latFirst)).to.deep.equal(want);
    // A box in the hole only: the hole's grid, not the ring around it.
    expect(ids(await get('/ogc/collections/grids/items?bbox=100.0042,20.0012,100.0048,20.0018'))).to.deep.equal([
      G('002001002'),
    ]);
    // Heights are ignored.
    expect(ids(await get('/ogc/collections/grids/items?bbox=100.0042,20.0012,0,100.0048,20.0018,10'))).to.deep.equal([
      G('002001002'),
    ]);
    for (const bad of ['1,2,3', '100,20,99,21', '100,95,101,96', 'a,b,c,d', '100,20,101,nan']) {
      const b = await get(`/ogc/collections/grids/items?bbox=${bad}`);
      expect(b.status, bad).to.equal(400);
      expect(b.body.detail).to.contain('bbox');
    }
    expect((await get('/ogc/collections/grids/items?bbox-crs=' + encodeURIComponent(CRS84))).status).to.equal(400);
  });

  it('crs=EPSG:4490: the same coordinates with the axes swapped, and Content-Crs says so', async () => {
    const lonLat = await get('/ogc/collections/grids/items?code=990001001002002');
    expect(lonLat.headers.get('content-crs')).to.equal(`<${CRS84}>`);
    expect(lonLat.body.features[0].geometry).to.deep.equal({
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [100.002, 20.001],
            [100.003, 20.001],
            [100.003, 20.002],
            [100.002, 20.002],
            [100.002, 20.001],
          ],
        ],
      ],
    });
    const latLon = await get(`/ogc/collections/grids/items?code=990001001002002&crs=${encodeURIComponent(EPSG4490)}`);
    expect(latLon.headers.get('content-crs')).to.equal(`<${EPSG4490}>`);
    expect(latLon.body.features[0].geometry.coordinates).to.deep.equal([
      [
        [
          [20.001, 100.002],
          [20.001, 100.003],
          [20.002, 100.003],
          [20.002, 100.002],
          [20.001, 100.002],
        ],
      ],
    ]);
    const one = await get(`/ogc/collections/grids/items/${G('001002002')}?crs=${encodeURIComponent(EPSG4490)}`);
    expect(one.headers.get('content-crs')).to.equal(`<${EPSG4490}>`);
    expect(one.body.geometry.coordinates[0][0][0]).to.deep.equal([20.001, 100.002]);
    expect((await get('/ogc/collections/grids/items?crs=EPSG:9999')).status).to.equal(400);
  });

  it('datetime: the split grid before the split day, its successors from it on, every version with ../..', async () => {
    const dayBefore = new Date(Date.parse(`${splitDay}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const community = '&community_code=990001001001';
    const then = await get(`/ogc/collections/grids/items?datetime=${dayBefore}${community}`);
    expect(ids(then)).to.deep.equal([
      G('001001001'),
      G('001001002'),
      G('001001003'),
      G('001001004'),
      G('001001005'),
      G('001001006'),
    ]);
    const now = await get(`/ogc/collections/grids/items?datetime=${splitDay}${community}`);
    expect(ids(now)).to.deep.equal([
      G('001001001'),
      G('001001002', 2),
      G('001001003'),
      G('001001005'),
      G('001001006', 2),
      G('001001007'),
      G('001001008'),
    ]);
    expect(ids(await get(`/ogc/collections/grids/items?${community.slice(1)}`))).to.deep.equal(ids(now));
    const all = await get(`/ogc/collections/grids/items?datetime=../..${community}`);
    expect(all.body.numberMatched).to.equal(10);
    expect(ids(all)).to.include.members([G('001001004'), G('001001002'), G('001001002', 2)]);
    // An interval that ends the day before the split, and one with a date-time (China time decides the day).
    expect(ids(await get(`/ogc/collections/grids/items?datetime=../${dayBefore}${community}`))).to.deep.equal(
      ids(then),
    );
    // 15:00Z is 23:00 of the day before in China; 16:00Z midnight of the split day.
    expect(ids(await get(`/ogc/collections/grids/items?datetime=${dayBefore}T15:00:00Z/..${community}`))).to.deep.equal(
      ids(all),
    );
    expect(ids(await get(`/ogc/collections/grids/items?datetime=${dayBefore}T16:00:00Z/..${community}`))).to.deep.equal(
      ids(now),
    );
    // The terminated version stays reachable by its id; its bare code names no live row.
    const old = await get(`/ogc/collections/grids/items/${G('001001004')}`);
    expect(old.status).to.equal(200);
    expect(old.body.properties).to.include({ termination_date: splitDay, version: 1 });
    expect((await get('/ogc/collections/grids/items/990001001001004')).status).to.equal(404);
    const live = await get('/ogc/collections/grids/items/990001001001002');
    expect(live.body.id).to.equal(G('001001002', 2));
    expect(link(live, 'self')!.href).to.equal(`${w.server.url}/ogc/collections/grids/items/${G('001001002', 2)}`);
    for (const bad of ['2026-02-30', 'yesterday', '2026-01-02/2026-01-01', '../..//', '..', '2026-01-01T10:00:00']) {
      const r = await get(`/ogc/collections/grids/items?datetime=${encodeURIComponent(bad)}`);
      expect(r.status, bad).to.equal(400);
      expect(r.body.detail, bad).to.contain('datetime');
    }
  });

  it('regions: communities by street, and one by its code', async () => {
    const r = await get('/ogc/collections/communities/items?parent_code=990001002');
    expect(ids(r)).to.deep.equal(['990001002001-v1', '990001002002-v1']);
    expect(r.body.features[0].properties).to.deep.equal({
      code: '990001002001',
      name: '公园社区',
      parent_code: '990001002',
      area_m2: r.body.features[0].properties.area_m2,
      initial_date: '2020-01-01',
      termination_date: null,
      version: 1,
    });
    expect(ids(await get('/ogc/collections/districts/items'))).to.deep.equal(['990001-v1']);
    expect((await get('/ogc/collections/streets/items/990001001')).body.properties.name).to.equal('湖滨街道');
  });

  it('cases: open ones only, without personal data; datetime on reported_at', async () => {
    const r = await get('/ogc/collections/cases/items');
    expect(ids(r)).to.deep.equal(caseIds.slice(0, 2).map(String));
    const f = r.body.features[0];
    expect(Object.keys(f.properties).sort()).to.deep.equal(
      [
        'area_class',
        'case_no',
        'category_code',
        'category_kind',
        'category_name',
        'channel',
        'community_code',
        'department_code',
        'department_name',
        'grid_code',
        'outside_coverage',
        'overdue',
        'reported_at',
        'stage_deadline',
        'state',
        'state_label',
        'street_code',
      ].sort(),
    );
    for (const key of ['reporter', 'description', 'address', 'photos', 'created_by', 'assignment', 'geocode'])
      expect(f.properties).not.to.have.property(key);
    expect(r.text).not.to.contain('张三');
    expect(r.text).not.to.contain('13900000000');
    expect(r.text).not.to.contain('东湖路1号');
    expect(f.properties).to.include({
      grid_code: '990001001001001',
      reported_at: '2026-03-01T02:00:00Z',
      state: 'reported',
      state_label: '上报',
    });
    expect(f.geometry).to.deep.equal({ type: 'Point', coordinates: [100.0005, 20.0025] });
    // 2026-03-01 is a China day: the first case (10:00 +08) only; an interval of date-times.
    expect(ids(await get('/ogc/collections/cases/items?datetime=2026-03-01'))).to.deep.equal([String(caseIds[0])]);
    expect(
      ids(await get('/ogc/collections/cases/items?datetime=2026-03-01T02:00:00Z/2026-03-02T00:00:00Z')),
    ).to.deep.equal([String(caseIds[0])]);
    expect(ids(await get('/ogc/collections/cases/items?datetime=2026-03-02/..'))).to.deep.equal([String(caseIds[1])]);
    expect((await get(`/ogc/collections/cases/items/${caseIds[2]}`)).status).to.equal(404);
    expect(ids(await get('/ogc/collections/cases/items?grid_code=990001002001002'))).to.deep.equal([
      String(caseIds[1]),
    ]);
  });

  it('rules, area classes, collector areas and components: geometry and filters', async () => {
    const rules = await get('/ogc/collections/rules/items');
    // The two fixture rules over the district (geometry: the district) and the drawn one.
    expect(rules.body.numberMatched).to.equal(3);
    const drawn = rules.body.features.find((f: any) => f.properties.area_kind === 'polygon');
    expect(drawn.properties).to.include({ department_code: 'CG', valid_from: '2026-01-01', valid_to: '2026-12-31' });
    expect(
      rules.body.features.find((f: any) => f.properties.area_kind === 'regions').geometry.coordinates,
    ).to.deep.equal([
      [
        [
          [100, 20],
          [100.007, 20],
          [100.007, 20.003],
          [100, 20.003],
          [100, 20],
        ],
      ],
    ]);
    expect(ids(await get('/ogc/collections/rules/items?datetime=2025-06-01'))).not.to.include(drawn.id);
    expect(ids(await get('/ogc/collections/rules/items?datetime=2026-12-31'))).to.include(drawn.id);
    expect(ids(await get('/ogc/collections/rules/items?department_code=CG'))).to.deep.equal([drawn.id]);
    // Rules over the district intersect any box in it; the drawn one only its south-west.
    expect((await get('/ogc/collections/rules/items?bbox=100.005,20.002,100.006,20.003')).body.numberMatched).to.equal(
      2,
    );

    const zones = await get('/ogc/collections/area-classes/items?class=A');
    expect(zones.body.features.map((f: any) => f.properties.name)).to.deep.equal(['东湖核心区']);

    const areas = await get('/ogc/collections/collector-areas/items');
    expect(areas.body.features).to.have.length(1);
    const area = areas.body.features[0];
    expect(area.properties).to.deep.include({ name: '东湖北片', grid_count: 2 });
    expect(area.properties.grid_codes).to.deep.equal(['990001001001001', '990001001001002']);
    expect(JSON.stringify(area)).not.to.contain('监督员王');
    expect(JSON.stringify(area)).not.to.contain('13800000000');
    expect(
      (await get('/ogc/collections/collector-areas/items?bbox=100.0005,20.0005,100.0015,20.0015')).body.numberMatched,
    ).to.equal(0);
    expect(
      (await get('/ogc/collections/collector-areas/items?bbox=100.0005,20.0025,100.0006,20.0026')).body.numberMatched,
    ).to.equal(1);
    expect(ids(await get('/ogc/collections/collector-areas/items?grid_code=990001001001002'))).to.deep.equal([area.id]);
    expect(ids(await get('/ogc/collections/collector-areas/items?grid_code=990001001001003'))).to.deep.equal([]);

    const comps = await get('/ogc/collections/components/items?grid_code=990001001001002');
    expect(ids(comps)).to.deep.equal(['99000101001000002', '99000102003000001']);
    expect(ids(await get('/ogc/collections/components/items?limit=2&after=99000102003000001'))).to.deep.equal([
      '9900010301000001',
      '99000104008000001',
    ]);
  });

  it('unknown parameters and bad values are 400 problems that name them', async () => {
    const r = await get('/ogc/collections/grids/items?foo=1&bar=2');
    expect(r.status).to.equal(400);
    expect(r.headers.get('content-type')).to.contain('application/problem+json');
    expect(r.body.detail).to.match(/^unknown query parameters 'foo', 'bar'; collection grids takes /);
    expect((await get('/ogc/collections/collector-areas/items?datetime=2026-01-01')).body.detail).to.contain(
      'collection collector-areas has no time',
    );
    expect((await get('/ogc/collections/grids/items?community_code=12')).body.detail).to.contain('community_code');
    expect((await get('/ogc/collections/grids/items?after=x')).body.detail).to.contain('after "x"');
    expect(
      (await get(`/ogc/collections/grids/items?after=${G('001001001')}&before=${G('001001003')}`)).status,
    ).to.equal(400);
    expect((await get('/ogc/collections/grids/items?limit=1&limit=2')).status).to.equal(400);
    expect((await get('/ogc/collections?x=1')).status).to.equal(400);
    expect((await get('/ogc?f=html')).status).to.equal(400);
    expect((await get('/ogc?f=json')).status).to.equal(200);
  });

  it('404: unknown collection, feature or path', async () => {
    for (const p of [
      '/ogc/collections/nope',
      '/ogc/collections/nope/items',
      '/ogc/collections/grids/items/990001001001099-v1',
      '/ogc/collections/grids/items/banana',
      '/ogc/collections/cases/items/99999999999999999999',
      '/ogc/nothing/here',
    ]) {
      const r = await get(p);
      expect(r.status, p).to.equal(404);
      expect(r.headers.get('content-type'), p).to.contain('application/problem+json');
    }
    expect((await get('/ogc/collections/nope')).body.detail).to.contain('the collections are districts, streets');
  });

  it("the app's own OpenAPI document lists the /ogc routes", async () => {
    const doc = (await get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ogc'))).to.deep.equal([
      '/ogc',
      '/ogc/conformance',
      '/ogc/api',
      '/ogc/collections',
      '/ogc/collections/{collectionId}',
      '/ogc/collections/{collectionId}/items',
      '/ogc/collections/{collectionId}/items/{featureId}',
    ]);
  });
});
