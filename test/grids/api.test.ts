/** Regions, unit grids and point location over HTTP, on the micro-city where every answer is known. */
import { expect } from 'chai';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

describe(`grids API (${DRIVER})`, () => {
  const env = useMicroCityServer();
  const get = async (path: string) => {
    const r = await request(env.server, 'GET', path);
    return {
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      body: r.body === undefined ? r.text : r.body,
    };
  };

  describe('GET /api/regions', () => {
    it('lists streets with names, parents and areas', async () => {
      const r = await get('/api/regions?level=street');
      expect(r.status).to.equal(200);
      expect(r.type).to.contain('application/geo+json');
      expect(
        r.body.features.map((f: any) => [f.properties.code, f.properties.name, f.properties.parent_code]),
      ).to.deep.equal([
        ['990001001', '湖滨街道', '990001'],
        ['990001002', '山前街道', '990001'],
      ]);
      expect(r.body.features[0].geometry.type).to.equal('MultiPolygon');
    });
    it('lists communities under a parent without geometry', async () => {
      const r = await get('/api/regions?level=community&parent=990001002&geometry=false');
      expect(r.body.features.map((f: any) => f.properties.code)).to.deep.equal(['990001002001', '990001002002']);
      expect(r.body.features[0].geometry).to.equal(null);
    });
    it('rejects a missing or unknown level', async () => {
      const a = await get('/api/regions');
      expect(a.status).to.equal(400);
      expect(a.type).to.contain('application/problem+json');
      expect(a.body.detail).to.equal("missing required query parameter 'level'");
      const b = await get('/api/regions?level=province');
      expect(b.status).to.equal(400);
      expect(b.body.detail).to.equal('query parameter \'level\' must be one of "district", "street", "community"');
    });
    it('rejects an unknown query parameter', async () => {
      const r = await get('/api/regions?level=street&colour=red');
      expect(r.status).to.equal(400);
      expect(r.body.detail).to.equal("unknown query parameter 'colour'");
    });
  });

  describe('GET /api/regions/{code}', () => {
    it('returns a community with its area', async () => {
      const r = await get('/api/regions/990001001001');
      expect(r.status).to.equal(200);
      expect(r.body.properties).to.include({
        code: '990001001001',
        name: '东湖社区',
        level: 'community',
        parent_code: '990001001',
      });
      // 2 × 3 cells of 0.001° at lat 20°: ≈ 6 × 11,580 m²
      expect(r.body.properties.area_m2).to.be.within(69_000, 70_000);
    });
    it('400 for a code of the wrong length or with letters, 404 for an unknown code', async () => {
      const a = await get('/api/regions/99000');
      expect(a.status).to.equal(400);
      expect(a.body.detail).to.contain('has 5 digits');
      const b = await get('/api/regions/99000100100A');
      expect(b.status).to.equal(400);
      expect(b.body.detail).to.contain('digits only');
      const c = await get('/api/regions/990001009');
      expect(c.status).to.equal(404);
      expect(c.body.detail).to.equal('no street with code 990001009');
      const d = await get('/api/regions/990001001001001');
      expect(d.status).to.equal(400);
      expect(d.body.detail).to.contain('/api/grids/990001001001001');
    });
  });

  describe('GET /api/grids', () => {
    it('pages through all 13 grids by code with a cursor', async () => {
      const p1 = await get('/api/grids?limit=5');
      expect(p1.status).to.equal(200);
      expect(p1.body.numberReturned).to.equal(5);
      expect(p1.body.cursor).to.equal('990001001001005');
      const codes: string[] = p1.body.features.map((f: any) => f.id);
      let next = p1.body.next;
      while (next) {
        const p = await get(next);
        codes.push(...p.body.features.map((f: any) => f.id));
        next = p.body.next;
      }
      expect(codes).to.have.length(13);
      expect(codes).to.deep.equal([...codes].sort());
      expect(new Set(codes).size).to.equal(13);
    });
    it('filters by bbox: the western column of cells', async () => {
      const r = await get('/api/grids?bbox=100.0002,20.0002,100.0008,20.0028');
      expect(r.body.features.map((f: any) => f.id)).to.deep.equal([
        '990001001001001',
        '990001001001003',
        '990001001001005',
      ]);
    });
    it('filters by community', async () => {
      const r = await get('/api/grids?community=990001002002');
      expect(r.body.features.map((f: any) => [f.id, f.geometry.type])).to.deep.equal([
        ['990001002002001', 'MultiPolygon'],
        ['990001002002002', 'MultiPolygon'],
      ]);
      expect(r.body.features[0].geometry.coordinates).to.have.length(2);
    });
    it('rejects malformed bboxes, oversized limits and bad cursors', async () => {
      const cases: [string, string][] = [
        ['bbox=1,2,3', 'four comma-separated numbers'],
        ['bbox=100,20,a,21', "query parameter 'bbox'"],
        ['bbox=100,20,99,21', 'minLon 100 must be less than maxLon 99'],
        ['bbox=100,20,101,95', 'maxLat 95 is outside -90..90'],
        ['limit=5000', "query parameter 'limit' must be <= 1000"],
        ['limit=0', "query parameter 'limit' must be >= 1"],
        ['limit=ten', "query parameter 'limit' must be integer"],
        ['cursor=123', "query parameter 'cursor' must be a 15-digit unit-grid code"],
        ['community=99000100100', "query parameter 'community' must be a 12-digit community code"],
      ];
      for (const [qs, text] of cases) {
        const r = await get(`/api/grids?${qs}`);
        expect(r.status, qs).to.equal(400);
        expect(r.type, qs).to.contain('application/problem+json');
        expect(r.body.detail, qs).to.contain(text);
      }
    });
  });

  describe('GET /api/grids/{code}', () => {
    it('returns the grid with area, community and street names', async () => {
      const r = await get('/api/grids/990001002001001');
      expect(r.status).to.equal(200);
      expect(r.body.properties).to.include({
        code: '990001002001001',
        name: '公园环路网格',
        community_code: '990001002001',
        community_name: '公园社区',
        street_code: '990001002',
        street_name: '山前街道',
        district_code: '990001',
        district_name: '微型示范区',
      });
      // The ring is 8 cells: 9 cells minus the hole.
      const cell = (await get('/api/grids/990001002001002')).body.properties.area_m2;
      expect(r.body.properties.area_m2).to.be.closeTo(8 * cell, 1);
      expect(r.body.geometry.coordinates[0]).to.have.length(2); // shell + hole
    });
    it('400 for a wrong-length code, 404 for an unknown one', async () => {
      const a = await get('/api/grids/9900010010010');
      expect(a.status).to.equal(400);
      expect(a.body.detail).to.equal('a grid code has 15 digits; "9900010010010" has 13');
      const b = await get('/api/grids/990001001001099');
      expect(b.status).to.equal(404);
      expect(b.body.detail).to.equal('no unit grid with code 990001001001099');
    });
  });

  describe('GET /api/locate', () => {
    const locate = (lon: number, lat: number) => get(`/api/locate?lon=${lon}&lat=${lat}`);
    it('finds the grid, community, street and district of an interior point', async () => {
      const r = await locate(100.0005, 20.0005);
      expect(r.status).to.equal(200);
      expect(r.body.grid.code).to.equal('990001001001005');
      expect(r.body.community).to.deep.equal({ code: '990001001001', name: '东湖社区' });
      expect(r.body.street).to.deep.equal({ code: '990001001', name: '湖滨街道' });
      expect(r.body.district).to.deep.equal({ code: '990001', name: '微型示范区' });
      expect(r.body.onBoundary).to.equal(false);
      expect(r.body.candidates).to.deep.equal(['990001001001005']);
    });
    it('a point on a shared edge goes to the lower code', async () => {
      const r = await locate(100.001, 20.0015);
      expect(r.body.grid.code).to.equal('990001001001003');
      expect(r.body.onBoundary).to.equal(true);
      expect(r.body.candidates).to.deep.equal(['990001001001003', '990001001001004']);
    });
    it('a vertex shared by four grids in two communities goes to the lowest code', async () => {
      const r = await locate(100.002, 20.001);
      expect(r.body.candidates).to.deep.equal([
        '990001001001004',
        '990001001001006',
        '990001001002002',
        '990001001002003',
      ]);
      expect(r.body.grid.code).to.equal('990001001001004');
      expect(r.body.community.code).to.equal('990001001001');
    });
    it('a point in a hole belongs to the grid filling the hole', async () => {
      const r = await locate(100.0045, 20.0015);
      expect(r.body.grid.code).to.equal('990001002001002');
      expect(r.body.candidates).to.deep.equal(['990001002001002']);
    });
    it('a point in either part of a MultiPolygon grid finds it', async () => {
      expect((await locate(100.0065, 20.0025)).body.grid.code).to.equal('990001002002001');
      expect((await locate(100.0065, 20.0005)).body.grid.code).to.equal('990001002002001');
      expect((await locate(100.0065, 20.0015)).body.grid.code).to.equal('990001002002002');
    });
    it('a point outside coverage is 200 with grid null, a reason and the nearest grid', async () => {
      const r = await locate(99.99, 20.0005);
      expect(r.status).to.equal(200);
      expect(r.body.grid).to.equal(null);
      expect(r.body.reason).to.equal('outside_coverage');
      expect(r.body.nearest.code).to.equal('990001001001005');
      // 0.01° of longitude at lat 20.0005° ≈ 1,046 m
      expect(r.body.nearest.distance_m).to.be.within(1040, 1052);
      expect(r.body.detail).to.match(/nearest is 990001001001005 \(东湖社区第5网格\), 10\d\d m away/);
    });
    it('rejects missing, non-numeric and out-of-range coordinates', async () => {
      const cases: [string, string][] = [
        ['lon=100', "missing required query parameter 'lat'"],
        ['lon=abc&lat=20', "query parameter 'lon' must be number"],
        ['lon=181&lat=20', "query parameter 'lon' must be <= 180"],
        ['lon=100&lat=-91', "query parameter 'lat' must be >= -90"],
      ];
      for (const [qs, detail] of cases) {
        const r = await get(`/api/locate?${qs}`);
        expect(r.status, qs).to.equal(400);
        expect(r.body.detail, qs).to.equal(detail);
      }
    });
  });

  describe('GET /api/health and /api/openapi.json', () => {
    it('reports the driver and PostGIS version', async () => {
      const r = await get('/api/health');
      expect(r.status).to.equal(200);
      expect(r.body.status).to.equal('ok');
      expect(r.body.driver).to.equal(DRIVER);
      expect(r.body.database.reachable).to.equal(true);
      expect(r.body.database.postgis).to.match(/^3\.\d+/);
    });
    it('documents every route with its parameters', async () => {
      const r = await get('/api/openapi.json');
      expect(r.body.openapi).to.equal('3.1.0');
      const locate = r.body.paths['/api/locate'].get;
      expect(locate.parameters.map((p: any) => [p.name, p.required])).to.deep.equal([
        ['lon', true],
        ['lat', true],
      ]);
      expect(r.body.paths['/api/grids/{code}'].get.responses).to.have.property('404');
      expect(r.body.paths['/api/import'].post.security).to.deep.equal([{ bearer: [] }]);
    });
    it('unknown API routes are 404 problem+json', async () => {
      const r = await get('/api/nothing-here');
      expect(r.status).to.equal(404);
      expect(r.type).to.contain('application/problem+json');
      expect(r.body.detail).to.contain('GET /api/nothing-here');
    });
  });
});
