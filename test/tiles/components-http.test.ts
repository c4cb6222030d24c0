/**
 * The census tile layers over HTTP on the micro-city with five components: TileJSON (zooms, fields, bounds, the
 * version in the URL), 204 below each layer's minzoom, and cache invalidation — a component write moves both layers
 * on, a grid import moves the counts only.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER } from '../helpers/db.js';
import { useMicroCityServer } from '../helpers/micro-server.js';
import { microCity } from '../fixtures/micro-city.js';
import { insertComponents } from '../fixtures/micro-components.js';
import { decode } from './helpers.js';

const Z15 = [15, 25486, 14525] as const;
const Z13 = [13, 6371, 3631] as const;

describe(`component tile layers over HTTP (${DRIVER})`, () => {
  const env = useMicroCityServer();
  before(async () => {
    await insertComponents(env.database);
  });

  const get = (path: string) => fetch(env.server.url + path);
  const tileJson = async (layer: string) => (await get(`/tiles/${layer}.json`)).json();
  const versionOf = async (key: string) =>
    (
      await sql<{ version: number }>`select version from tile_layer_version where layer = ${key}`.execute(
        env.database.db,
      )
    ).rows[0].version;
  const vOf = (tj: { tiles: string[] }) => Number(/\?v=(\d+)$/.exec(tj.tiles[0])![1]);
  /** The tile at the TileJSON's current URL, decoded. */
  const features = async (tj: { tiles: string[] }, layer: string, [z, x, y]: readonly [number, number, number]) => {
    const r = await get(tj.tiles[0].replace(env.server.url, '').replace('{z}/{x}/{y}', `${z}/${x}/${y}`));
    expect(r.status, `${layer} ${z}/${x}/${y}`).to.equal(200);
    expect(r.headers.get('cache-control')).to.equal('public, max-age=86400, immutable');
    return decode(new Uint8Array(await r.arrayBuffer()), z, x, y)[layer].features;
  };

  it('TileJSON: zooms and fields from the registry, bounds of the components, versions in the URL', async () => {
    const c = await tileJson('components');
    expect([c.name, c.minzoom, c.maxzoom]).to.deep.equal(['components', 15, 18]);
    expect(c.vector_layers[0].fields).to.deep.equal({
      code: 'String',
      class: 'String',
      major: 'String',
      status: 'String',
      name: 'String',
    });
    expect(c.bounds).to.deep.equal([100.0003, 20.0012, 100.0045, 20.0028]);
    expect(vOf(c)).to.equal(await versionOf('components'));
    const n = await tileJson('component_counts');
    expect([n.name, n.minzoom, n.maxzoom]).to.deep.equal(['component_counts', 13, 14]);
    expect(n.vector_layers[0].fields).to.deep.equal({
      grid_code: 'String',
      count: 'Number',
      major_01: 'Number',
      major_02: 'Number',
      major_03: 'Number',
      major_04: 'Number',
      major_05: 'Number',
    });
    expect(n.bounds).to.deep.equal(c.bounds);
    // Bumped by writes to components and to grids: its version is the sum of both.
    expect(vOf(n)).to.equal((await versionOf('components')) + (await versionOf('grids')));
  });

  it("answers 204 below each layer's minzoom and where there is nothing", async () => {
    expect((await get('/tiles/components/14/12743/7262.mvt')).status).to.equal(204);
    expect((await get(`/tiles/components/${Z15.join('/')}.mvt`)).status).to.equal(200);
    expect((await get('/tiles/component_counts/12/3185/1815.mvt')).status).to.equal(204);
    expect((await get('/tiles/component_counts/13/6371/3631.mvt')).status).to.equal(200);
    expect((await get('/tiles/component_counts/13/6372/3631.mvt')).status).to.equal(204);
  });

  it('a component write invalidates both layers; a grid import only the counts', async () => {
    const c0 = await tileJson('components');
    const n0 = await tileJson('component_counts');
    expect((await features(c0, 'components', Z15)).map((f) => f.properties.code)).to.have.length(5);
    const grid2 = (fs: Awaited<ReturnType<typeof features>>) =>
      fs.find((f) => f.properties.grid_code === '990001001001002')!.properties;
    expect(grid2(await features(n0, 'component_counts', Z13))).to.deep.equal({
      grid_code: '990001001001002',
      count: 2,
      major_01: 1,
      major_02: 1,
    });

    await insertComponents(env.database, [
      {
        code: '99000103001000001',
        category_code: '03001',
        name: '东湖公厕',
        status: '完好',
        wkt: 'POINT(100.0018 20.0022)',
        grid_code: '990001001001002',
      },
    ]);
    const c1 = await tileJson('components');
    const n1 = await tileJson('component_counts');
    expect(vOf(c1)).to.equal(vOf(c0) + 1);
    expect(vOf(n1)).to.equal(vOf(n0) + 1);
    const fresh = await features(c1, 'components', Z15);
    expect(fresh.map((f) => f.properties.code))
      .to.include('99000103001000001')
      .and.have.length(6);
    expect(grid2(await features(n1, 'component_counts', Z13))).to.deep.equal({
      grid_code: '990001001001002',
      count: 3,
      major_01: 1,
      major_02: 1,
      major_03: 1,
    });
    // Without ?v=, within a second the server sees the new version too (the old tiles were dropped).
    await new Promise((r) => setTimeout(r, 1100));
    const plain = await get(`/tiles/components/${Z15.join('/')}.mvt`);
    expect(decode(new Uint8Array(await plain.arrayBuffer()), ...Z15).components.features).to.have.length(6);

    const city = microCity();
    const grid = city.features.find((f) => f.properties.code === '990001001001002')!;
    grid.properties.name = '东湖社区第2网格（更名）';
    await importRegions(
      env.database,
      { type: 'FeatureCollection', features: [grid] },
      { actor: { id: null, name: 'test' } },
    );
    expect(vOf(await tileJson('components'))).to.equal(vOf(c1));
    expect(vOf(await tileJson('component_counts'))).to.equal(vOf(n1) + 1);
  });
});
