/**
 * The gazetteer import on the micro-city: a road along lat 20.0015 (west → east) with an alias, odd doorplates on its
 * north (left) side and even ones on its south (right) side, a building plate, a landmark; refusals store nothing;
 * a road of two parts; a road renamed (长青路 → 长春路) keeps its former name with its end day.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { importAddresses } from '../../server/addresses/import.js';
import { CensusRejected } from '../../server/components/import.js';
import { openCensusFile } from '../../server/components/readers.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { GAZETTEER, f, pt } from '../fixtures/micro-gazetteer.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

const actor = { id: null, name: 'test' };
const file = (doc: unknown) =>
  openCensusFile({ bytes: new TextEncoder().encode(JSON.stringify(doc)) }, { name: 'g.geojson' });

describe(`address gazetteer import (${DRIVER})`, function () {
  this.timeout(240_000);
  let database: Database;
  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor });
  });
  after(() => database?.close());

  it('imports roads with their names, doorplates placed along them (side, measure), a landmark; grids derived', async () => {
    const s = await importAddresses(database, await file(GAZETTEER), { actor });
    expect(s.counts).to.deep.equal({
      roads: { inserted: 1, updated: 0, unchanged: 0, renamed: 0 },
      doorplates: { inserted: 6, updated: 0, unchanged: 0, renamed: 0 },
      landmarks: { inserted: 1, updated: 0, unchanged: 0 },
    });
    const names = await sql<{ name: string; kind: string }>`
      select n.name, n.kind from road_name n join road r on r.id = n.road_id order by n.name`.execute(database.db);
    expect(names.rows).to.deep.equal([
      { name: '老长青路', kind: 'alias' },
      { name: '长青大道', kind: 'alias' },
      { name: '长青路', kind: 'name' },
    ]);
    const d = await sql<{ number: string; n: number; building: string; side: number; m: number; grid_code: string }>`
      select number, number_int as n, building, side, round(measure::numeric, 3)::float8 as m, grid_code
      from doorplate order by number_int, building`.execute(database.db);
    expect(d.rows).to.deep.equal([
      { number: '1', n: 1, building: '', side: -1, m: 0.071, grid_code: '990001001001003' },
      { number: '2', n: 2, building: '', side: 1, m: 0.071, grid_code: '990001001001003' },
      { number: '3', n: 3, building: '', side: -1, m: 0.357, grid_code: '990001001002002' },
      { number: '11', n: 11, building: '', side: -1, m: 0.929, grid_code: '990001002002002' },
      { number: '12', n: 12, building: '', side: 1, m: 0.929, grid_code: '990001002002002' },
      { number: '12', n: 12, building: '3', side: 1, m: 0.943, grid_code: '990001002002002' },
    ]);
    const l = await sql<{ name: string; aliases: string[]; kind: string; grid_code: string }>`
      select name, aliases, kind, grid_code from landmark`.execute(database.db);
    expect(l.rows).to.deep.equal([
      { name: '第一中学', aliases: ['一中', '市一中'], kind: '学校', grid_code: '990001002001002' },
    ]);
  });

  it('re-importing changes nothing; a moved doorplate keeps its old row in history', async () => {
    const again = await importAddresses(database, await file(GAZETTEER), { actor });
    expect(again.counts).to.deep.equal({
      roads: { inserted: 0, updated: 0, unchanged: 1, renamed: 0 },
      doorplates: { inserted: 0, updated: 0, unchanged: 6, renamed: 0 },
      landmarks: { inserted: 0, updated: 0, unchanged: 1 },
    });
    const moved = structuredClone(GAZETTEER);
    moved.features[2].geometry = pt(100.0026, 20.00155);
    const m = await importAddresses(database, await file(moved), { actor });
    expect(m.counts.doorplates).to.deep.equal({ inserted: 0, updated: 1, unchanged: 5, renamed: 0 });
    const h = await sql<{ key: string; version: number }>`select key, version from address_history`.execute(
      database.db,
    );
    expect(h.rows).to.deep.equal([{ key: '长青路|3|', version: 1 }]);
  });

  it('refuses a file with bad rows, naming feature and problem, and stores nothing', async () => {
    const before = (await sql<{ n: number }>`select count(*)::int as n from doorplate`.execute(database.db)).rows[0].n;
    const bad = {
      type: 'FeatureCollection',
      features: [
        f({ kind: 'doorplate', road: '长青路' }, pt(100.001, 20.0015)),
        f({ kind: 'road', name: '新路' }, pt(100.001, 20.0015)),
        f({ kind: 'doorplate', road: '长青路', number: 'A座' }, pt(100.001, 20.0015)),
        f({ kind: 'street', name: 'x' }, pt(100.001, 20.0015)),
        f({ kind: 'doorplate', road: '新街', number: '8' }, pt(100.001, 20.0015)),
        f({ kind: 'doorplate', road: '新街', number: '8' }, pt(100.0011, 20.0015)),
      ],
    };
    let e: CensusRejected | undefined;
    try {
      await importAddresses(database, await file(bad), { actor });
    } catch (x) {
      e = x as CensusRejected;
    }
    expect(e).to.be.instanceOf(CensusRejected);
    expect(e!.issues.map((i) => i.text)).to.deep.equal([
      'feature 0, column number: a doorplate needs its number',
      'feature 1: a road is a line; the geometry is a Point',
      'feature 2, column number: "A座" is not a house number (e.g. 12, 12-1, 12号)',
      'feature 3, column kind: "street" is not an address kind (road, doorplate or landmark)',
    ]);
    const dup = await importAddresses(
      database,
      await file({ type: 'FeatureCollection', features: bad.features.slice(4) }),
      {
        actor,
      },
    ).catch((x: CensusRejected) => x);
    expect((dup as CensusRejected).issues.map((i) => i.text)).to.deep.equal([
      'feature 1: doorplate 新街 8 is given 2 times (feature 0, feature 1)',
    ]);
    expect(
      (await sql<{ n: number }>`select count(*)::int as n from doorplate`.execute(database.db)).rows[0].n,
    ).to.equal(before);
  });
  it('a road of two parts that do not merge: measure along both parts, side from the nearest part', async () => {
    const parts = {
      type: 'MultiLineString',
      coordinates: [
        [
          [100.0, 20.0005],
          [100.002, 20.0005],
        ],
        [
          [100.004, 20.0005],
          [100.006, 20.0005],
        ],
      ],
    };
    await importAddresses(
      database,
      await file({
        type: 'FeatureCollection',
        features: [
          f({ kind: 'road', name: '双段路' }, parts),
          f({ kind: 'doorplate', road: '双段路', number: '2' }, pt(100.001, 20.00045)),
          f({ kind: 'doorplate', road: '双段路', number: '9' }, pt(100.005, 20.00055)),
        ],
      }),
      { actor },
    );
    const d = await sql<{ number: string; side: number; m: number }>`
      select number, side, round(measure::numeric, 3)::float8 as m from doorplate where road = '双段路'
      order by number_int`.execute(database.db);
    expect(d.rows).to.deep.equal([
      { number: '2', side: 1, m: 0.25 },
      { number: '9', side: -1, m: 0.75 },
    ]);
  });
});

describe(`address gazetteer import: a road renamed keeps its former name with dates (${DRIVER})`, function () {
  this.timeout(240_000);
  let database: Database;
  const road = GAZETTEER.features[0];
  /** 长青路 renamed 长春路 on 2026-06-30 (same line, same aliases). */
  const renamed = (props: Record<string, unknown> = {}) =>
    f(
      { kind: 'road', name: '长春路', alias: '长青大道;老长青路', former: '长青路@2026-06-30', ...props },
      road.geometry,
    );
  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows;
  const historyCount = async () =>
    (await rows(sql<{ n: number }>`select count(*)::int as n from address_history`))[0].n;
  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor });
    await importAddresses(database, await file(GAZETTEER), { actor });
  });
  after(() => database?.close());

  it('renames the road: the old name a former name until the day given, its doorplates follow, history kept', async () => {
    const s = await importAddresses(database, await file({ type: 'FeatureCollection', features: [renamed()] }), {
      actor,
    });
    expect(s.counts).to.deep.equal({
      roads: { inserted: 0, updated: 0, unchanged: 0, renamed: 1 },
      doorplates: { inserted: 0, updated: 0, unchanged: 0, renamed: 6 },
      landmarks: { inserted: 0, updated: 0, unchanged: 0 },
    });
    expect(await rows(sql`select name, version from road`)).to.deep.equal([{ name: '长春路', version: 2 }]);
    expect(
      await rows(sql`select n.name, n.kind, to_char(n.valid_from, 'YYYY-MM-DD') as valid_from,
        to_char(n.valid_to, 'YYYY-MM-DD') as valid_to from road_name n order by n.kind, n.name`),
    ).to.deep.equal([
      { name: '老长青路', kind: 'alias', valid_from: null, valid_to: null },
      { name: '长青大道', kind: 'alias', valid_from: null, valid_to: null },
      { name: '长青路', kind: 'former', valid_from: null, valid_to: '2026-06-30' },
      { name: '长春路', kind: 'name', valid_from: '2026-06-30', valid_to: null },
    ]);
    // The doorplates: on 长春路, one version further, still placed along the same road.
    expect(
      await rows(sql`select d.road, d.number, d.building, d.version, d.side, r.name as linked
        from doorplate d join road r on r.id = d.road_id order by d.number_int, d.building`),
    ).to.deep.equal([
      { road: '长春路', number: '1', building: '', version: 2, side: -1, linked: '长春路' },
      { road: '长春路', number: '2', building: '', version: 2, side: 1, linked: '长春路' },
      { road: '长春路', number: '3', building: '', version: 2, side: -1, linked: '长春路' },
      { road: '长春路', number: '11', building: '', version: 2, side: -1, linked: '长春路' },
      { road: '长春路', number: '12', building: '', version: 2, side: 1, linked: '长春路' },
      { road: '长春路', number: '12', building: '3', version: 2, side: 1, linked: '长春路' },
    ]);
    expect(
      await rows(sql`select kind, key, version, attrs->>'name' as name, attrs->>'road' as road, ended_by
        from address_history order by kind desc, key collate "C"`),
    ).to.deep.equal([
      { kind: 'road', key: '长青路', version: 1, name: '长青路', road: null, ended_by: 'import' },
      ...['11|', '12|', '12|3', '1|', '2|', '3|'].map((k) => ({
        kind: 'doorplate',
        key: `长青路|${k}`,
        version: 1,
        name: null,
        road: '长青路',
        ended_by: 'import',
      })),
    ]);
  });

  it('re-importing the rename, or the whole gazetteer under the new name, changes nothing', async () => {
    const before = await historyCount();
    const again = await importAddresses(database, await file({ type: 'FeatureCollection', features: [renamed()] }), {
      actor,
    });
    expect(again.counts.roads).to.deep.equal({ inserted: 0, updated: 0, unchanged: 1, renamed: 0 });
    expect(again.counts.doorplates.renamed).to.equal(0);
    const all = structuredClone(GAZETTEER);
    all.features[0] = renamed();
    for (const x of all.features.slice(1, 7)) (x.properties as Record<string, unknown>).road = '长春路';
    const whole = await importAddresses(database, await file(all), { actor });
    expect(whole.counts).to.deep.equal({
      roads: { inserted: 0, updated: 0, unchanged: 1, renamed: 0 },
      doorplates: { inserted: 0, updated: 0, unchanged: 6, renamed: 0 },
      landmarks: { inserted: 0, updated: 0, unchanged: 1 },
    });
    // A former name without a day keeps the stored day.
    const undated = await importAddresses(
      database,
      await file({ type: 'FeatureCollection', features: [renamed({ former: '长青路' })] }),
      { actor },
    );
    expect(undated.counts.roads.unchanged).to.equal(1);
    expect(await historyCount()).to.equal(before);
    expect(
      await rows(sql`select to_char(valid_to, 'YYYY-MM-DD') as d from road_name where kind = 'former'`),
    ).to.deep.equal([{ d: '2026-06-30' }]);
  });

  it('a new road with former names stores them (today where no day is given); the old name as a new road warns', async () => {
    const line = {
      type: 'LineString',
      coordinates: [
        [100.0, 20.0025],
        [100.003, 20.0025],
      ],
    };
    const s = await importAddresses(
      database,
      await file({
        type: 'FeatureCollection',
        features: [
          f({ kind: 'road', name: '新华街', former: '旧街;老街@2001-12-31' }, line),
          f(
            { kind: 'road', name: '长青路' },
            {
              type: 'LineString',
              coordinates: [
                [100.0, 20.0005],
                [100.003, 20.0005],
              ],
            },
          ),
        ],
      }),
      { actor },
    );
    expect(s.counts.roads).to.deep.equal({ inserted: 2, updated: 0, unchanged: 0, renamed: 0 });
    expect(s.warnings.map((w) => w.text)).to.deep.equal([
      'feature 1: 长青路 is the former name of 长春路 (until 2026-06-30): the file adds a new road of that name',
    ]);
    expect(
      await rows(sql`select n.name, n.valid_to = current_date as today, to_char(n.valid_to, 'YYYY-MM-DD') as d
        from road_name n join road r on r.id = n.road_id where r.name = '新华街' and n.kind = 'former' order by n.name`),
    ).to.deep.equal([
      {
        name: '旧街',
        today: true,
        d: (await rows(sql<{ d: string }>`select to_char(current_date, 'YYYY-MM-DD') as d`))[0].d,
      },
      { name: '老街', today: false, d: '2001-12-31' },
    ]);
  });

  it('refuses bad former names and ambiguous renames, naming the feature, and stores nothing', async () => {
    const before = await rows(sql`select name, version from road order by name`);
    const h = await historyCount();
    const refused = async (features: unknown[]) => {
      const e = await importAddresses(database, await file({ type: 'FeatureCollection', features }), { actor }).catch(
        (x: unknown) => x,
      );
      expect(e).to.be.instanceOf(CensusRejected);
      return (e as CensusRejected).issues.map((i) => i.text);
    };
    const line = (lat: number) => ({
      type: 'LineString',
      coordinates: [
        [100.0, lat],
        [100.003, lat],
      ],
    });
    expect(
      await refused([
        f({ kind: 'road', name: '甲路', former: '乙路@2026-02-30' }, line(20.0021)),
        f({ kind: 'road', name: '甲街', former: '甲街' }, line(20.0022)),
        f({ kind: 'road', name: '乙街', alias: '丙街', former: '丙街' }, line(20.0023)),
        f({ kind: 'landmark', name: '公园', former: '旧公园' }, pt(100.001, 20.0015)),
        f({ kind: 'road', name: '丁街', former: '戊街;戊街' }, line(20.0024)),
      ]),
    ).to.deep.equal([
      'feature 0, column former: 乙路: "2026-02-30" is not a date (YYYYMMDD or YYYY-MM-DD, 1900–2100)',
      "feature 1, column former: 甲街 is the road's current name",
      'feature 2, column former: 丙街 is given as an alias and as a former name',
      'feature 3, column former: only a road keeps former names; give the old names of a landmark as aliases',
      'feature 4, column former: 戊街 is given twice',
    ]);
    expect(
      await refused([
        f({ kind: 'road', name: '东风路', former: '长春路' }, road.geometry),
        f({ kind: 'road', name: '长春路' }, road.geometry),
      ]),
    ).to.deep.equal([
      'feature 0, column former: 长春路 is a former name of 东风路 and also a road of this file (feature 1)',
    ]);
    expect(
      await refused([
        f({ kind: 'road', name: '东风路', former: '长春路' }, road.geometry),
        f({ kind: 'road', name: '西风路', former: '长春路' }, line(20.0021)),
        f({ kind: 'road', name: '南风路', former: '长春路;新华街' }, line(20.0022)),
      ]),
    ).to.deep.equal([
      'feature 0, column former: 长春路 is a live road renamed by feature 0 and feature 1 and feature 2',
      'feature 1, column former: 长春路 is a live road renamed by feature 0 and feature 1 and feature 2',
      'feature 2, column former: 长春路 is a live road renamed by feature 0 and feature 1 and feature 2',
      'feature 2, column former: the former names 长春路 and 新华街 are 2 live roads: a road is renamed from one',
    ]);
    // A doorplate 东风路 12 kept without its road: renaming 长春路 (which has a 12) to 东风路 would make two.
    await importAddresses(
      database,
      await file({
        type: 'FeatureCollection',
        features: [f({ kind: 'doorplate', road: '东风路', number: '12' }, pt(100.001, 20.00245))],
      }),
      { actor },
    );
    expect(await refused([f({ kind: 'road', name: '东风路', former: '长春路' }, road.geometry)])).to.deep.equal([
      'feature 0, column former: renaming 长春路 to 东风路: the doorplate 12号 exists on both',
    ]);
    expect(await rows(sql`select name, version from road order by name`)).to.deep.equal(before);
    expect(await historyCount()).to.equal(h);
  });
});
