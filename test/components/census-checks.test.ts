/**
 * The whole-file checks of the census import, now set-based on the staging tables: points of a class within 0.5 m
 * in the file, codes given twice, the boundary rule for derived grids, stored components near a row, and the codes
 * of code-less rows — the latter against a reference (the allocation rule written out row by row) on random files.
 * Over the micro-city (district 990001, cells of 0.001° from lon 100.000, lat 20.000).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { CensusRejected, importCensus } from '../../server/components/import.js';
import { FileProblem } from '../../server/components/readers.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import type { CensusFile } from '../../server/components/import.js';

const actor = { id: null, name: 'test' };
/** Small COPY segments, so that the segment steps (and their order) are exercised as on a large file. */
const segmentRows = 3;
/** A CSV-like file from rows of cells: line numbers are physical (header = line 1). */
const table = (header: string[], rows: unknown[][]): CensusFile => ({
  format: 'csv',
  header,
  encoding: 'utf8',
  totalBytes: 0,
  bytesRead: () => 0,
  async *records() {
    for (let i = 0; i < rows.length; i++) yield { where: { line: i + 2 }, values: rows[i] };
  },
});
/** Degrees of longitude and latitude per metre at lat 20° (as the duplicate check measures: 111,320 m per degree). */
const LON_M = 1 / (111_320 * Math.cos((20 * Math.PI) / 180));
const LAT_M = 1 / 111_320;
const r7 = (v: number) => (Math.round(v * 1e7) / 1e7).toFixed(7);

