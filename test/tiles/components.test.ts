/**
 * The census tile layers on the micro-city with five components (test/fixtures/micro-components.ts): `components`
 * (one feature per component from z15, exact properties and geometry types) and `component_counts` (one point per
 * grid holding components, exact counts per major class). On PGlite: geojson-vt; on PostgreSQL: ST_AsMVT and
 * geojson-vt, which must agree.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { ENCODERS, type EncoderName } from '../../server/tiles/encode.js';
import { findLayer } from '../../server/tiles/layers.js';
import { tilesCovering, type Bbox } from '../../server/tiles/tilemath.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { microCity } from '../fixtures/micro-city.js';
import { insertComponents, MICRO_COMPONENTS } from '../fixtures/micro-components.js';
import { decode, expectedCodes, type DecodedFeature } from './helpers.js';

const CITY: Bbox = [100, 20, 100.007, 20.003];
const Z15 = [15, 25486, 14525] as const;
const W16 = [16, 50972, 29050] as const;
const E16 = [16, 50973, 29050] as const;
const Z13 = [13, 6371, 3631] as const;
const Z14 = [14, 12743, 7262] as const;

/** The exact features of the whole micro-census, in code order (as strings). */
const ALL = [
  { code: '99000101001000001', class: '01001', major: '01', status: '完好' },
  { code: '99000101001000002', class: '01001', major: '01', status: '破损', name: '东湖路供水井盖' },
  { code: '99000102003000001', class: '02003', major: '02', status: '丢失', name: '停车计费器' },
  { code: '9900010301000001', class: '03001', major: '03', status: '完好', name: '中心公园公厕' },
  { code: '99000104008000001', class: '04008', major: '04', status: '完好', name: '东湖绿地护栏' },
];
/** Counts per grid (a major class without components is left out). */
const COUNTS = [
  { grid_code: '990001001001001', count: 1, major_01: 1 },
  { grid_code: '990001001001002', count: 2, major_01: 1, major_02: 1 },
  { grid_code: '990001001001003', count: 1, major_04: 1 },
  { grid_code: '990001002001002', count: 1, major_03: 1 },
];

const byCode = (fs: DecodedFeature[], key = 'code') =>
  [...fs].sort((a, b) => String(a.properties[key]).localeCompare(String(b.properties[key])));

