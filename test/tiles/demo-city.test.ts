/**
 * Tiles of the generated demo city (~2,500 grids): no tile above 500 KB at any layer's lowest zooms, and on a
 * deterministic sample of tiles every feature whose interior meets the tile is in it and nothing outside the
 * buffered tile is. On PostgreSQL both encoders are checked and must agree.
 */
import { expect } from 'chai';
import type { Database } from '../../server/db/index.js';
import { loadDemoCity } from '../../server/demo/load.js';
import { ENCODERS, type EncoderName } from '../../server/tiles/encode.js';
import { TILE_LAYERS } from '../../server/tiles/layers.js';

/** The region layers (the `cases` point layer is tested with the cases). */
const POLYGON_LAYERS = TILE_LAYERS.filter((l) => l.geometryType === 'polygon');
import { layerExtent } from '../../server/tiles/queries.js';
import { tilesCovering, type Bbox } from '../../server/tiles/tilemath.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { codesOf, expectedCodes } from './helpers.js';

const LIMIT = 500 * 1024;

/** Every k-th tile, so the sample spreads over the city the same way on every run. */
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]);
}

describe(`tiles of the demo city (${DRIVER})`, function () {
  this.timeout(600_000);
  let database: Database;
  let bbox: Bbox;
  const encoders: EncoderName[] = DRIVER === 'pg' ? ['st_asmvt', 'geojson-vt'] : ['geojson-vt'];

  before(async () => {
    database = await openTestDatabase();
    await loadDemoCity(database, { dispatch: false });
    bbox = (await layerExtent(database.db, TILE_LAYERS[0]))!;
  });
  after(async () => {
    await database?.close();
  });

  for (const name of encoders) {
    it(`${name}: no tile above 500 KB from each layer's minzoom to two zooms deeper`, async () => {
      const sizes: string[] = [];
      for (const layer of POLYGON_LAYERS) {
        for (let z = layer.minzoom; z <= layer.minzoom + 2; z++) {
          let max = 0;
          let withData = 0;
          for (const [, x, y] of tilesCovering(bbox, z)) {
            const n = (await ENCODERS[name](database.tileDb, layer, z, x, y)).length;
            if (n) withData++;
            max = Math.max(max, n);
          }
          sizes.push(`${layer.id} z${z}: ${withData} tiles, max ${(max / 1024).toFixed(1)} KB`);
          expect(withData, `${layer.id} z${z}`).to.be.greaterThan(0);
          expect(max, `${layer.id} z${z}`).to.be.below(LIMIT);
        }
      }
      if (process.env.TILE_SIZES) console.log(sizes.join('\n'));
    });

    it(`${name}: interior meets the tile ⇒ in it ⇒ meets the buffered tile, on a sample of tiles at z8–z17`, async () => {
      let features = 0;
      for (const layer of POLYGON_LAYERS) {
        for (const z of [layer.minzoom, layer.minzoom + 1, 14, 15, 17].filter(
          (v, i, a) => v >= layer.minzoom && a.indexOf(v) === i,
        )) {
          for (const [, x, y] of spread(tilesCovering(bbox, z), 8)) {
            const got = codesOf(await ENCODERS[name](database.tileDb, layer, z, x, y), layer.id, z, x, y);
            const { must, may } = await expectedCodes(database.db, layer.id, z, x, y);
            const where = `${layer.id} ${z}/${x}/${y}`;
            expect(got, `${where}: missing`).to.include.members(must);
            expect(may, `${where}: outside the buffered tile`).to.include.members(got);
            features += got.length;
          }
        }
      }
      expect(features).to.be.greaterThan(1000);
    });
  }

  if (DRIVER === 'pg') {
    it('ST_AsMVT and geojson-vt hold the same features on the sampled grid tiles', async () => {
      const grids = TILE_LAYERS.find((l) => l.id === 'grids')!;
      for (const z of [13, 15, 17]) {
        for (const [, x, y] of spread(tilesCovering(bbox, z), 6)) {
          const [a, b] = await Promise.all(
            (['st_asmvt', 'geojson-vt'] as const).map(async (e) =>
              codesOf(await ENCODERS[e](database.tileDb, grids, z, x, y), 'grids', z, x, y),
            ),
          );
          const onlyA = a.filter((c) => !b.includes(c)),
            onlyB = b.filter((c) => !a.includes(c));
          expect([onlyA, onlyB], `grids ${z}/${x}/${y}`).to.deep.equal([[], []]);
        }
      }
    });
  }
});
