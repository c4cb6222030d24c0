/**
 * Census export (GeoJSON, CSV UTF-8/GBK, XLSX) and the census statistics table, over HTTP on the micro-city with
 * seven hand-placed components (a point in each street, a polygon, one outside every grid, one without a position,
 * a 16-digit code). Every answer is known by hand.
 */
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { mapHeader } from '../../server/components/fields.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';
import { CSV, HEADER, LINES, seedComponents } from './export-fixture.js';

async function bytes(server: TestServer, path: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await fetch(server.url + path);
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

const BOM = '\uFEFF';
const counts = (完好: number, 破损: number, 丢失: number, 废弃: number, 移除: number) => ({
  total: 完好 + 破损 + 丢失 + 废弃 + 移除,
  by_status: { 完好, 破损, 丢失, 废弃, 移除 },
});

describe(`census export and statistics (${DRIVER})`, () => {
  let database: Database;
  let server: TestServer;
  let closed: TestServer;
  let viewer: string;

  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    await seedComponents(database);
    server = await startTestServer(database);
    closed = await startTestServer(database, { PUBLIC_READ: 'false' });
    viewer = (await createUser(database.db, 'v', 'viewer')).token;
  });
  after(async () => {
    await server?.close();
    await closed?.close();
    await database?.close();
  });

  describe('CSV', () => {
    it('UTF-8 with a BOM: the exact text, CRLF, quoted cells, derived codes, 7-decimal lon/lat', async () => {
      const r = await bytes(server, '/api/export/components.csv');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-components.csv"');
      expect([...r.body.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      expect(r.body.toString('utf8')).to.equal(BOM + CSV);
    });

    it('GBK: the same text in GBK bytes, no BOM', async () => {
      const r = await bytes(server, '/api/export/components.csv?encoding=gbk');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/csv; charset=gbk');
      // 供水 in GBK is B9 A9 CB AE.
      expect(r.body.includes(Buffer.from([0xb9, 0xa9, 0xcb, 0xae]))).to.equal(true);
      expect(r.body.subarray(0, 7).toString('latin1')).to.equal('GLBJBSM');
      expect(new TextDecoder('gbk').decode(r.body)).to.equal(CSV);
    });

    it('maps back onto the importer fields: every column but the extras names a field, values unchanged', async () => {
      const text = (await bytes(server, '/api/export/components.csv')).body.toString('utf8');
      const [header, ...rows] = parse(text, { bom: true }) as string[][];
      const map = mapHeader(header);
      expect(map.problems).to.deep.equal([]);
      expect([...map.extras.values()]).to.deep.equal(['材质', '直径']);
      expect(Object.keys(map.fields)).to.have.length(header.length - 2);
      const at = (f: keyof typeof map.fields, row: string[]) => row[map.fields[f]!];
      expect(rows.map((row) => [at('code', row), at('class', row), at('given_grid_code', row)])).to.deep.equal([
        ['99000101001000001', '01001', '990001001001001'],
        ['99000101001000002', '01001', '990001001001005'],
        ['99000101001000003', '01001', ''],
        ['99000101002000001', '01002', '990001001002002'],
        ['99000101002000002', '01002', ''],
        ['9900010101000004', '01001', '990001002002001'],
        ['99000102001000001', '02001', '990001002001001'],
      ]);
      expect(at('note', rows[0])).to.equal('旧, "铸铁"盖');
      expect(at('note', rows[3])).to.equal('第一行\r\n第二行');
    });

    it('filters: class, major, grid, community, street, status, bbox, and their combination', async () => {
      const codes = async (q: string) => {
        const text = (await bytes(server, `/api/export/components.csv?${q}`)).body.toString('utf8');
        return (parse(text, { bom: true, from_line: 2 }) as string[][]).map((r) => r[0]);
      };
      expect(await codes('class=01002')).to.deep.equal(['99000101002000001', '99000101002000002']);
      expect(await codes('major=02')).to.deep.equal(['99000102001000001']);
      expect(await codes('grid=990001001001006')).to.deep.equal(['99000101001000002']);
      expect(await codes('community=990001002002')).to.deep.equal(['9900010101000004']);
      expect(await codes('street=990001002')).to.deep.equal(['9900010101000004', '99000102001000001']);
      expect(await codes(`status=${encodeURIComponent('完好')}`)).to.deep.equal([
        '99000101001000001',
        '99000101002000002',
        '99000102001000001',
      ]);
      // The west half of the micro-city: the polygon touches it at lon 100.0031–100.0039.
      expect(await codes('bbox=100,20,100.0032,20.003')).to.deep.equal([
        '99000101001000001',
        '99000101001000002',
        '99000101002000001',
        '99000102001000001',
      ]);
      expect(await codes('street=990001001&class=01001')).to.deep.equal(['99000101001000001', '99000101001000002']);
      expect(await codes('grid=990001002001002')).to.deep.equal([]);
    });

    it('extras columns are the union over the filtered rows only', async () => {
      const text = (await bytes(server, '/api/export/components.csv?class=01002')).body.toString('utf8');
      expect(text.split('\r\n')[0]).to.equal(BOM + HEADER.replace(',材质,直径', ''));
    });
  });

  describe('GeoJSON', () => {
    it('features in code order with the same property names, null for empty, extras as JSON values', async () => {
      const r = await request(server, 'GET', '/api/export/components.geojson');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('application/geo+json');
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-components.geojson"');
      const fs = r.body.features;
      expect(fs.map((f: { id: string }) => f.id)).to.deep.equal(LINES.map((l) => l.split(',')[0]));
      expect(fs[0]).to.deep.equal({
        type: 'Feature',
        id: '99000101001000001',
        properties: {
          GLBJBSM: '99000101001000001',
          GLBJMC: '供水井盖',
          class: '01001',
          ZGBMDM: '0101',
          ZGBMMC: '市供水公司',
          QSDWDM: '0102',
          QSDWMC: '市水务集团',
          YHDWDM: '0103',
          YHDWMC: '供水养护所',
          SZDYWGBSM: '990001001001001',
          GLBJZT: '完好',
          CSRQ: '20240301',
          BGRQ: '20250630',
          SJLY: '实测',
          BZ: '旧, "铸铁"盖',
          SZJDDM: '990001001',
          SZJDMC: '湖滨街道',
          SZSQDM: '990001001001',
          SZSQMC: '东湖社区',
          accuracy: 'A',
          photos: ['p1.jpg', 'p2.jpg'],
          材质: '铸铁',
          直径: 700,
        },
        geometry: { type: 'Point', coordinates: [100.0005, 20.0025] },
      });
      expect(fs[4].geometry).to.equal(null);
      expect(fs[4].properties.SZDYWGBSM).to.equal(null);
      expect(fs[6].geometry).to.deep.equal({
        type: 'Polygon',
        coordinates: [
          [
            [100.0031, 20.0001],
            [100.0039, 20.0001],
            [100.0039, 20.0009],
            [100.0031, 20.0009],
            [100.0031, 20.0001],
          ],
        ],
      });
      expect(fs[5].properties).to.include({ GLBJBSM: '9900010101000004', 材质: '复合', 直径: null, accuracy: 'C' });
      const filtered = await request(server, 'GET', '/api/export/components.geojson?major=02');
      expect(filtered.body.features.map((f: { id: string }) => f.id)).to.deep.equal(['99000102001000001']);
    });
  });

  describe('XLSX', () => {
    it('one sheet 部件: the header, text codes and dates, numeric lon/lat, empty cells for none', async () => {
      const r = await bytes(server, '/api/export/components.xlsx');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal(
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      );
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-components.xlsx"');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(r.body as unknown as ArrayBuffer);
      expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['部件']);
      const ws = wb.getWorksheet('部件')!;
      const values: unknown[][] = [];
      ws.eachRow({ includeEmpty: true }, (row) => {
        const cells: unknown[] = [];
        for (let i = 1; i <= HEADER.split(',').length; i++) {
          const v = row.getCell(i).value;
          cells.push(v === null || v === undefined ? '' : v);
        }
        values.push(cells);
      });
      // XML normalizes line ends: the CR LF in a note reads back as LF (as Excel itself stores a line break).
      const expected = (parse(CSV) as string[][]).map((row, i) =>
        i === 0 ? row : row.map((c, j) => ((j === 21 || j === 22) && c !== '' ? Number(c) : c.replace(/\r\n/g, '\n'))),
      );
      expect(values).to.deep.equal(expected);
      expect(typeof values[1][0]).to.equal('string');
      expect(typeof values[1][21]).to.equal('number');
    });
  });

  describe('statistics (普查统计表)', () => {
    it('per street: counts by class and status, street totals, the outside-grid row, a grand total', async () => {
      const r = await request(server, 'GET', '/api/components/stats?level=street');
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({
        level: 'street',
        rows: [
          {
            region_code: '990001001',
            region_name: '湖滨街道',
            class: '01001',
            class_name: '供水井盖',
            ...counts(1, 1, 0, 0, 0),
          },
          {
            region_code: '990001001',
            region_name: '湖滨街道',
            class: '01002',
            class_name: '污水井盖',
            ...counts(0, 0, 1, 0, 0),
          },
          {
            region_code: '990001002',
            region_name: '山前街道',
            class: '01001',
            class_name: '供水井盖',
            ...counts(0, 0, 0, 0, 1),
          },
          {
            region_code: '990001002',
            region_name: '山前街道',
            class: '02001',
            class_name: '停车场',
            ...counts(1, 0, 0, 0, 0),
          },
          {
            region_code: null,
            region_name: '未落入网格',
            class: '01001',
            class_name: '供水井盖',
            ...counts(0, 0, 0, 1, 0),
          },
          {
            region_code: null,
            region_name: '未落入网格',
            class: '01002',
            class_name: '污水井盖',
            ...counts(1, 0, 0, 0, 0),
          },
        ],
        regions: [
          { region_code: '990001001', region_name: '湖滨街道', ...counts(1, 1, 1, 0, 0) },
          { region_code: '990001002', region_name: '山前街道', ...counts(1, 0, 0, 0, 1) },
          { region_code: null, region_name: '未落入网格', ...counts(1, 0, 0, 1, 0) },
        ],
        total: counts(3, 1, 1, 1, 1),
      });
    });

    it('per grid and per community: the derived codes and their names', async () => {
      const grid = (await request(server, 'GET', '/api/components/stats?level=grid')).body;
      expect(
        grid.regions.map((x: { region_code: string; region_name: string; total: number }) => [
          x.region_code,
          x.region_name,
          x.total,
        ]),
      ).to.deep.equal([
        ['990001001001001', '东湖社区第1网格', 1],
        ['990001001001006', '东湖社区第6网格', 1],
        ['990001001002002', '西湖社区第2网格', 1],
        ['990001002001001', '公园环路网格', 1],
        ['990001002002001', '河东两岸网格', 1],
        [null, '未落入网格', 2],
      ]);
      const community = (await request(server, 'GET', '/api/components/stats?level=community')).body;
      expect(
        community.regions.map((x: { region_code: string; total: number }) => [x.region_code, x.total]),
      ).to.deep.equal([
        ['990001001001', 2],
        ['990001001002', 1],
        ['990001002001', 1],
        ['990001002002', 1],
        [null, 2],
      ]);
      expect(community.total).to.deep.equal(counts(3, 1, 1, 1, 1));
    });

    it('CSV: Chinese headers, 小计 after each region, 总计 last; GBK on request', async () => {
      const r = await bytes(server, '/api/components/stats?level=street&format=csv');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-component-stats-street.csv"');
      const text = [
        '街道代码,街道名称,分类代码,分类名称,完好,破损,丢失,废弃,移除,合计',
        '990001001,湖滨街道,01001,供水井盖,1,1,0,0,0,2',
        '990001001,湖滨街道,01002,污水井盖,0,0,1,0,0,1',
        '990001001,湖滨街道,,小计,1,1,1,0,0,3',
        '990001002,山前街道,01001,供水井盖,0,0,0,0,1,1',
        '990001002,山前街道,02001,停车场,1,0,0,0,0,1',
        '990001002,山前街道,,小计,1,0,0,0,1,2',
        ',未落入网格,01001,供水井盖,0,0,0,1,0,1',
        ',未落入网格,01002,污水井盖,1,0,0,0,0,1',
        ',未落入网格,,小计,1,0,0,1,0,2',
        ',,,总计,3,1,1,1,1,7',
        '',
      ].join('\r\n');
      expect(r.body.toString('utf8')).to.equal(BOM + text);
      const gbk = await bytes(server, '/api/components/stats?level=street&format=csv&encoding=gbk');
      expect(new TextDecoder('gbk').decode(gbk.body)).to.equal(text);
    });
  });

  describe('access and bad input', () => {
    it('reads follow PUBLIC_READ like the region export: anonymous 401 when it is off, any role then', async () => {
      for (const path of [
        '/api/export/components.csv',
        '/api/export/components.geojson',
        '/api/export/components.xlsx',
        '/api/components/stats?level=grid',
      ]) {
        const anon = await request(closed, 'GET', path);
        expect(anon.status, path).to.equal(401);
        expect(anon.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect((await request(closed, 'GET', path, { token: viewer })).status, path).to.equal(200);
        expect((await request(server, 'GET', path)).status, path).to.equal(200);
      }
    });

    it('bad filters are 400 problems naming the parameter', async () => {
      const cases: [string, string][] = [
        [
          '/api/export/components.csv?class=0100',
          "query parameter 'class' must be a 5-digit GB/T 47678.5 class, e.g. 01001",
        ],
        ['/api/export/components.csv?major=1', "query parameter 'major' must be a 2-digit major class, e.g. 01"],
        [
          '/api/export/components.geojson?grid=99000100100100',
          "query parameter 'grid' must be a 15-digit unit-grid code (the grid derived from position)",
        ],
        ['/api/export/components.xlsx?street=abc', "query parameter 'street' must be a 9-digit street code"],
        ['/api/export/components.csv?community=1', "query parameter 'community' must be a 12-digit community code"],
        [
          '/api/export/components.csv?status=good',
          'query parameter \'status\' must be one of "完好", "破损", "丢失", "废弃", "移除"',
        ],
        [
          '/api/export/components.csv?bbox=100,20,101',
          'bbox must have 4 comma-separated numbers minLon,minLat,maxLon,maxLat; got 3',
        ],
        ['/api/export/components.geojson?bbox=101,20,100,21', 'bbox: minLon 101 must be less than maxLon 100'],
        ['/api/export/components.csv?encoding=latin1', 'query parameter \'encoding\' must be one of "utf-8", "gbk"'],
        ['/api/export/components.geojson?encoding=gbk', "unknown query parameter 'encoding'"],
        ['/api/export/components.csv?foo=1', "unknown query parameter 'foo'"],
        ['/api/components/stats', "missing required query parameter 'level'"],
        [
          '/api/components/stats?level=district',
          'query parameter \'level\' must be one of "street", "community", "grid"',
        ],
        ['/api/components/stats?level=grid&format=xml', 'query parameter \'format\' must be one of "json", "csv"'],
      ];
      for (const [path, detail] of cases) {
        const r = await request(server, 'GET', path);
        expect(r.status, path).to.equal(400);
        expect(r.headers.get('content-type'), path).to.match(/^application\/problem\+json/);
        expect(r.body.detail, path).to.equal(detail);
      }
    });

    it('fuzzed query strings: never a 5xx, every refusal a problem with a detail', async () => {
      const names = ['bbox', 'class', 'major', 'grid', 'community', 'street', 'status', 'encoding', 'level', 'format'];
      const value = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.constantFrom('01001', '01', '990001001', '完好', '100,20,101,21', 'NaN,1,2,3', 'street', 'csv', 'gbk', ''),
        fc.array(fc.double(), { minLength: 3, maxLength: 5 }).map((a) => a.join(',')),
      );
      const paths = [
        '/api/export/components.csv',
        '/api/export/components.geojson',
        '/api/export/components.xlsx',
        '/api/components/stats',
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...paths),
          fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 5 })), value), { maxLength: 4 }),
          async (path, pairs) => {
            const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
            const r = await bytes(server, `${path}?${qs}`);
            const where = `${path}?${qs} → ${r.status} ${r.body.toString('utf8').slice(0, 200)}`;
            expect(r.status, where).to.be.oneOf([200, 400]);
            if (r.status === 400) {
              expect(r.headers.get('content-type'), where).to.match(/^application\/problem\+json/);
              expect(JSON.parse(r.body.toString('utf8')).detail, where)
                .to.be.a('string')
                .and.not.equal('');
            }
          },
        ),
        { seed: 20261202, numRuns: 150 },
      );
    });
  });

  describe('streaming', () => {
    it('exports more components than one page, in code order, each once', async () => {
      await sql`insert into component (code, category_code, name, status, geom)
        select '99000101003' || lpad(i::text, 6, '0'), '01003', '雨水井盖', '完好',
          ST_SetSRID(ST_MakePoint(100.0045 + (i % 10) * 0.00001, 20.0005), 4326)
        from generate_series(1, 10500) i`.execute(database.db);
      try {
        const text = (await bytes(server, '/api/export/components.csv?class=01003')).body.toString('utf8');
        const rows = parse(text, { bom: true, from_line: 2 }) as string[][];
        expect(rows.map((r) => r[0])).to.deep.equal(
          Array.from({ length: 10500 }, (_, i) => `99000101003${String(i + 1).padStart(6, '0')}`),
        );
        const fc2 = (await request(server, 'GET', '/api/export/components.geojson?class=01003')).body;
        expect(fc2.features).to.have.length(10500);
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(
          (await bytes(server, '/api/export/components.xlsx?class=01003')).body as unknown as ArrayBuffer,
        );
        expect(wb.getWorksheet('部件')!.rowCount).to.equal(10501);
        // A client that leaves mid-download ends the export; the server keeps answering.
        for (const format of ['csv', 'geojson', 'xlsx']) {
          const abort = new AbortController();
          const r = await fetch(`${server.url}/api/export/components.${format}?class=01003`, { signal: abort.signal });
          const reader = r.body!.getReader();
          await reader.read();
          abort.abort();
          await reader.read().catch(() => undefined);
        }
        expect((await request(server, 'GET', '/api/components/stats?level=street')).body.total.total).to.equal(10507);
      } finally {
        await sql`delete from component where category_code = '01003'`.execute(database.db);
      }
    });
  });
});
