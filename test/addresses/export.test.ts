/**
 * The gazetteer export (GeoJSON, CSV UTF-8/GBK, XLSX) over HTTP on the micro gazetteer plus a road with an alias and
 * two former names and a point landmark: the exact files, and the round trip — each export imported into an empty
 * database exports again identically. Access as the census export; bad queries are 400; a database fault is a 503
 * before any byte (pg).
 */
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { importAddresses } from '../../server/addresses/import.js';
import { parseWkt, toWkt } from '../../server/addresses/wkt.js';
import { createUser } from '../../server/auth/tokens.js';
import { openCensusFile } from '../../server/components/readers.js';
import { openDatabase, type Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { GAZETTEER, f, pt } from '../fixtures/micro-gazetteer.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const actor = { id: null, name: 'test' };
const BOM = '\uFEFF';
const FIXTURE = {
  type: 'FeatureCollection',
  features: [
    ...GAZETTEER.features,
    f(
      { kind: 'road', name: '新华街', alias: '新华路', former: '老街@2010-05-01;旧街@2001-12-31' },
      {
        type: 'LineString',
        coordinates: [
          [100.0, 20.0025],
          [100.003, 20.0025],
        ],
      },
    ),
    f({ kind: 'landmark', name: '汽车站', alias: '客运站;长途汽车站', category: '交通' }, pt(100.0055, 20.0025)),
  ],
};
const CSV = [
  'kind,name,road,number,building,alias,former,category,lon,lat,wkt',
  'road,长青路,,,,老长青路;长青大道,,,,,"MULTILINESTRING((100 20.0015,100.007 20.0015))"',
  'road,新华街,,,,新华路,旧街@2001-12-31;老街@2010-05-01,,,,"MULTILINESTRING((100 20.0025,100.003 20.0025))"',
  'doorplate,,长青路,1,,,,,100.0005,20.00155,',
  'doorplate,,长青路,3,,,,,100.0025,20.00155,',
  'doorplate,,长青路,11,,,,,100.0065,20.00155,',
  'doorplate,,长青路,2,,,,,100.0005,20.00145,',
  'doorplate,,长青路,12,,,,,100.0065,20.00145,',
  'doorplate,,长青路,12,3,,,,100.0066,20.0014,',
  'landmark,第一中学,,,,一中;市一中,,学校,,,"POLYGON((100.004 20.001,100.005 20.001,100.005 20.002,100.004 20.002,100.004 20.001))"',
  'landmark,汽车站,,,,客运站;长途汽车站,,交通,100.0055,20.0025,',
  '',
].join('\r\n');

async function bytes(server: TestServer, path: string, token?: string) {
  const r = await fetch(server.url + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}
async function sheet(body: Buffer): Promise<{ names: string[]; rows: unknown[][] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  wb.worksheets[0].eachRow({ includeEmpty: true }, (row) => {
    const cells: unknown[] = [];
    for (let i = 1; i <= 11; i++) cells.push(row.getCell(i).value ?? '');
    rows.push(cells);
  });
  return { names: wb.worksheets.map((w) => w.name), rows };
}
const file = (body: Buffer, name: string) => openCensusFile({ bytes: new Uint8Array(body) }, { name });

describe(`address gazetteer export (${DRIVER})`, function () {
  this.timeout(240_000);
  let database: Database;
  let server: TestServer;
  let closed: TestServer;
  let empty: Database;
  let emptyServer: TestServer;

  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor });
    await importAddresses(database, await file(Buffer.from(JSON.stringify(FIXTURE)), 'g.geojson'), { actor });
    server = await startTestServer(database);
    closed = await startTestServer(database, { PUBLIC_READ: 'false' });
    empty = await openTestDatabase();
    await importRegions(empty, microCity(), { actor });
    emptyServer = await startTestServer(empty);
  });
  after(async () => {
    await server?.close();
    await closed?.close();
    await emptyServer?.close();
    await database?.close();
    await empty?.close();
  });

  it('CSV: the exact text — roads with aliases, former names and WKT, doorplates with lon/lat, landmarks; GBK', async () => {
    const r = await bytes(server, '/api/export/addresses.csv');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-addresses.csv"');
    expect(r.body.toString('utf8')).to.equal(BOM + CSV);
    const gbk = await bytes(server, '/api/export/addresses.csv?encoding=gbk');
    expect(gbk.headers.get('content-type')).to.equal('text/csv; charset=gbk');
    expect(new TextDecoder('gbk').decode(gbk.body)).to.equal(CSV);
  });

  it('GeoJSON: the same properties (null for empty) and the geometry', async () => {
    const r = await request(server, 'GET', '/api/export/addresses.geojson');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('application/geo+json');
    const props = (o: Record<string, string>) => ({
      kind: null,
      name: null,
      road: null,
      number: null,
      building: null,
      alias: null,
      former: null,
      category: null,
      ...o,
    });
    const features = r.body.features as { properties: unknown; geometry: { type: string; coordinates: unknown } }[];
    expect(features.map((x) => x.properties)).to.deep.equal([
      props({ kind: 'road', name: '长青路', alias: '老长青路;长青大道' }),
      props({ kind: 'road', name: '新华街', alias: '新华路', former: '旧街@2001-12-31;老街@2010-05-01' }),
      ...['1', '3', '11', '2', '12'].map((number) => props({ kind: 'doorplate', road: '长青路', number })),
      props({ kind: 'doorplate', road: '长青路', number: '12', building: '3' }),
      props({ kind: 'landmark', name: '第一中学', alias: '一中;市一中', category: '学校' }),
      props({ kind: 'landmark', name: '汽车站', alias: '客运站;长途汽车站', category: '交通' }),
    ]);
    expect(features[0].geometry).to.deep.equal({
      type: 'MultiLineString',
      coordinates: [
        [
          [100, 20.0015],
          [100.007, 20.0015],
        ],
      ],
    });
    expect(features[7].geometry).to.deep.equal({ type: 'Point', coordinates: [100.0066, 20.0014] });
    expect(features[8].geometry).to.deep.equal(GAZETTEER.features[7].geometry);
  });

  it('XLSX: one sheet 地址, the CSV cells with numeric lon/lat', async () => {
    const r = await bytes(server, '/api/export/addresses.xlsx');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-addresses.xlsx"');
    const { names, rows } = await sheet(r.body);
    expect(names).to.deep.equal(['地址']);
    const expected = CSV.split('\r\n')
      .slice(0, -1)
      .map((line, i) => {
        const cells = line.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
        return cells.slice(0, 11).map((c, j) => (i > 0 && (j === 8 || j === 9) && c !== '' ? Number(c) : c));
      });
    expect(rows).to.deep.equal(expected);
  });

  for (const format of ['csv', 'geojson', 'xlsx'] as const) {
    it(`round trip (${format}): the export imported into an empty database exports again identically`, async () => {
      await sql`truncate road, road_name, doorplate, landmark, address_history restart identity cascade`.execute(
        empty.db,
      );
      const first = await bytes(server, `/api/export/addresses.${format}`);
      const s = await importAddresses(empty, await file(first.body, `a.${format}`), { actor });
      expect(s.counts).to.deep.equal({
        roads: { inserted: 2, updated: 0, unchanged: 0, renamed: 0 },
        doorplates: { inserted: 6, updated: 0, unchanged: 0, renamed: 0 },
        landmarks: { inserted: 2, updated: 0, unchanged: 0 },
      });
      const again = await bytes(emptyServer, `/api/export/addresses.${format}`);
      if (format === 'xlsx') expect(await sheet(again.body)).to.deep.equal(await sheet(first.body));
      else expect(again.body.toString('utf8')).to.equal(first.body.toString('utf8'));
      // Stored alike: names with their kinds and days, doorplates placed the same.
      const names = (db: Database) =>
        sql`select r.name as road, n.name, n.kind, n.valid_to::text from road_name n join road r on r.id = n.road_id
          order by r.name, n.name`.execute(db.db);
      expect((await names(empty)).rows).to.deep.equal((await names(database)).rows);
      const plates = (db: Database) =>
        sql`select road, number, building, side, round(measure::numeric, 6)::text as m, grid_code from doorplate
          order by road, number, building`.execute(db.db);
      expect((await plates(empty)).rows).to.deep.equal((await plates(database)).rows);
      // And re-importing the same export changes nothing.
      const same = await importAddresses(empty, await file(first.body, `a.${format}`), { actor });
      expect(same.counts.roads.unchanged + same.counts.doorplates.unchanged + same.counts.landmarks.unchanged).to.equal(
        10,
      );
    });
  }

  it('streams more rows than one page, each once, in import order', async () => {
    await sql`insert into doorplate (road, number, number_int, geom)
      select '长青路', (100 + i)::text, 100 + i, ST_SetSRID(ST_MakePoint(100.001, 20.0014), 4326)
      from generate_series(1, 5100) i`.execute(database.db);
    try {
      const text = (await bytes(server, '/api/export/addresses.csv')).body.toString('utf8');
      const numbers = text
        .split('\r\n')
        .filter((l) => l.startsWith('doorplate,'))
        .map((l) => l.split(',')[3]);
      expect(numbers).to.have.length(5106);
      expect(numbers.slice(6)).to.deep.equal(Array.from({ length: 5100 }, (_, i) => String(101 + i)));
      const fcoll = (await request(server, 'GET', '/api/export/addresses.geojson')).body;
      expect(fcoll.features).to.have.length(5110);
    } finally {
      await sql`delete from doorplate where number_int > 100`.execute(database.db);
    }
  });

  it('reads follow PUBLIC_READ like the census export; bad queries are 400 problems', async () => {
    const viewer = (await createUser(database.db, 'addr-viewer', 'viewer')).token;
    for (const format of ['csv', 'geojson', 'xlsx']) {
      const path = `/api/export/addresses.${format}`;
      const anon = await request(closed, 'GET', path);
      expect(anon.status, path).to.equal(401);
      expect(anon.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect((await bytes(closed, path, viewer)).status, path).to.equal(200);
    }
    for (const [path, detail] of [
      ['/api/export/addresses.csv?encoding=latin1', 'query parameter \'encoding\' must be one of "utf-8", "gbk"'],
      ['/api/export/addresses.geojson?encoding=gbk', "unknown query parameter 'encoding'"],
      ['/api/export/addresses.xlsx?kind=road', "unknown query parameter 'kind'"],
    ]) {
      const r = await request(server, 'GET', path);
      expect(r.status, path).to.equal(400);
      expect(r.body.detail, path).to.equal(detail);
    }
  });

  it('WKT: the six simple types read and write back; bad text is a problem naming it', () => {
    for (const text of [
      'POINT(100 20.5)',
      'LINESTRING(100 20,100.1 20.1)',
      'POLYGON((0 0,1 0,1 1,0 0),(0.2 0.1,0.3 0.1,0.3 0.2,0.2 0.1))',
      'MULTIPOINT(1 2,3 4)',
      'MULTILINESTRING((1 2,3 4),(5 6,7 8))',
      'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))',
    ]) {
      const g = parseWkt(text);
      expect('geometry' in g && toWkt(g.geometry), text).to.equal(text);
    }
    expect(parseWkt(' point z ( 1.5  2 3 ) ')).to.deep.equal({ geometry: { type: 'Point', coordinates: [1.5, 2] } });
    expect(parseWkt('MULTIPOINT((1 2),(3 4))')).to.deep.equal({
      geometry: {
        type: 'MultiPoint',
        coordinates: [
          [1, 2],
          [3, 4],
        ],
      },
    });
    expect(parseWkt('LINESTRING EMPTY')).to.deep.equal({ problem: 'the WKT LINESTRING is empty' });
    expect(parseWkt('POLYGON((0 0,1 0,0 0))')).to.deep.equal({
      problem: 'a ring of the WKT POLYGON has fewer than 4 points',
    });
    for (const bad of ['CIRCLE(1 2)', 'POINT(1)', 'LINESTRING((1 2,3 4))', 'POINT(1 2', 'POINT(a b)'])
      expect(parseWkt(bad), bad).to.deep.equal({ problem: `"${bad}" is not WKT (e.g. POINT(116.9 31))` });
  });

  it('a CSV road with a bad WKT is refused naming the line and the column', async () => {
    const csv = 'kind,name,wkt\r\nroad,甲路,LINESTRING(100 20)\r\nroad,乙路,POINT(100 20)\r\n';
    const e = await importAddresses(empty, await file(Buffer.from(csv), 'x.csv'), { actor }).catch((x: unknown) => x);
    expect((e as { issues: { text: string }[] }).issues.map((i) => i.text)).to.deep.equal([
      'line 2, column wkt: a line of the WKT LINESTRING has one point',
      'line 3: a road is a line; the geometry is a Point',
    ]);
  });
});

(DRIVER === 'pg' ? describe : describe.skip)('address export while the database is down (pg)', function () {
  this.timeout(60_000);
  let base: Database & { url?: string };
  let proxy: TcpProxy;
  let database: Database;
  let server: TestServer;

  before(async () => {
    base = await openTestDatabase();
    const u = new URL(base.url!);
    proxy = await startTcpProxy(u.hostname, Number(u.port));
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    database = await openDatabase({
      databaseUrl: u.toString(),
      poolSize: 2,
      timeouts: { connectMs: 800, statementMs: 3000, queryMs: 4000, acquireMs: 1000 },
    });
    server = await startTestServer(database);
  });
  after(async () => {
    await server?.close();
    await proxy?.up();
    await database?.close();
    await proxy?.close();
    await base?.close();
  });

  it('every format answers 503 with Retry-After before any byte of a file', async () => {
    await proxy.down();
    for (const format of ['csv', 'geojson', 'xlsx']) {
      const r = await request(server, 'GET', `/api/export/addresses.${format}`);
      expect(r.status, format).to.equal(503);
      expect(r.headers.get('retry-after'), format).to.equal('5');
      expect(r.headers.get('content-type'), format).to.match(/^application\/problem\+json/);
    }
    await proxy.up();
  });
});
