/**
 * The census import over the micro-city (district 990001, cells of 0.001° from lon 100.000, lat 20.000): exact
 * codes, derived grids, refusals that store nothing, history on re-import, warnings.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { CensusRejected, importCensus, type CensusFile } from '../../server/components/import.js';
import { parseCensusCrs } from '../../server/geo/file-crs.js';
import { lonLatToGaussKruger } from '../../server/geo/gauss-kruger.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

/** A CSV-like file from rows of cells: line numbers are physical (header = line 1). */
export function table(header: string[], rows: unknown[][]): CensusFile {
  return {
    format: 'csv',
    header,
    encoding: 'utf8',
    totalBytes: 0,
    bytesRead: () => 0,
    async *records() {
      for (let i = 0; i < rows.length; i++) yield { where: { line: i + 2 }, values: rows[i] };
    },
  };
}

const actor = { id: null, name: 'test' };
const H = [
  'ObjID',
  'ObjName',
  'DeptCode1',
  'DeptName1',
  'DeptCode3',
  'DeptName3',
  'BGID',
  'ObjState',
  'ORDate',
  'PointX',
  'PointY',
];

describe(`census import (${DRIVER})`, function () {
  this.timeout(120_000);
  let database: Database;
  const count = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from component`.execute(database.db)).rows[0].n;
  const rejected = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (e instanceof CensusRejected) return e;
      throw e;
    }
    throw new Error('the import was not rejected');
  };

  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor });
    await database.exec(
      `insert into department (code, name, kind) values ('D01', '市水务局', 'bureau'), ('D02', '市政养护所', 'unit')`,
    );
  });
  after(() => database?.close());

  it('imports old field names: codes kept or given, grids derived from the position, departments resolved', async () => {
    const s = await importCensus(
      database,
      table(
        [...H, 'class'],
        [
          // Cell (0,2) = grid 990001001001001; a 16-digit code (legacy 0101 → class 01001).
          [
            '9900010101000007',
            '供水井盖',
            'D01',
            '',
            '',
            '市政养护所',
            '990001001001001',
            '完好',
            '20240301',
            '100.0005',
            '20.0025',
            '',
          ],
          // Code-less 供水井盖 in cell (1,0) = grid 990001001001006: after serial 7 of the 16-digit code.
          ['', '供水井盖', '', '市水务局', '', '', '', '破损', '', '100.0015', '20.0005', ''],
          // Code-less, class from the class column; given grid differs from the position's.
          ['', '东门限高架', '', '', '', '', '990001001001001', '', '', '100.0025', '20.0015', '02011'],
        ],
      ),
      { actor, fileName: 'census.csv' },
    );
    expect(s).to.include({ total: 3, inserted: 3, updated: 0, unchanged: 0, coded: 2, matched: 0 });
    const rows = (
      await sql<Record<string, unknown>>`select code, category_code, name, owner_code, owner_name, maintainer_code,
        maintainer_name, status, initial_date::text as initial_date, grid_code, community_code, street_code,
        district_code, given_grid_code from component order by code`.execute(database.db)
    ).rows;
    expect(rows).to.deep.equal([
      {
        code: '99000101001000008',
        category_code: '01001',
        name: '供水井盖',
        owner_code: 'D01',
        owner_name: '市水务局',
        maintainer_code: null,
        maintainer_name: '',
        status: '破损',
        initial_date: null,
        grid_code: '990001001001006',
        community_code: '990001001001',
        street_code: '990001001',
        district_code: '990001',
        given_grid_code: null,
      },
      {
        code: '9900010101000007',
        category_code: '01001',
        name: '供水井盖',
        owner_code: 'D01',
        owner_name: '市水务局',
        maintainer_code: 'D02',
        maintainer_name: '市政养护所',
        status: '完好',
        initial_date: '2024-03-01',
        grid_code: '990001001001001',
        community_code: '990001001001',
        street_code: '990001001',
        district_code: '990001',
        given_grid_code: null,
      },
      {
        code: '99000102011000001',
        category_code: '02011',
        name: '东门限高架',
        owner_code: null,
        owner_name: '',
        maintainer_code: null,
        maintainer_name: '',
        status: '完好',
        initial_date: null,
        grid_code: '990001001002002',
        community_code: '990001001002',
        street_code: '990001001',
        district_code: '990001',
        given_grid_code: '990001001001001',
      },
    ]);
    expect(s.warnings.map((w) => w.text)).to.deep.equal([
      'line 4, column BGID: the given unit grid 990001001001001 is not where the component lies: its position is in 990001001002002; the grid is derived from the position',
    ]);
  });

  it('re-importing the same rows changes nothing; a census update keeps the old row in history', async () => {
    const rows = [
      [
        '9900010101000007',
        '供水井盖',
        'D01',
        '',
        '',
        '市政养护所',
        '990001001001001',
        '完好',
        '20240301',
        '100.0005',
        '20.0025',
      ],
      ['', '供水井盖', '', '市水务局', '', '', '', '破损', '', '100.0015', '20.0005'],
    ];
    const again = await importCensus(database, table(H, rows), { actor });
    expect(again).to.include({ total: 2, inserted: 0, updated: 0, unchanged: 2, coded: 0, matched: 1 });
    rows[0][7] = '丢失';
    const update = await importCensus(database, table(H, rows), { actor });
    expect(update).to.include({ inserted: 0, updated: 1, unchanged: 1 });
    const c = await sql<{ status: string; version: number }>`
      select status, version from component where code = '9900010101000007'`.execute(database.db);
    expect(c.rows).to.deep.equal([{ status: '丢失', version: 2 }]);
    const h = await sql<{ version: number; status: string; ended_by: string }>`
      select version, attrs->>'status' as status, ended_by from component_history
      where code = '9900010101000007'`.execute(database.db);
    expect(h.rows).to.deep.equal([{ version: 1, status: '完好', ended_by: 'import' }]);
  });

  it('refuses a file with any bad row, listing every problem with line and column, and stores nothing', async () => {
    const before = await count();
    const e = await rejected(
      importCensus(
        database,
        table(H, [
          ['99000101001000099', '供水井盖', '', '', '', '', '', '完好', '', '100.0005', '20.0025'],
          ['12345', '供水井盖', '', '', '', '', '', '完好', '', '100.0005', '20.0025'],
          ['99000101002000001', '供水井盖', '', '', '', '', '', '完好', '', '100.0005', '20.0025'],
          ['99000201001000001', '供水井盖', '', '', '', '', '', '完好', '', '100.0005', '20.0025'],
          ['', '供水井盖', '', '', '', '', '', '完好', '2024-02-30', '100.0005', '20.0025'],
          ['', '供水井盖', '', '', '', '', '', '好', '', '100.0005', '20.0025'],
          ['', '不是部件', '', '', '', '', '', '', '', '100.0005', '20.0025'],
          ['', '供水井盖', '', '', '', '', '', '', '', 'abc', '20.0025'],
          ['', '供水井盖', '', '', '', '', '', '', '', '20.0025', '100.0005'],
        ]),
        { actor },
      ),
    );
    expect(e.issues.map((i) => i.text)).to.deep.equal([
      'line 3, column ObjID: a component code is 17 digits (GB/T 47678.5: 6 district + 5 class + 6 serial) or 16 (CJ/T 214: 6 + 4 + 6); "12345" has 5',
      "line 4, column ObjName: the code 99000101002000001 names class 01002 (污水井盖) but the row's class is 01001 (供水井盖)",
      'line 5, column ObjID: the district 990002 of code 99000201001000001 is not a district of this city',
      'line 6, column ORDate: "2024-02-30" is not a date (YYYYMMDD or YYYY-MM-DD, 1900–2100)',
      'line 7, column ObjState: "好" is not a component status (完好, 破损, 丢失, 废弃, 移除)',
      'line 8, column ObjName: no class: "不是部件" is not a class name of GB/T 47678.5 表A.1; add a class column (分类代码) or a code',
      'line 9, column PointX: PointX "abc" is not a number',
      'line 10, column PointX: lat 100.0005 is not a latitude and lon 20.0025 could be one: the lon and lat columns look swapped',
    ]);
    expect(await count()).to.equal(before);
  });

  it('reads CGCS2000 3° Gauss–Krüger X/Y onto the known grid; swapped columns are an error naming the fix', async () => {
    // The micro-city is at 100°E: the 3° zone with central meridian 99°E is EPSG:4542 (CM 99E).
    const crs = parseCensusCrs('EPSG:4542')!;
    const [x, y] = lonLatToGaussKruger(4542, 100.0035, 20.0005); // cell (3,0): the ring grid 990001002001001
    const s = await importCensus(database, table(['GLBJMC', 'X', 'Y'], [['垃圾箱', x.toFixed(3), y.toFixed(3)]]), {
      actor,
      crs,
    });
    expect(s).to.include({ inserted: 1, coded: 1, crs: 'EPSG:4542' });
    const r = await sql<{ grid_code: string; lon: number; lat: number }>`
      select grid_code, round(ST_X(geom)::numeric, 6)::float8 as lon, round(ST_Y(geom)::numeric, 6)::float8 as lat
      from component where name = '垃圾箱'`.execute(database.db);
    expect(r.rows).to.have.length(1);
    expect(r.rows[0].grid_code).to.equal('990001002001001');
    expect(r.rows[0].lon).to.equal(100.0035);
    expect(r.rows[0].lat).to.equal(20.0005);
    // Swapped columns are a clear error naming the fix.
    const e = await rejected(
      importCensus(database, table(['GLBJMC', 'X', 'Y'], [['垃圾箱', y.toFixed(3), x.toFixed(3)]]), { actor, crs }),
    );
    expect(e.issues[0].text).to.match(
      /^line 2, column X: X \d+\.\d+ looks like a northing and Y .* swap the two columns$/,
    );
  });

  it('re-derives the grid of components when an import of grids moves them', async () => {
    // Swap the geometries of grids 990001001001001 (cell 0,2) and …002 (cell 1,2): the 16-digit component at
    // (100.0005, 20.0025) now lies in …002.
    const city = microCity();
    const g1 = city.features.find((f) => f.properties.code === '990001001001001')!;
    const g2 = city.features.find((f) => f.properties.code === '990001001001002')!;
    [g1.geometry, g2.geometry] = [g2.geometry, g1.geometry];
    await importRegions(database, city, { actor });
    const r = await sql<{ grid_code: string }>`
      select grid_code from component where code = '9900010101000007'`.execute(database.db);
    expect(r.rows).to.deep.equal([{ grid_code: '990001001001002' }]);
  });
});