describe(`census import checks (${DRIVER})`, function () {
  this.timeout(300_000);
  let database: Database;
  const clear = () => database.exec('delete from component; delete from component_history');
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
  });
  after(() => database?.close());
  beforeEach(clear);

  it('warns about points of one class within 0.5 m of an earlier one in the file, naming it', async () => {
    const [x, y] = [100.0005, 20.0005];
    const s = await importCensus(
      database,
      table(
        ['GLBJBSM', 'GLBJMC', 'lon', 'lat'],
        [
          ['', '供水井盖', r7(x), r7(y)],
          ['', '供水井盖', r7(x + 0.3 * LON_M), r7(y)], // 0.30 m east of line 2
          ['', '路灯', r7(x), r7(y)], // another class on line 2's spot
          ['', '供水井盖', r7(x), r7(y + 0.6 * LAT_M)], // 0.60 m north of line 2, 0.67 m from line 3
          ['', '供水井盖', r7(x), r7(y + 0.45 * LAT_M)], // 0.45 m from line 2, 0.15 m from line 5, 0.54 m from line 3
          ['', '供水井盖', r7(x + 0.0001), r7(y)], // 10 m away
        ],
      ),
      { actor, segmentRows },
    );
    expect(s).to.include({ total: 6, inserted: 6, warnings_total: 3 });
    expect(s.warnings.map((w) => w.text)).to.deep.equal([
      'line 3: the same class lies within 0.5 m of line 2: a duplicate?',
      'line 6: the same class lies within 0.5 m of line 2: a duplicate?',
      'line 6: the same class lies within 0.5 m of line 5: a duplicate?',
    ]);
  });

  it('refuses a code given twice (naming every line) and stores nothing', async () => {
    const e = await rejected(
      importCensus(
        database,
        table(
          ['GLBJBSM', 'GLBJMC', 'lon', 'lat'],
          [
            ['99000101001000001', '供水井盖', '100.0005', '20.0005'],
            ['99000101001000002', '供水井盖', '100.0015', '20.0005'],
            ['99000101001000001', '供水井盖', '100.0025', '20.0005'],
            ['', '供水井盖', '100.0035', '20.0005'],
            ['99000101001000001', '供水井盖', '100.0045', '20.0005'],
          ],
        ),
        { actor, segmentRows },
      ),
    );
    expect(e.issues.map((i) => i.text)).to.deep.equal([
      'line 4, column GLBJBSM: the code 99000101001000001 is given 3 times (line 2, line 4, line 6); a code names one component',
    ]);
    const n = await sql<{ n: number }>`select count(*)::int as n from component`.execute(database.db);
    expect(n.rows[0].n).to.equal(0);
  });

  it('a point on a shared edge or vertex gets the covering grid with the lowest code; outside every grid, a warning', async () => {
    const s = await importCensus(
      database,
      table(
        ['GLBJBSM', 'GLBJMC', 'lon', 'lat'],
        [
          ['99000101001000001', '供水井盖', '100.001', '20.0025'], // edge of cells (0,2) 001 and (1,2) 002
          ['99000101001000002', '供水井盖', '100.001', '20.002'], // vertex of (0,1) 003, (1,1) 004, (0,2) 001, (1,2) 002
          ['99000101001000003', '供水井盖', '100.0015', '20.0015'], // inside (1,1) 004
          ['99000101001000004', '供水井盖', '99.9995', '20.0005'], // 52 m west of the city
        ],
      ),
      { actor },
    );
    expect(s.inserted).to.equal(4);
    const r = await sql<{ code: string; grid_code: string | null; district_code: string | null }>`
      select code, grid_code, district_code from component order by code`.execute(database.db);
    expect(r.rows).to.deep.equal([
      { code: '99000101001000001', grid_code: '990001001001001', district_code: '990001' },
      { code: '99000101001000002', grid_code: '990001001001001', district_code: '990001' },
      { code: '99000101001000003', grid_code: '990001001001004', district_code: '990001' },
      { code: '99000101001000004', grid_code: null, district_code: null },
    ]);
    expect(s.warnings.map((w) => w.text)).to.deep.equal([
      'line 5: the position lies outside every unit grid; the nearest is 990001001001005, 52 m away',
    ]);
  });

  it('a code-less row on a stored component of its class is that component; another near one is a warning', async () => {
    await importCensus(
      database,
      table(
        ['GLBJBSM', 'GLBJMC', 'lon', 'lat'],
        [
          ['99000101001000005', '供水井盖', '100.0005', '20.0005'],
          ['99000101001000006', '供水井盖', '100.0015', '20.0005'],
        ],
      ),
      { actor },
    );
    const s = await importCensus(
      database,
      table(
        ['GLBJBSM', 'GLBJMC', 'lon', 'lat'],
        [
          ['', '供水井盖', '100.0005', '20.0005'], // on …005: it, unchanged
          ['', '供水井盖', r7(100.0005 + 0.3 * LON_M), '20.0005'], // 0.3 m from …005, which line 2 is: new
          ['99000101001000007', '供水井盖', r7(100.0015), r7(20.0005 + 0.4 * LAT_M)], // coded, 0.4 m from …006
        ],
      ),
      { actor },
    );
    expect(s).to.include({ total: 3, inserted: 2, unchanged: 1, updated: 0, matched: 1, coded: 1 });
    const codes = await sql<{ code: string }>`select code from component order by code`.execute(database.db);
    expect(codes.rows.map((c) => c.code)).to.deep.equal([
      '99000101001000005',
      '99000101001000006',
      '99000101001000007',
      '99000101001000008',
    ]);
    // …005 is named by the file (line 2 is it): no warning for line 3 about it, but one about line 2.
    expect(s.warnings.map((w) => w.text)).to.deep.equal([
      'line 3: the same class lies within 0.5 m of line 2: a duplicate?',
      'line 4: a stored component of the same class, 99000101001000006, lies 0.40 m away (within 0.5 m): a duplicate?',
    ]);
  });

  it('a census refused after several segments were loaded (or read) stores nothing and keeps the indexes', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ['', '供水井盖', r7(100.0002 + i * 0.00003), '20.0002']);
    const e = await rejected(
      importCensus(
        database,
        table(['GLBJBSM', 'GLBJMC', 'lon', 'lat'], [...rows, ['', '供水井盖', 'abc', '20.0002']]),
        {
          actor,
          segmentRows,
        },
      ),
    );
    expect(e.issues.map((i) => i.text)).to.deep.equal(['line 22, column lon: lon "abc" is not a number']);
    // A reader that fails half-way (a file cut short).
    const broken: CensusFile = {
      ...table(['GLBJBSM', 'GLBJMC', 'lon', 'lat'], []),
      async *records() {
        for (let i = 0; i < rows.length; i++) yield { where: { line: i + 2 }, values: rows[i] };
        throw new FileProblem('the CSV file cannot be read: cut short');
      },
    };
    let problem: unknown;
    await importCensus(database, broken, { actor, segmentRows }).catch((x: unknown) => (problem = x));
    expect(problem).to.be.instanceOf(FileProblem);
    const n = await sql<{ n: number }>`select count(*)::int as n from component`.execute(database.db);
    expect(n.rows[0].n).to.equal(0);
    const indexes = await sql<{ name: string }>`
      select indexname as name from pg_indexes where tablename = 'component' order by 1`.execute(database.db);
    expect(indexes.rows.map((i) => i.name)).to.include.members(['component_pkey', 'component_geom', 'component_grid']);
  });

  it('re-importing an unchanged row puts back its derived regions if they drifted, and counts it unchanged', async () => {
    const file = () =>
      table(
        ['GLBJBSM', 'GLBJMC', 'lon', 'lat'],
        [
          ['99000101001000001', '供水井盖', '100.0005', '20.0005'],
          ['99000101001000002', '供水井盖', '100.0015', '20.0005'],
        ],
      );
    await importCensus(database, file(), { actor });
    await database.exec(`update component set grid_code = '990001001001001' where code = '99000101001000001'`);
    const s = await importCensus(database, file(), { actor });
    expect(s).to.include({ inserted: 0, updated: 0, unchanged: 2 });
    const r = await sql<{ code: string; grid_code: string; version: number }>`
      select code, grid_code, version from component order by code`.execute(database.db);
    expect(r.rows).to.deep.equal([
      { code: '99000101001000001', grid_code: '990001001001005', version: 1 },
      { code: '99000101001000002', grid_code: '990001001001006', version: 1 },
    ]);
  });

  it('codes of code-less rows follow the allocation rule (random files against the rule written out row by row)', async () => {
    let seed = 20261203;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const classes = [
      ['01001', '0101', '供水井盖'],
      ['01002', '0102', '污水井盖'],
    ] as const;
    for (let trial = 0; trial < 12; trial++) {
      await clear();
      // Stored components (in cell (5,2), away from the file's rows): the highest serial per class.
      const stored: string[][] = [];
      const highest = new Map<string, number>();
      for (const [c] of classes) {
        const n = Math.floor(rand() * 3);
        for (let k = 0; k < n; k++) {
          const serial = 1 + Math.floor(rand() * 20);
          if (stored.some((s) => s[0] === `990001${c}${String(serial).padStart(6, '0')}`)) continue;
          stored.push([
            `990001${c}${String(serial).padStart(6, '0')}`,
            '',
            r7(100.0052 + stored.length * 0.00003),
            '20.0025',
          ]);
          highest.set(c, Math.max(highest.get(c) ?? 0, serial));
        }
      }
      if (stored.length) await importCensus(database, table(['GLBJBSM', 'GLBJMC', 'lon', 'lat'], stored), { actor });
      // The file: code-less rows and given codes (16 or 17 digits) with serials around the stored ones.
      const rows: { code: string; cls: string; name: string; lon: string; lat: string }[] = [];
      const taken = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const [c, legacy, name] = classes[Math.floor(rand() * 2)];
        const lon = r7(100.0002 + (i % 20) * 0.00003);
        const lat = r7(20.0002 + Math.floor(i / 20) * 0.00003);
        let code = '';
        if (rand() < 0.45) {
          const serial = String(1 + Math.floor(rand() * 40)).padStart(6, '0');
          code = rand() < 0.3 ? `990001${legacy}${serial}` : `990001${c}${serial}`;
          if (taken.has(code) || stored.some((s) => s[0] === code)) code = '';
          else taken.add(code);
        }
        rows.push({ code, cls: c, name, lon, lat });
      }
      const s = await importCensus(
        database,
        table(
          ['GLBJBSM', 'class', 'GLBJMC', 'lon', 'lat'],
          rows.map((r) => [r.code, r.cls, r.name, r.lon, r.lat]),
        ),
        { actor, segmentRows: 7 },
      );
      const expected = allocate(rows, highest);
      expect(s.coded).to.equal(expected.filter((e) => e !== null).length);
      const got = await sql<{ code: string; lon: string; lat: string }>`
        select code, round(ST_X(geom)::numeric, 7)::text as lon, round(ST_Y(geom)::numeric, 7)::text as lat
        from component`.execute(database.db);
      const at = new Map(got.rows.map((g) => [`${g.lon} ${g.lat}`, g.code]));
      const actual = rows.map((r) => (r.code ? null : (at.get(`${r.lon} ${r.lat}`) ?? 'missing')));
      expect(actual, `trial ${trial}`).to.deep.equal(expected);
    }
  });
});

