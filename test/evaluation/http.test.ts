/**
 * Evaluation downloads and refusals over the hand-made case log of fixture.ts: CSV and XLSX (parsed back with
 * csv-parse and exceljs), bad input, who may read, and a city's own weights (EVALUATION_CONFIG).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { MARCH, useEvaluationServer } from './fixture.js';

describe(`evaluation downloads and refusals (${DRIVER})`, function () {
  this.timeout(120_000);
  const env = useEvaluationServer();
  const get = (path: string, who?: string) => env.get(path, who);

  describe('CSV and XLSX with the Chinese headers of a yearly report', () => {
    const download = async (p: string, who = 'viewer') => {
      const r = await fetch(env.server.url + p, { headers: { Authorization: `Bearer ${env.tokens[who]}` } });
      return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
    };
    const SUMMARY_HEADER =
      '上报数,立案数,作废数,应处置数,处置数,按期处置数,应结案数,结案数,按期结案数,返工数,立案率,处置率,按期处置率,结案率,按期结案率';

    it('summary CSV: one row, rates as percentages with two decimals, UTF-8 with a BOM', async () => {
      const r = await download(`/api/evaluation/summary?${MARCH}&format=csv`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(r.headers.get('content-disposition')).to.equal(
        'attachment; filename="wangge-evaluation-summary-2025-03-01_2025-04-01.csv"',
      );
      expect(r.body.toString('utf8')).to.equal(
        `\uFEFF${SUMMARY_HEADER}\r\n10,8,1,8,6,5,8,4,3,1,80.00%,75.00%,62.50%,50.00%,37.50%\r\n`,
      );
    });

    it('GBK on request: the same text', async () => {
      const r = await download(`/api/evaluation/summary?${MARCH}&format=csv&encoding=gbk`);
      expect(r.headers.get('content-type')).to.equal('text/csv; charset=gbk');
      expect(iconv.decode(r.body, 'gbk').split('\r\n')[0]).to.equal(SUMMARY_HEADER);
    });

    it('departments CSV: a row per department, score with two decimals, the grade; empty cells for no value', async () => {
      const r = await download(`/api/evaluation/departments?${MARCH}&format=csv`);
      const rows = parse(r.body.toString('utf8').slice(1)) as string[][];
      expect(rows).to.deep.equal([
        [
          '部门代码',
          '部门名称',
          '应处置数',
          '处置数',
          '按期处置数',
          '返工数',
          '应结案数',
          '结案数',
          '按期结案数',
          '处置率',
          '按期处置率',
          '返工率',
          '结案率',
          '按期结案率',
          '综合指标值',
          '评价等级',
        ],
        [
          'CG',
          '区城管执法局',
          '1',
          '0',
          '0',
          '0',
          '1',
          '0',
          '0',
          '0.00%',
          '0.00%',
          '0.00%',
          '0.00%',
          '0.00%',
          '20.00',
          'E',
        ],
        [
          'HW',
          '区环卫所',
          '5',
          '4',
          '3',
          '0',
          '5',
          '3',
          '2',
          '80.00%',
          '60.00%',
          '0.00%',
          '60.00%',
          '40.00%',
          '72.00',
          'C',
        ],
        [
          'SZ',
          '区市政所',
          '2',
          '2',
          '2',
          '1',
          '2',
          '1',
          '1',
          '100.00%',
          '100.00%',
          '50.00%',
          '50.00%',
          '50.00%',
          '80.00',
          'B',
        ],
      ]);
      const c = parse(
        (await download(`/api/evaluation/collectors?${MARCH}&format=csv`)).body.toString('utf8').slice(1),
      ) as string[][];
      expect(c[0].slice(0, 5)).to.deep.equal(['监督员编号', '监督员姓名', '上报数', '有效上报数', '有效上报率']);
      // 李四 made no 核实: 按时核实率 is empty, not 0 %; a viewer gets no names.
      expect(c[2]).to.deep.equal(['C02', '', '2', '2', '100.00%', '0', '0', '', '2', '1', '50.00%', '83.33', 'B']);
    });

    it('posts CSV: the three tables one after another under their titles', async () => {
      const r = await download(`/api/evaluation/posts?${MARCH}&format=csv`, 'admin');
      const blocks = r.body.toString('utf8').slice(1).split('\r\n\r\n');
      expect(blocks.map((b) => b.split('\r\n')[0])).to.deep.equal(['受理员', '值班长', '派遣员']);
      expect(blocks[2].split('\r\n').slice(1)).to.deep.equal([
        '人员ID,派遣员,派遣数,派遣数分值,按时派遣数,按时派遣率,返工数,准确派遣数,准确派遣率,综合指标值,评价等级',
        `${env.world.users.jia.id},调度员甲,6,0.00,5,83.33%,2,4,66.67%,60.00,C`,
        `${env.world.users.yi.id},调度员乙,3,0.00,3,100.00%,0,3,100.00%,80.00,B`,
        '',
      ]);
    });

    it('GET /api/evaluation/columns: every table’s columns, their headers those of the CSV downloads', async () => {
      const r = await fetch(env.server.url + '/api/evaluation/columns', {
        headers: { Authorization: `Bearer ${env.tokens.viewer}` },
      });
      expect(r.status).to.equal(200);
      type Col = { key: string; header: string; kind: unknown };
      const cols = (await r.json()) as {
        summary: Col[];
        departments: Col[];
        collectors: Col[];
        regions: Record<'street' | 'community' | 'grid', Col[]>;
        posts: Record<'acceptors' | 'shift_leaders' | 'dispatchers', Col[]>;
        band_days: number;
      };
      expect(cols.band_days).to.equal(30);
      expect(cols.summary.slice(0, 2)).to.deep.equal([
        { key: 'reported', header: '上报数', kind: 'int' },
        { key: 'filed', header: '立案数', kind: 'int' },
      ]);
      expect(cols.departments.at(-1)).to.deep.equal({ key: 'grade', header: '评价等级', kind: 'grade' });
      expect(cols.regions.grid.find((c) => c.key === 'filed_density')).to.deep.equal({
        key: 'filed_density',
        header: '立案密度（件/平方公里/30天）',
        kind: { decimals: 2 },
      });
      const firstLine = async (p: string) =>
        (await download(`${p}${p.includes('?') ? '&' : '?'}${MARCH}&format=csv`)).body
          .toString('utf8')
          .slice(1)
          .split('\r\n')[0];
      const headers = (c: Col[]) => c.map((x) => x.header).join(',');
      expect(await firstLine('/api/evaluation/summary')).to.equal(headers(cols.summary));
      expect(await firstLine('/api/evaluation/departments')).to.equal(headers(cols.departments));
      expect(await firstLine('/api/evaluation/collectors')).to.equal(headers(cols.collectors));
      for (const level of ['street', 'community', 'grid'] as const)
        expect(await firstLine(`/api/evaluation/regions?level=${level}`)).to.equal(headers(cols.regions[level]));
      const posts = (await download(`/api/evaluation/posts?${MARCH}&format=csv`)).body.toString('utf8').slice(1);
      expect(posts.split('\r\n\r\n').map((b) => b.split('\r\n')[1])).to.deep.equal([
        headers(cols.posts.acceptors),
        headers(cols.posts.shift_leaders),
        headers(cols.posts.dispatchers),
      ]);
    });

    it('departments XLSX: one sheet, numbers as numbers, unrounded rates formatted as percentages', async () => {
      const r = await download(`/api/evaluation/departments?${MARCH}&format=xlsx`);
      expect(r.headers.get('content-type')).to.equal(
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      );
      expect(r.headers.get('content-disposition')).to.equal(
        'attachment; filename="wangge-evaluation-departments-2025-03-01_2025-04-01.xlsx"',
      );
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(r.body as unknown as ArrayBuffer);
      expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['专业部门评价']);
      const ws = wb.worksheets[0];
      const json = (await get(`/api/evaluation/departments?${MARCH}`)).body.rows as Record<string, unknown>[];
      const keys = [
        'department_code',
        'department_name',
        'to_dispose',
        'disposed',
        'disposed_on_time',
        'rework',
        'to_close',
        'closed',
        'closed_on_time',
        'disposal_rate',
        'on_time_disposal_rate',
        'rework_rate',
        'closure_rate',
        'on_time_closure_rate',
        'score',
        'grade',
      ];
      expect((ws.getRow(1).values as unknown[]).slice(1)).to.deep.equal([
        '部门代码',
        '部门名称',
        '应处置数',
        '处置数',
        '按期处置数',
        '返工数',
        '应结案数',
        '结案数',
        '按期结案数',
        '处置率',
        '按期处置率',
        '返工率',
        '结案率',
        '按期结案率',
        '综合指标值',
        '评价等级',
      ]);
      expect(ws.rowCount).to.equal(1 + json.length);
      json.forEach((row, i) =>
        expect((ws.getRow(i + 2).values as unknown[]).slice(1), String(row.department_code)).to.deep.equal(
          keys.map((k) => row[k]),
        ),
      );
      expect(ws.getRow(3).getCell(11).value).to.equal(3 / 5); // HW 按期处置率, unrounded
      expect(ws.getRow(3).getCell(11).numFmt).to.equal('0.00%');
      expect(ws.getRow(3).getCell(15).numFmt).to.equal('0.00');
    });

    it('posts XLSX: a sheet per post; collectors XLSX: an empty cell for a rate of nothing', async () => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(
        (await download(`/api/evaluation/posts?${MARCH}&format=xlsx`, 'admin')).body as unknown as ArrayBuffer,
      );
      expect(wb.worksheets.map((w) => [w.name, w.rowCount])).to.deep.equal([
        ['受理员', 4],
        ['值班长', 4],
        ['派遣员', 3],
      ]);
      expect((wb.worksheets[1].getRow(4).values as unknown[]).slice(1)).to.deep.equal([
        undefined,
        '调度员丙',
        1,
        1,
        1,
        0,
        1,
        1,
        0,
        0,
        undefined,
        100,
        'A',
      ]);
      const cw = new ExcelJS.Workbook();
      await cw.xlsx.load(
        (await download(`/api/evaluation/collectors?${MARCH}&format=xlsx`)).body as unknown as ArrayBuffer,
      );
      expect(cw.worksheets[0].getRow(3).getCell(8).value).to.equal(null); // C02 按时核实率
    });

    it('regions XLSX by grid: the level names the code column', async () => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(
        (await download(`/api/evaluation/regions?${MARCH}&level=grid&format=xlsx`)).body as unknown as ArrayBuffer,
      );
      const ws = wb.getWorksheet('区域评价')!;
      expect((ws.getRow(1).values as unknown[]).slice(1, 4)).to.deep.equal(['网格代码', '网格名称', '现行']);
      expect(ws.rowCount).to.equal(14);
      expect((ws.getRow(2).values as unknown[]).slice(1, 4)).to.deep.equal([
        '990001001001001',
        '东湖社区第1网格',
        '是',
      ]);
    });
  });

  describe('bad input: a 400 naming the parameter', () => {
    const cases: [string, string][] = [
      [
        '/api/evaluation/summary?from=2025-02-30&to=2025-04-01',
        `query parameter 'from' must be an existing date YYYY-MM-DD from 1000-01-01 to 9999-12-31 (got "2025-02-30")`,
      ],
      ['/api/evaluation/summary?from=2025-03&to=2025-04-01', `query parameter 'from' must match format "date"`],
      [
        '/api/evaluation/departments?from=2025-04-01&to=2025-03-01',
        `'to' (2025-03-01, exclusive) must be after 'from' (2025-04-01): the period would hold no day`,
      ],
      [
        '/api/evaluation/collectors?from=2025-03-01&to=2025-03-01',
        `'to' (2025-03-01, exclusive) must be after 'from' (2025-03-01): the period would hold no day`,
      ],
      ['/api/evaluation/posts?to=2025-04-01', `missing required query parameter 'from'`],
      [`/api/evaluation/regions?${MARCH}`, `missing required query parameter 'level'`],
      [
        `/api/evaluation/regions?${MARCH}&level=district`,
        `query parameter 'level' must be one of "street", "community", "grid"`,
      ],
      [`/api/evaluation/summary?${MARCH}&format=pdf`, `query parameter 'format' must be one of "json", "csv", "xlsx"`],
      [`/api/evaluation/summary?${MARCH}&encoding=big5`, `query parameter 'encoding' must be one of "utf-8", "gbk"`],
      [`/api/evaluation/summary?${MARCH}&department=HW`, `unknown query parameter 'department'`],
    ];
    for (const [p, detail] of cases)
      it(p, async () => {
        const r = await get(p);
        expect([r.status, r.headers.get('content-type'), r.body.detail]).to.deep.equal([
          400,
          'application/problem+json',
          detail,
        ]);
      });
  });

  describe('who may read', () => {
    it('no token: 401; collectors and department handlers: 403', async () => {
      expect((await request(env.server, 'GET', `/api/evaluation/summary?${MARCH}`)).status).to.equal(401);
      for (const role of ['collector', 'department_handler'] as const) {
        const { token } = await createUser(
          env.database.db,
          `reader-${role}`,
          role,
          '',
          role === 'department_handler' ? 'HW' : null,
        );
        const r = await request(env.server, 'GET', `/api/evaluation/departments?${MARCH}`, { token });
        expect([r.status, r.body.detail]).to.deep.equal([
          403,
          `role '${role}' may not do this; allowed roles: admin, dispatcher, gis_editor, viewer`,
        ]);
      }
    });
  });

  describe('EVALUATION_CONFIG: a city’s own weights', () => {
    const file = path.join(os.tmpdir(), `wangge-evaluation-${process.pid}.json`);
    after(() => fs.rmSync(file, { force: true }));

    it('department scores from 按期处置率 alone', async () => {
      fs.writeFileSync(
        file,
        JSON.stringify({ department: { disposal: 0, on_time_disposal: 1, rework: 0, closure: 0 } }),
      );
      const other = await startTestServer(env.database, { EVALUATION_CONFIG: file });
      try {
        const r = await request(other, 'GET', `/api/evaluation/departments?${MARCH}`, { token: env.tokens.viewer });
        // CG 0/1 → 0 E; HW 3/5 → 60 C; SZ 2/2 → 100 A.
        expect(
          r.body.rows.map((x: { department_code: string; score: number; grade: string }) => [
            x.department_code,
            x.score,
            x.grade,
          ]),
        ).to.deep.equal([
          ['CG', 0, 'E'],
          ['HW', 60, 'C'],
          ['SZ', 100, 'A'],
        ]);
      } finally {
        await other.close();
      }
    });

    it('a bad file stops the server at start-up, naming the problem', async () => {
      fs.writeFileSync(file, JSON.stringify({ department: { disposal: 'a lot' } }));
      let message = '';
      try {
        await startTestServer(env.database, { EVALUATION_CONFIG: file });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.equal('EVALUATION_CONFIG: department.disposal must be a number ≥ 0');
    });
  });
});