describe(`component tile layers on the micro-city (${DRIVER})`, () => {
  let database: Database;
  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    await insertComponents(database);
  });
  after(async () => {
    await database?.close();
  });

  it('the fixture derived each component’s grid by its position', async () => {
    const r = await sql<{ code: string; grid_code: string }>`
      select code, grid_code from component order by code`.execute(database.db);
    expect(r.rows).to.deep.equal(
      MICRO_COMPONENTS.map((c) => ({ code: c.code, grid_code: c.grid_code })).sort((a, b) =>
        a.code.localeCompare(b.code),
      ),
    );
  });

  const encoders: EncoderName[] = DRIVER === 'pg' ? ['st_asmvt', 'geojson-vt'] : ['geojson-vt'];
  for (const name of encoders) {
    describe(name, () => {
      const tile = async (layer: string, z: number, x: number, y: number) => {
        const bytes = await ENCODERS[name](database.tileDb, findLayer(layer)!, z, x, y);
        return bytes.length ? decode(bytes, z, x, y)[layer].features : [];
      };

      it('components z15: every component, exactly code, class, major, status and name (left out when empty)', async () => {
        const f = byCode(await tile('components', ...Z15));
        expect(f.map((x) => x.properties)).to.deep.equal(ALL);
        expect(f.map((x) => x.type)).to.deep.equal([1, 1, 1, 1, 2]); // MVT: 1 point, 2 line (the 护栏)
        expect(f.map((x) => x.id)).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
      });

      it('components z16: each half of the city gets its own, points where they are', async () => {
        const west = byCode(await tile('components', ...W16));
        expect(west.map((x) => x.properties.code)).to.deep.equal(
          ALL.filter((c) => c.code !== '9900010301000001').map((c) => c.code),
        );
        const east = await tile('components', ...E16);
        expect(east.map((x) => x.properties.code)).to.deep.equal(['9900010301000001']);
        const unit = 360 / 2 ** 16 / 4096;
        const p = west.find((x) => x.properties.code === '99000101001000002')!.bbox;
        [100.0015, 20.0025, 100.0015, 20.0025].forEach((v, i) => expect(p[i]).to.be.closeTo(v, 1.5 * unit));
        const line = west.find((x) => x.properties.code === '99000104008000001')!.bbox;
        [100.0003, 20.0012, 100.0008, 20.0012].forEach((v, i) => expect(line[i]).to.be.closeTo(v, 1.5 * unit));
        expect(await tile('components', 16, 50980, 29050)).to.deep.equal([]);
      });

      it('components on every tile covering the city (z15–z18): in the tile ⇔ meets the (buffered) tile', async () => {
        let checked = 0;
        for (let z = 15; z <= 18; z++) {
          for (const [, x, y] of tilesCovering(CITY, z)) {
            const got = (await tile('components', z, x, y)).map((f) => String(f.properties.code)).sort();
            const { must, may } = await expectedCodes(database.db, 'components', z, x, y);
            expect(got, `${z}/${x}/${y}: missing`).to.include.members(must);
            expect(may, `${z}/${x}/${y}: outside the buffered tile`).to.include.members(got);
            checked += got.length;
          }
        }
        expect(checked).to.be.at.least(4 * 5);
      });

      for (const [z, x, y] of [Z13, Z14]) {
        it(`component_counts z${z}: one point per grid with components, exact counts per major class`, async () => {
          const f = byCode(await tile('component_counts', z, x, y), 'grid_code');
          expect(f.map((c) => c.properties)).to.deep.equal(COUNTS);
          expect(f.map((c) => c.id)).to.deep.equal(COUNTS.map((c) => Number(c.grid_code)));
          expect(f.every((c) => c.type === 1)).to.equal(true);
          // The point lies in its grid: ST_PointOnSurface of the grid, to within a tile unit.
          const unit = 360 / 2 ** z / 4096;
          const pos = await sql<{ code: string; lon: number; lat: number }>`
            select code::text as code, ST_X(p) as lon, ST_Y(p) as lat
            from (select code, ST_PointOnSurface(geom) as p from unit_grid where termination_date is null) q`.execute(
            database.db,
          );
          for (const c of f) {
            const want = pos.rows.find((r) => r.code === c.properties.grid_code)!;
            expect(c.bbox[0], String(c.properties.grid_code)).to.be.closeTo(want.lon, 1.01 * unit);
            expect(c.bbox[1], String(c.properties.grid_code)).to.be.closeTo(want.lat, 1.01 * unit);
          }
          // A plain cell's point is its centre.
          const g1 = f.find((c) => c.properties.grid_code === '990001001001001')!;
          expect(g1.bbox[0]).to.be.closeTo(100.0005, 1.01 * unit);
          expect(g1.bbox[1]).to.be.closeTo(20.0025, 1.01 * unit);
        });
      }

      it('component_counts: nothing where no grid holds components', async () => {
        expect(await tile('component_counts', 16, 50980, 29050)).to.deep.equal([]);
        expect(await tile('component_counts', 13, 6372, 3631)).to.deep.equal([]);
      });
    });
  }

  if (DRIVER === 'pg') {
    it('ST_AsMVT and geojson-vt agree on both layers at every zoom from their minzoom to z18', async function () {
      this.timeout(120_000);
      for (const [id, key] of [
        ['components', 'code'],
        ['component_counts', 'grid_code'],
      ] as const) {
        const layer = findLayer(id)!;
        for (let z = layer.minzoom; z <= 18; z++) {
          const unit = 360 / 2 ** z / 4096;
          for (const [, x, y] of tilesCovering(CITY, z)) {
            const [a, b] = await Promise.all(
              (['st_asmvt', 'geojson-vt'] as const).map(async (e) => {
                const bytes = await ENCODERS[e](database.tileDb, layer, z, x, y);
                return bytes.length ? byCode(decode(bytes, z, x, y)[id].features, key) : [];
              }),
            );
            const where = `${id} ${z}/${x}/${y}`;
            expect(
              b.map((f) => [f.id, f.type, f.properties]),
              where,
            ).to.deep.equal(a.map((f) => [f.id, f.type, f.properties]));
            a.forEach((f, i) => f.bbox.forEach((v, k) => expect(b[i].bbox[k], where).to.be.closeTo(v, 1.01 * unit)));
          }
        }
      }
    });
  }
});