/**
 * The allocation rule row by row (the import's former JavaScript): a code-less row gets the next serial of its
 * district and class after the highest stored and those given earlier in the file and allocated so far, skipping
 * every serial the file gives.
 */
function allocate(rows: { code: string; cls: string }[], stored: Map<string, number>): (string | null)[] {
  const given = new Map<string, { serial: number; idx: number }[]>();
  rows.forEach((r, idx) => {
    if (r.code) {
      const list = given.get(r.cls) ?? [];
      list.push({ serial: Number(r.code.slice(-6)), idx });
      given.set(r.cls, list);
    }
  });
  const state = new Map<string, { highest: number; next: number; all: Set<number> }>();
  return rows.map((r, idx) => {
    if (r.code) return null;
    const list = given.get(r.cls) ?? [];
    let st = state.get(r.cls);
    if (!st) {
      st = { highest: stored.get(r.cls) ?? 0, next: 0, all: new Set(list.map((g) => g.serial)) };
      state.set(r.cls, st);
    }
    while (st.next < list.length && list[st.next].idx < idx) st.highest = Math.max(st.highest, list[st.next++].serial);
    let serial = st.highest + 1;
    while (st.all.has(serial)) serial++;
    st.highest = serial;
    st.all.add(serial);
    return `990001${r.cls}${String(serial).padStart(6, '0')}`;
  });
}
