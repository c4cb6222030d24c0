/** GeoJSON import (validation, all-or-nothing, history, auth) and export round trip, on the micro-city. */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { exportGeoJson } from '../../server/importexport/export.js';
import { ImportRejected, importRegions } from '../../server/importexport/import.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';

const actor = { id: null, name: 'test' };
type FC = ReturnType<typeof microCity>;

async function counts(database: Database) {
  const r = await sql<{ regions: number; grids: number; audits: number }>`select
    (select count(*)::int from region) as regions, (select count(*)::int from unit_grid) as grids,
    (select count(*)::int from audit_event) as audits`.execute(database.db);
  return r.rows[0];
}

async function rejection(database: Database, fc: unknown): Promise<ImportRejected> {
  try {
    await importRegions(database, fc, { actor });
  } catch (e) {
    if (e instanceof ImportRejected) return e;
    throw e;
  }
  throw new Error('expected the import to be rejected');
}

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let s = '';
  for await (const chunk of gen) s += chunk;
  return s;
}

describe(`import and export (${DRIVER})`, () => {
  let database: Database;
  let server: TestServer;
  let tokens: Record<string, string>;

  before(async () => {
    database = await openTestDatabase();
    server = await startTestServer(database);
    tokens = {
      admin: (await createUser(database.db, 'a', 'admin')).token,
      editor: (await createUser(database.db, 'e', 'gis_editor', '990001')).token,
      otherEditor: (await createUser(database.db, 'o', 'gis_editor', '990002')).token,
      viewer: (await createUser(database.db, 'v', 'viewer')).token,
    };
  });
  after(async () => {
    await server?.close();
    await database?.close();
  });

  describe('validation rejects the whole file and stores nothing', () => {
    const mutate = (fn: (fc: FC) => void): FC => {
      const fc = microCity();
      fn(fc);
      return fc;
    };

    it('a self-intersecting grid, with the location', async () => {
      const before = await counts(database);
      const fc = mutate((c) => {
        // A bow tie over cell (0,2): the diagonals cross at its centre (100.0005, 20.0025).
        c.features[7].geometry = {
          type: 'Polygon',
          coordinates: [
            [
              [100, 20.002],
              [100.001, 20.003],
              [100.001, 20.002],
              [100, 20.003],
              [100, 20.002],
            ],
          ],
        };
      });
      const e = await rejection(database, fc);
      expect(e.issues).to.have.length(1);
      expect(e.issues[0]).to.deep.include({ index: 7, code: '990001001001001', location: [100.0005, 20.0025] });
      expect(e.issues[0].problem).to.match(/^invalid polygon: Self-intersection/);
      expect(await counts(database)).to.deep.equal(before);
    });

    it('overlapping grids of one community', async () => {
      const fc = mutate((c) => {
        // Grid 002 (cell (1,2)) widened west by half a cell: overlaps grid 001 by ≈ 5,790 m².
        c.features[8].geometry = {
          type: 'Polygon',
          coordinates: [
            [
              [100.0005, 20.002],
              [100.002, 20.002],
              [100.002, 20.003],
              [100.0005, 20.003],
              [100.0005, 20.002],
            ],
          ],
        };
      });
      const e = await rejection(database, fc);
      expect(e.issues.map((i) => [i.index, i.code])).to.deep.equal([[7, '990001001001001']]);
      expect(e.issues[0].problem).to.match(/^overlaps grid 990001001001002 of the same community by 57\d\d\.\d\d m²$/);
      expect(await counts(database)).to.deep.include({ grids: 0 });
    });

    it('bad codes, levels, names, parents, rings and projected coordinates, each named', async () => {
      const fc = mutate((c) => {
        c.features[7].properties.code = '99000100100101'; // 14 digits
        c.features[8].properties.level = 'community'; // a 15-digit code
        c.features[9].properties.name = ' ';
        c.features[10].properties.code = '990001001003001'; // community 990001001003 does not exist
        (c.features[11].geometry as any).coordinates[0].pop(); // ring not closed
        (c.features[12].geometry as any).coordinates[0][1] = [500123.4, 3321000.5];
      });
      fc.features[14].properties.code = fc.features[15].properties.code; // a duplicate
      const e = await rejection(database, fc);
      const byIndex = Object.fromEntries(e.issues.map((i) => [i.index, i.problem]));
      expect(byIndex[7]).to.equal(
        'properties.code: code "99000100100101" has 14 digits; expected 6 (district), 9 (street), 12 (community) or 15 (unit grid)',
      );
      expect(byIndex[8]).to.equal('properties.level says community (12 digits) but the code has 15 digits');
      expect(byIndex[9]).to.equal('properties.name is missing or empty');
      expect(byIndex[11]).to.equal('ring 0 is not closed (first and last positions differ)');
      expect(byIndex[12]).to.contain('outside lon/lat range: the file looks projected');
      expect(byIndex[15]).to.equal(`code ${fc.features[15].properties.code} appears twice (also feature 14)`);
      // Parent links are checked once the structure is sound.
      const orphan = mutate((c) => {
        c.features[10].properties.code = '990001001003001';
      });
      const e2 = await rejection(database, orphan);
      expect(e2.issues).to.deep.equal([
        {
          index: 10,
          code: '990001001003001',
          problem: 'parent community 990001001003 is neither in the file nor in the database',
        },
      ]);
    });

    it('not a FeatureCollection', async () => {
      const e = await rejection(database, { type: 'Feature' });
      expect(e.issues[0].problem).to.equal('the file must be a GeoJSON FeatureCollection with a "features" array');
    });
  });

  describe('a good file', () => {
    it('imports every level, counts them and warns about the oversized park ring', async () => {
      const s = await importRegions(database, microCity(), { actor });
      expect(s.total).to.equal(20);
      expect(s.counts).to.deep.equal({
        district: { inserted: 1, replaced: 0, unchanged: 0 },
        street: { inserted: 2, replaced: 0, unchanged: 0 },
        community: { inserted: 4, replaced: 0, unchanged: 0 },
        grid: { inserted: 13, replaced: 0, unchanged: 0 },
      });
      // The ring grid is 8 cells ≈ 92,678 m²: more than the usual unit grid.
      expect(s.warnings).to.deep.equal([
        {
          index: 16,
          code: '990001002001001',
          problem: 'area 92678 m² is far from the usual 10,000 m² of a unit grid (warning range 2500–40000)',
        },
      ]);
    });

    it('re-importing the same file changes nothing; a renamed grid is replaced and its history kept', async () => {
      const again = await importRegions(database, microCity(), { actor });
      expect(again.counts.grid).to.deep.equal({ inserted: 0, replaced: 0, unchanged: 13 });
      const fc = microCity();
      fc.features[7].properties.name = '东湖社区第1网格(新)';
      const s = await importRegions(database, fc, { actor });
      expect(s.counts.grid).to.deep.equal({ inserted: 0, replaced: 1, unchanged: 12 });
      const rows = await sql<{ name: string; live: boolean }>`
        select name, termination_date is null as live from unit_grid where code = '990001001001001' order by id`.execute(
        database.db,
      );
      expect(rows.rows).to.deep.equal([
        { name: '东湖社区第1网格', live: false },
        { name: '东湖社区第1网格(新)', live: true },
      ]);
    });

    it('warns about grids far from 10,000 m²', async () => {
      const fc = microCity();
      fc.features = fc.features.filter(
        (f) => f.properties.level === 'grid' && f.properties.code.startsWith('990001002002'),
      );
      // Shrink grid 002 to a tenth of a cell.
      fc.features[1].geometry = {
        type: 'Polygon',
        coordinates: [
          [
            [100.006, 20.001],
            [100.0061, 20.001],
            [100.0061, 20.002],
            [100.006, 20.002],
            [100.006, 20.001],
          ],
        ],
      };
      const s = await importRegions(database, fc, { actor });
      expect(s.warnings.map((w) => [w.code, w.problem.replace(/area \d+/, 'area N')])).to.deep.equal([
        ['990001002002002', 'area N m² is far from the usual 10,000 m² of a unit grid (warning range 2500–40000)'],
      ]);
      await importRegions(database, microCity(), { actor }); // restore
    });
  });

  describe('POST /api/import', () => {
    const post = (token: string | undefined, body: unknown) =>
      fetch(`${server.url}/api/import`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as any }));

    it('401 without a token, 401 with an unknown token, 403 for a viewer, 403 outside the region scope', async () => {
      const fc = microCity();
      expect((await post(undefined, fc)).status).to.equal(401);
      const unknown = await post('wg_nope', fc);
      expect(unknown.status).to.equal(401);
      expect(unknown.body.detail).to.equal('the bearer token is unknown or disabled');
      const viewer = await post(tokens.viewer, fc);
      expect(viewer.status).to.equal(403);
      expect(viewer.body.detail).to.equal("role 'viewer' may not do this; allowed roles: admin, gis_editor");
      const other = await post(tokens.otherEditor, fc);
      expect(other.status).to.equal(403);
      expect(other.body.detail).to.match(
        /^20 features are outside your region scope 990002; first: feature 0 \(code 990001\)/,
      );
    });

    it('422 with every problem for a bad file; 200 with the summary for a good one; audit recorded', async () => {
      const bad = microCity();
      bad.features[7].properties.code = 'abc';
      const r = await post(tokens.editor, bad);
      expect(r.status).to.equal(422);
      expect(r.type).to.contain('application/problem+json');
      expect(r.body.detail).to.equal(
        '1 problem found, nothing was imported; first: feature 7 (code abc): properties.code: code "abc" must contain digits only',
      );
      expect(r.body.errors[0]).to.include({ index: 7 });
      const before = (await counts(database)).audits;
      const ok = await post(tokens.editor, microCity());
      expect(ok.status).to.equal(200);
      expect(ok.body.counts.grid.unchanged).to.equal(13);
      expect((await counts(database)).audits).to.equal(before + 1);
    });

    it('413 for a body over BODY_LIMIT_MB, with nothing stored', async () => {
      const small = await startTestServer(database, { BODY_LIMIT_MB: '0.001' });
      try {
        const before = await counts(database);
        const r = await fetch(`${small.url}/api/import`, {
          method: 'POST',
          body: JSON.stringify(microCity()),
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens.admin}` },
        });
        expect(r.status).to.equal(413);
        expect(((await r.json()) as any).detail).to.equal('the request body exceeds the limit of 1048 bytes');
        expect(await counts(database)).to.deep.equal(before);
      } finally {
        await small.close();
      }
    });

    it('400 for a body that is not JSON, 415 for a wrong content type', async () => {
      const notJson = await fetch(`${server.url}/api/import`, {
        method: 'POST',
        body: '{"type":',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens.admin}` },
      });
      expect(notJson.status).to.equal(400);
      expect(((await notJson.json()) as any).detail).to.match(/^the request body is not valid JSON/);
      const wrongType = await fetch(`${server.url}/api/import`, {
        method: 'POST',
        body: 'x',
        headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${tokens.admin}` },
      });
      expect(wrongType.status).to.equal(415);
    });
  });

  describe('export', () => {
    it('GET /api/export/{layer}.geojson downloads a whole layer', async () => {
      const r = await fetch(`${server.url}/api/export/grids.geojson`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-grids.geojson"');
      const fc = (await r.json()) as any;
      expect(fc.features).to.have.length(13);
      expect(fc.features[0].properties).to.include({ code: '990001001001001', level: 'grid' });
      const bad = await fetch(`${server.url}/api/export/roads.geojson`);
      expect(bad.status).to.equal(400);
      const part = (await (await fetch(`${server.url}/api/export/all.geojson?prefix=990001002`)).json()) as any;
      expect(part.features.map((f: any) => f.properties.code)).to.deep.equal([
        '990001',
        '990001002',
        '990001002001',
        '990001002002',
        '990001002001001',
        '990001002001002',
        '990001002002001',
        '990001002002002',
      ]);
      const badPrefix = await fetch(`${server.url}/api/export/grids.geojson?prefix=99x`);
      expect(badPrefix.status).to.equal(400);
    });

    it('round trip: exported and re-imported into an empty database gives identical codes, names and areas', async () => {
      const exported = JSON.parse(await collect(exportGeoJson(database.db, 'all')));
      expect(exported.features).to.have.length(20);
      const empty = await openTestDatabase();
      try {
        await importRegions(empty, exported, { actor });
        const snapshot = async (db: Database) =>
          (
            await sql<{ code: string; name: string; area_m2: number }>`
          select code, name, area_m2 from region where termination_date is null
          union all select code, name, area_m2 from unit_grid where termination_date is null order by code`.execute(
              db.db,
            )
          ).rows;
        const a = await snapshot(database),
          b = await snapshot(empty);
        expect(b).to.have.length(20);
        expect(b).to.deep.equal(a);
      } finally {
        await empty.close();
      }
    });
  });
});
