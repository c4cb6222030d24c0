/** The tile endpoints over HTTP on the micro-city: status codes, headers, caching, gzip, TileJSON, version bumps. */
import http from 'node:http';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { sql } from 'kysely';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER } from '../helpers/db.js';
import { useMicroCityServer } from '../helpers/micro-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';
import { codesOf, decode } from './helpers.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: any;
}

/** A request without fetch's automatic decompression, so the bytes on the wire can be checked. */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .get(base + path, { headers: { 'accept-encoding': 'identity', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const json = /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(body.toString('utf8')) : undefined;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      })
      .on('error', reject);
  });
}

const W16 = '16/50972/29050'; // west half of the city at z16
const Z17 = [17, 101945, 58101] as const;

describe(`tile HTTP API (${DRIVER})`, () => {
  const env = useMicroCityServer();
  const get = (path: string, headers?: Record<string, string>) => raw(env.server.url, path, headers);

  describe('GET /tiles/{layer}/{z}/{x}/{y}.mvt', () => {
    it('answers 200 with an MVT, a strong ETag, Vary and a short Cache-Control', async () => {
      const r = await get(`/tiles/grids/${W16}.mvt`);
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('application/vnd.mapbox-vector-tile');
      expect(r.headers['content-encoding']).to.equal(undefined);
      expect(r.headers.etag).to.match(/^"[A-Za-z0-9_-]{20,}"$/);
      expect(r.headers.vary).to.equal('Accept-Encoding');
      expect(r.headers['cache-control']).to.equal('public, max-age=60');
      expect(r.headers['access-control-allow-origin']).to.equal('*');
      expect(codesOf(r.body, 'grids', 16, 50972, 29050)).to.have.length(10);
    });

    it('serves the same bytes and ETag again (cache), and 304 on If-None-Match', async () => {
      const a = await get(`/tiles/grids/${W16}.mvt`);
      const b = await get(`/tiles/grids/${W16}.mvt`);
      expect(b.body.equals(a.body)).to.equal(true);
      expect(b.headers.etag).to.equal(a.headers.etag);
      const c = await get(`/tiles/grids/${W16}.mvt`, { 'if-none-match': a.headers.etag! });
      expect(c.status).to.equal(304);
      expect(c.body.length).to.equal(0);
      expect(c.headers.etag).to.equal(a.headers.etag);
      const d = await get(`/tiles/grids/${W16}.mvt`, { 'if-none-match': `"nope", W/${a.headers.etag}` });
      expect(d.status).to.equal(304);
      const e = await get(`/tiles/grids/${W16}.mvt`, { 'if-none-match': '"nope"' });
      expect(e.status).to.equal(200);
    });

    it('gzips when Accept-Encoding allows, with its own ETag, and the bytes round-trip', async () => {
      const plain = await get(`/tiles/grids/${W16}.mvt`);
      const gz = await get(`/tiles/grids/${W16}.mvt`, { 'accept-encoding': 'br;q=1, gzip;q=0.8' });
      expect(gz.status).to.equal(200);
      expect(gz.headers['content-encoding']).to.equal('gzip');
      expect(gz.headers['content-type']).to.equal('application/vnd.mapbox-vector-tile');
      expect(gz.headers.vary).to.equal('Accept-Encoding');
      expect(gz.headers.etag)
        .to.match(/^"[A-Za-z0-9_-]{20,}"$/)
        .and.not.equal(plain.headers.etag);
      expect(gz.body.subarray(0, 2).toString('hex')).to.equal('1f8b');
      expect(zlib.gunzipSync(gz.body).equals(plain.body)).to.equal(true);
      // 304 only for the ETag of the representation that would be sent.
      const c = await get(`/tiles/grids/${W16}.mvt`, { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag! });
      expect(c.status).to.equal(304);
      const d = await get(`/tiles/grids/${W16}.mvt`, {
        'accept-encoding': 'gzip',
        'if-none-match': plain.headers.etag!,
      });
      expect(d.status).to.equal(200);
      const e = await get(`/tiles/grids/${W16}.mvt`, { 'accept-encoding': 'gzip;q=0' });
      expect(e.headers['content-encoding']).to.equal(undefined);
      // fetch() decompresses on its own: what a browser sees.
      const f = await fetch(`${env.server.url}/tiles/grids/${W16}.mvt`);
      expect(Buffer.from(await f.arrayBuffer()).equals(plain.body)).to.equal(true);
    });

    it("answers 204 for a tile without features and below the layer's minzoom", async () => {
      const empty = await get('/tiles/grids/16/50980/29050.mvt');
      expect(empty.status).to.equal(204);
      expect(empty.body.length).to.equal(0);
      expect(empty.headers['cache-control']).to.equal('public, max-age=60');
      // The city is inside grids tile 12/3185/1815, but grids start at z13 (communities show there).
      const low = await get('/tiles/grids/12/3185/1815.mvt');
      expect(low.status).to.equal(204);
      const communities = await get('/tiles/communities/12/3185/1815.mvt');
      expect(communities.status).to.equal(200);
      expect(codesOf(communities.body, 'communities', 12, 3185, 1815)).to.have.length(4);
      expect((await get('/tiles/communities/9/398/226.mvt')).status).to.equal(204);
      const streets = await get('/tiles/streets/8/199/113.mvt');
      expect(codesOf(streets.body, 'streets', 8, 199, 113)).to.deep.equal(['990001001', '990001002']);
    });

    it('answers 400 problem+json for a tile out of range or not a number', async () => {
      const cases: [string, string][] = [
        ['/tiles/grids/23/0/0.mvt', "path parameter 'z' must be <= 22"],
        ['/tiles/grids/-1/0/0.mvt', "path parameter 'z' must be >= 0"],
        ['/tiles/grids/16/65536/0.mvt', 'x must be in 0..65535 at zoom 16 (got x=65536, y=0)'],
        ['/tiles/grids/3/8/8.mvt', 'x and y must be in 0..7 at zoom 3 (got x=8, y=8)'],
        ['/tiles/grids/0/0/1.mvt', 'y must be in 0..0 at zoom 0 (got x=0, y=1)'],
        ['/tiles/grids/a/0/0.mvt', "path parameter 'z' must be integer"],
        ['/tiles/grids/16/1.5/0.mvt', "path parameter 'x' must be integer"],
        ['/tiles/grids/16/0/y.mvt', "path parameter 'y' must be integer"],
        [`/tiles/grids/${W16}.mvt?colour=red`, "unknown query parameter 'colour'"],
        [`/tiles/grids/${W16}.mvt?v=new`, "query parameter 'v' must be integer"],
      ];
      for (const [path, detail] of cases) {
        const r = await get(path);
        expect(r.status, path).to.equal(400);
        expect(r.headers['content-type'], path).to.contain('application/problem+json');
        expect(r.json.detail, path).to.equal(detail);
      }
    });

    it('answers 404 problem+json naming the layers for an unknown layer or path', async () => {
      const r = await get('/tiles/roads/16/50972/29050.mvt');
      expect(r.status).to.equal(404);
      expect(r.headers['content-type']).to.contain('application/problem+json');
      expect(r.json.detail).to.equal(
        'unknown tile layer "roads"; the layers are: grids, communities, streets, cases, components, component_counts',
      );
      const j = await get('/tiles/roads.json');
      expect(j.status).to.equal(404);
      expect(j.json.detail).to.equal(r.json.detail);
      const p = await get(`/tiles/grids/${W16}.pbf`);
      expect(p.status).to.equal(404);
      expect(p.headers['content-type']).to.contain('application/problem+json');
      expect(p.json.detail).to.contain('/tiles/{layer}/{z}/{x}/{y}.mvt');
    });
  });

  describe('GET /tiles/{layer}.json', () => {
    it('is TileJSON 3.0.0 with an absolute, versioned tiles URL, bounds, center and fields', async () => {
      const r = await get('/tiles/grids.json');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.contain('application/json');
      const tj = r.json;
      expect(tj.tilejson).to.equal('3.0.0');
      expect(tj.name).to.equal('grids');
      expect(tj.scheme).to.equal('xyz');
      const v = (
        await sql<{ version: number }>`select version from tile_layer_version where layer = 'grids'`.execute(
          env.database.db,
        )
      ).rows[0].version;
      expect(v).to.be.greaterThan(1_700_000_000); // versions start at the database's creation time (epoch seconds)
      expect(tj.tiles).to.deep.equal([`${env.server.url}/tiles/grids/{z}/{x}/{y}.mvt?v=${v}`]);
      expect([tj.minzoom, tj.maxzoom]).to.deep.equal([13, 18]);
      expect(tj.bounds).to.deep.equal([100, 20, 100.007, 20.003]);
      expect(tj.center).to.deep.equal([100.0035, 20.0015, 16]);
      expect(tj.vector_layers).to.deep.equal([
        {
          id: 'grids',
          description: tj.description,
          minzoom: 13,
          maxzoom: 18,
          fields: { code: 'String', name: 'String', area_m2: 'Number' },
        },
      ]);
      const c = (await get('/tiles/communities.json')).json;
      expect(c.vector_layers[0]).to.include({ id: 'communities', minzoom: 10 });
      expect(c.vector_layers[0].fields).to.deep.equal({ code: 'String', name: 'String' });
      const s = (await get('/tiles/streets.json')).json;
      expect([s.minzoom, s.vector_layers[0].id]).to.deep.equal([8, 'streets']);
    });

    it('builds the tiles URL from the forwarded host and protocol behind a proxy (TRUST_PROXY=true)', async () => {
      const proxied = await startTestServer(env.database, { TRUST_PROXY: 'true' });
      try {
        const r = await raw(proxied.url, '/tiles/streets.json', {
          'x-forwarded-host': 'map.example.org',
          'x-forwarded-proto': 'https',
        });
        expect(r.json.tiles[0]).to.match(
          /^https:\/\/map\.example\.org\/tiles\/streets\/\{z\}\/\{x\}\/\{y\}\.mvt\?v=\d+$/,
        );
      } finally {
        await proxied.close();
      }
    });

    it("ignores X-Forwarded-Host/-Proto without TRUST_PROXY (the default): the URL is the request's own host", async () => {
      const r = await get('/tiles/streets.json', {
        'x-forwarded-host': 'evil.example.com',
        'x-forwarded-proto': 'https',
      });
      const host = new URL(env.server.url).host;
      expect(r.json.tiles[0]).to.match(
        new RegExp(`^http://${host.replace(/\./g, '\\.')}/tiles/streets/\\{z\\}/\\{x\\}/\\{y\\}\\.mvt\\?v=\\d+$`),
      );
    });
  });

  describe('layer versions', () => {
    it('a long Cache-Control only when ?v= is the current version', async () => {
      const v = /\?v=(\d+)$/.exec((await get('/tiles/grids.json')).json.tiles[0])![1];
      const cur = await get(`/tiles/grids/${W16}.mvt?v=${v}`);
      expect(cur.headers['cache-control']).to.equal('public, max-age=86400, immutable');
      const old = await get(`/tiles/grids/${W16}.mvt?v=1`);
      expect(old.headers['cache-control']).to.equal('public, max-age=60');
      expect(old.body.equals(cur.body)).to.equal(true);
      const future = await get(`/tiles/grids/${W16}.mvt?v=999`); // re-reads the version, then serves what there is
      expect(future.status).to.equal(200);
      expect(future.headers['cache-control']).to.equal('public, max-age=60');
      expect(future.body.equals(cur.body)).to.equal(true);
    });

    it('an import bumps the version: new TileJSON URL, new cache key, the new name in the tile', async () => {
      const name = (bytes: Buffer) =>
        decode(bytes, ...Z17).grids.features.find((f) => f.properties.code === '990001001001004')!.properties.name;
      const before = (await get('/tiles/grids.json')).json.tiles[0] as string;
      const tileUrl = (tiles: string) => tiles.replace(env.server.url, '').replace('{z}/{x}/{y}', Z17.join('/'));
      const old = await get(tileUrl(before));
      expect(name(old.body)).to.equal('东湖社区第4网格'); // now cached under the old version

      const city = microCity();
      const grid = city.features.find((f) => f.properties.code === '990001001001004')!;
      grid.properties.name = '东湖社区第4网格（更名）';
      await importRegions(
        env.database,
        { type: 'FeatureCollection', features: [grid] },
        { actor: { id: null, name: 'test' } },
      );

      const after = (await get('/tiles/grids.json')).json.tiles[0] as string;
      expect(after).to.not.equal(before);
      const version = (tiles: string) => Number(/\?v=(\d+)$/.exec(tiles)![1]);
      expect(version(after)).to.equal(version(before) + 1);
      const fresh = await get(tileUrl(after));
      expect(fresh.status).to.equal(200);
      expect(name(fresh.body)).to.equal('东湖社区第4网格（更名）');
      expect(fresh.headers.etag).to.not.equal(old.headers.etag);
      expect(fresh.headers['cache-control']).to.equal('public, max-age=86400, immutable');
      // Within a second, a request without ?v= sees the new version too.
      await new Promise((r) => setTimeout(r, 1100));
      expect(name((await get(`/tiles/grids/${Z17.join('/')}.mvt`)).body)).to.equal('东湖社区第4网格（更名）');
    });
  });

  if (DRIVER === 'pg') {
    it('TILE_ENCODER=geojson-vt serves the same features over HTTP on PostgreSQL', async () => {
      const js: TestServer | undefined = await startTestServer(env.database, { TILE_ENCODER: 'geojson-vt' });
      try {
        for (const path of [W16, '16/50973/29050', Z17.join('/')]) {
          const [z, x, y] = path.split('/').map(Number);
          const a = await raw(env.server.url, `/tiles/grids/${path}.mvt`);
          const b = await raw(js.url, `/tiles/grids/${path}.mvt`);
          expect(b.status).to.equal(200);
          expect(b.headers.etag).to.not.equal(a.headers.etag); // different encoder, different bytes
          expect(codesOf(b.body, 'grids', z, x, y)).to.deep.equal(codesOf(a.body, 'grids', z, x, y));
        }
      } finally {
        await js.close();
      }
    });
  }
});
