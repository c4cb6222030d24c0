/**
 * Tile encoders against PostGIS on the micro-city: exact feature sets of known tiles, properties, geometry, and on
 * every tile covering the city, "interior meets the tile ⇒ in the tile ⇒ meets the buffered tile".
 * On PGlite: geojson-vt (ST_AsMVT is missing there). On PostgreSQL: ST_AsMVT and geojson-vt, and they must agree.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { chooseEncoder, ENCODERS, type EncoderName } from '../../server/tiles/encode.js';
import { findLayer, TILE_LAYERS } from '../../server/tiles/layers.js';

/** The region layers (the `cases` point layer is tested with the cases). */
const POLYGON_LAYERS = TILE_LAYERS.filter((l) => l.geometryType === 'polygon');
import { tilesCovering, type Bbox } from '../../server/tiles/tilemath.js';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { microCity } from '../fixtures/micro-city.js';
import { codesOf, decode, expectedCodes } from './helpers.js';

const CITY: Bbox = [100, 20, 100.007, 20.003];
const range = (a: number, b: number, prefix: string) =>
  Array.from({ length: b - a + 1 }, (_, i) => `${prefix}${String(a + i).padStart(3, '0')}`);

describe('tile encoder choice', () => {
  it('is ST_AsMVT on PostgreSQL and geojson-vt on PGlite, TILE_ENCODER=geojson-vt forces the JS encoder', () => {
    expect(chooseEncoder('pg')).to.equal('st_asmvt');
    expect(chooseEncoder('pglite')).to.equal('geojson-vt');
    expect(chooseEncoder('pg', 'geojson-vt')).to.equal('geojson-vt');
    expect(chooseEncoder('pg', '')).to.equal('st_asmvt');
  });
  it('refuses ST_AsMVT on PGlite and unknown names, saying why', () => {
    expect(() => chooseEncoder('pglite', 'st_asmvt')).to.throw(/PGlite PostGIS has no protobuf-c/);
    expect(() => chooseEncoder('pg', 'mapnik')).to.throw('TILE_ENCODER must be "geojson-vt", "st_asmvt" or unset');
  });
});

