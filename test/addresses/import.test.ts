/**
 * The gazetteer import on the micro-city: a road along lat 20.0015 (west → east) with an alias, odd doorplates on its
 * north (left) side and even ones on its south (right) side, a building plate, a landmark; refusals store nothing.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { importAddresses } from '../../server/addresses/import.js';
import { CensusRejected } from '../../server/components/import.js';
import { openCensusFile } from '../../server/components/readers.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

const actor = { id: null, name: 'test' };
const f = (properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties, geometry });
const pt = (lon: number, lat: number) => ({ type: 'Point', coordinates: [lon, lat] });
export const GAZETTEER = {
  type: 'FeatureCollection',
  features: [
    f(
      { kind: 'road', name: '长青路', alias: '长青大道;老长青路' },
      {
        type: 'LineString',
        coordinates: [
          [100.0, 20.0015],
          [100.007, 20.0015],
        ],
      },
    ),
    f({ kind: 'doorplate', road: '长青路', number: '1' }, pt(100.0005, 20.00155)),
    f({ kind: 'doorplate', road: '长青路', number: '3号' }, pt(100.0025, 20.00155)),
    f({ kind: 'doorplate', road: '长青路', number: '１１' }, pt(100.0065, 20.00155)),
    f({ kind: 'doorplate', road: '长青路', number: '2' }, pt(100.0005, 20.00145)),
    f({ kind: 'doorplate', road: '长青路', number: '12' }, pt(100.0065, 20.00145)),
    f({ kind: 'doorplate', road: '长青路', number: '12', building: '3号楼' }, pt(100.0066, 20.0014)),
    f(
      { kind: 'landmark', name: '第一中学', alias: '一中;市一中', category: '学校' },
      {
        type: 'Polygon',
        coordinates: [
          [
            [100.004, 20.001],
            [100.005, 20.001],
            [100.005, 20.002],
            [100.004, 20.002],
            [100.004, 20.001],
          ],
        ],
      },
    ),
  ],
};

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
      roads: { inserted: 1, updated: 0, unchanged: 0 },
      doorplates: { inserted: 6, updated: 0, unchanged: 0 },
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
      roads: { inserted: 0, updated: 0, unchanged: 1 },
      doorplates: { inserted: 0, updated: 0, unchanged: 6 },
      landmarks: { inserted: 0, updated: 0, unchanged: 1 },
    });
    const moved = structuredClone(GAZETTEER);
    moved.features[2].geometry = pt(100.0026, 20.00155);
    const m = await importAddresses(database, await file(moved), { actor });
    expect(m.counts.doorplates).to.deep.equal({ inserted: 0, updated: 1, unchanged: 5 });
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
});