describe(`tile encoders on the micro-city (${DRIVER})`, () => {
  let database: Database;
  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
  });
  after(async () => {
    await database?.close();
  });

  const encoders: EncoderName[] = DRIVER === 'pg' ? ['st_asmvt', 'geojson-vt'] : ['geojson-vt'];
  for (const name of encoders) {
    describe(name, () => {
      const encode = (layer: string, z: number, x: number, y: number) =>
        ENCODERS[name](database.tileDb, findLayer(layer)!, z, x, y);

      it('z16 west tile: the 9 grids of 湖滨街道 and the ring grid poking 5 m in from the east', async () => {
        const bytes = await encode('grids', 16, 50972, 29050);
        expect(codesOf(bytes, 'grids', 16, 50972, 29050)).to.deep.equal([
          ...range(1, 6, '990001001001'),
          ...range(1, 3, '990001001002'),
          '990001002001001',
        ]);
      });

      it('z16 east tile: 山前街道 grids plus the 西湖 column inside the buffer', async () => {
        const bytes = await encode('grids', 16, 50973, 29050);
        expect(codesOf(bytes, 'grids', 16, 50973, 29050)).to.deep.equal([
          ...range(1, 3, '990001001002'),
          '990001002001001',
          '990001002001002',
          '990001002002001',
          '990001002002002',
        ]);
      });

      it('z17 and z18 tiles hold exactly the grids under them', async () => {
        expect(codesOf(await encode('grids', 17, 101945, 58101), 'grids', 17, 101945, 58101)).to.deep.equal([
          '990001001001003',
          '990001001001004',
          '990001001001005',
          '990001001001006',
          '990001001002002',
          '990001001002003',
          '990001002001001',
        ]);
        // The centre cell is the ring's hole: both come, as two features.
        expect(codesOf(await encode('grids', 18, 203892, 116202), 'grids', 18, 203892, 116202)).to.deep.equal([
          '990001002001001',
          '990001002001002',
        ]);
        // North-west corner tile: cells (0,2) and (0,1) only.
        expect(codesOf(await encode('grids', 18, 203889, 116201), 'grids', 18, 203889, 116201)).to.deep.equal([
          '990001001001001',
          '990001001001003',
        ]);
      });

      it('communities and streets at z16', async () => {
        expect(codesOf(await encode('communities', 16, 50972, 29050), 'communities', 16, 50972, 29050)).to.deep.equal([
          '990001001001',
          '990001001002',
          '990001002001',
        ]);
        expect(codesOf(await encode('communities', 16, 50973, 29050), 'communities', 16, 50973, 29050)).to.deep.equal([
          '990001001002',
          '990001002001',
          '990001002002',
        ]);
        expect(codesOf(await encode('streets', 16, 50972, 29050), 'streets', 16, 50972, 29050)).to.deep.equal([
          '990001001',
          '990001002',
        ]);
      });

      it('an empty tile is zero bytes', async () => {
        expect((await encode('grids', 16, 50980, 29050)).length).to.equal(0);
        expect((await encode('streets', 8, 10, 10)).length).to.equal(0);
      });

      it('writes layer name, MVT version 2, extent 4096, feature ids and exactly code, name, area_m2', async () => {
        const bytes = await encode('grids', 17, 101945, 58101);
        const layers = decode(bytes, 17, 101945, 58101);
        expect(Object.keys(layers)).to.deep.equal(['grids']);
        expect(layers.grids.version).to.equal(2);
        expect(layers.grids.extent).to.equal(4096);
        const db = await sql<{ code: string; name: string; area: number }>`
          select code::text as code, name, round(area_m2::numeric, 1)::float8 as area from unit_grid
          where termination_date is null`.execute(database.db);
        const byCode = new Map(db.rows.map((r) => [r.code, r]));
        for (const f of layers.grids.features) {
          const row = byCode.get(String(f.properties.code))!;
          expect(f.properties).to.deep.equal({ code: row.code, name: row.name, area_m2: row.area });
          expect(f.id).to.equal(Number(row.code));
          expect(f.type).to.equal(3); // polygon
        }
        const g4 = layers.grids.features.find((f) => f.properties.code === '990001001001004')!;
        expect(g4.properties.name).to.equal('东湖社区第4网格');
        expect(g4.properties.area_m2).to.be.within(11000, 12000);
        expect(Math.round((g4.properties.area_m2 as number) * 10) / 10).to.equal(g4.properties.area_m2);
        const c = decode(await encode('communities', 16, 50972, 29050), 16, 50972, 29050).communities.features;
        expect(c.map((f) => f.properties)).to.deep.include({ code: '990001001001', name: '东湖社区' });
        const s = decode(await encode('streets', 16, 50972, 29050), 16, 50972, 29050).streets.features;
        expect(s.map((f) => f.properties)).to.deep.include({ code: '990001002', name: '山前街道' });
      });

      it('puts geometry where it is: a whole cell to within a tile unit, a big grid clipped to the buffer', async () => {
        const f = decode(await encode('grids', 16, 50972, 29050), 16, 50972, 29050).grids.features;
        const unit = 360 / 2 ** 16 / 4096; // ≈ 1.3e-6°
        const cell = f.find((g) => g.properties.code === '990001001001004')!.bbox;
        [100.001, 20.001, 100.002, 20.002].forEach((v, i) => expect(cell[i]).to.be.closeTo(v, 1.5 * unit));
        const ring = f.find((g) => g.properties.code === '990001002001001')!.bbox;
        expect(ring[0]).to.be.closeTo(100.003, 1.5 * unit);
        expect(ring[2]).to.be.closeTo(100.003052 + 64 * (360 / 2 ** 16 / 4096), 2 * unit); // tile edge + buffer
      });

      it('on every tile covering the city (z8–z18): interior meets the tile ⇒ in it ⇒ meets the buffered tile', async function () {
        this.timeout(300_000);
        let checked = 0;
        for (const layer of POLYGON_LAYERS) {
          for (let z = layer.minzoom; z <= 18; z++) {
            for (const [, x, y] of tilesCovering(CITY, z)) {
              const got = codesOf(await encode(layer.id, z, x, y), layer.id, z, x, y);
              const { must, may } = await expectedCodes(database.db, layer.id, z, x, y);
              const where = `${layer.id} ${z}/${x}/${y}`;
              expect(got, `${where}: missing`).to.include.members(must);
              expect(may, `${where}: outside the buffered tile`).to.include.members(got);
              checked++;
            }
          }
        }
        expect(checked).to.be.greaterThan(60);
      });
    });
  }

  if (DRIVER === 'pg') {
    it('ST_AsMVT and geojson-vt agree on features, properties and bboxes (within a tile unit) at z13–z18', async function () {
      this.timeout(300_000);
      for (const layer of POLYGON_LAYERS) {
        for (let z = Math.max(13, layer.minzoom); z <= 18; z++) {
          const unit = 360 / 2 ** z / 4096;
          for (const [, x, y] of tilesCovering(CITY, z)) {
            const [a, b] = await Promise.all(
              (['st_asmvt', 'geojson-vt'] as const).map((e) => ENCODERS[e](database.tileDb, layer, z, x, y)),
            );
            const fa = a.length ? decode(a, z, x, y)[layer.id].features : [];
            const fb = b.length ? decode(b, z, x, y)[layer.id].features : [];
            const key = (f: { properties: Record<string, unknown> }) => String(f.properties.code);
            fa.sort((p, q) => key(p).localeCompare(key(q)));
            fb.sort((p, q) => key(p).localeCompare(key(q)));
            const where = `${layer.id} ${z}/${x}/${y}`;
            expect(
              fb.map((f) => [f.id, f.properties]),
              where,
            ).to.deep.equal(fa.map((f) => [f.id, f.properties]));
            fa.forEach((f, i) => f.bbox.forEach((v, k) => expect(fb[i].bbox[k], where).to.be.closeTo(v, 1.01 * unit)));
          }
        }
      }
    });
  }
});
