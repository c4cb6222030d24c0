/**
 * Import of regions and grids from zipped Shapefiles and GeoPackages: files made by our own writers from the
 * micro-city, and files made by GDAL's ogr2ogr (test/fixtures/files/make.sh): GBK .dbf with Chinese column names,
 * Gauss–Krüger EPSG:4547, two-table GeoPackage. Each good file, imported over the micro-city imported from GeoJSON,
 * must change nothing (same codes, names and bit-identical geometries); refusals store nothing.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { sql } from 'kysely';
import initSqlJs from 'sql.js';
import { zipSync } from 'fflate';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { FileProblem } from '../../server/files/common.js';
import { ImportRejected, importFeatures, importRegions } from '../../server/importexport/import.js';
import { readBinaryRegions, type ReadOptions } from '../../server/importexport/read.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';
import { ALL_UNCHANGED, counts, geoPackage, gk, shapefileFiles, shapefileZip, snapshot, type FC } from './gis-files.js';

const actor = { id: null, name: 'test' };
const fixture = (name: string) =>
  new Uint8Array(fs.readFileSync(new URL(`../fixtures/files/${name}`, import.meta.url)));

async function importFile(database: Database, bytes: Uint8Array, opts: ReadOptions = {}) {
  const r = await readBinaryRegions(bytes, opts);
  if (r.issues.length) throw new ImportRejected(r.issues);
  return { file: r.file, summary: await importFeatures(database, r.features, { actor }) };
}

async function problemOf(bytes: Uint8Array, opts: ReadOptions = {}): Promise<string> {
  try {
    await readBinaryRegions(bytes, opts);
  } catch (e) {
    if (e instanceof FileProblem) return e.message;
    throw e;
  }
  throw new Error('expected a FileProblem');
}

describe(`import from Shapefile and GeoPackage (${DRIVER})`, () => {
  let database: Database;
  let server: TestServer;
  let admin: string;
  let fc: FC;
  let reference: Awaited<ReturnType<typeof snapshot>>;

  before(async () => {
    database = await openTestDatabase();
    server = await startTestServer(database);
    admin = (await createUser(database.db, 'a', 'admin')).token;
    fc = microCity();
    await importRegions(database, fc, { actor });
    reference = await snapshot(database);
    expect(reference).to.have.length(20);
  });
  after(async () => {
    await server?.close();
    await database?.close();
  });

  describe('files written by our writers', () => {
    it('a zipped Shapefile (UTF-8, EPSG:4490) changes nothing', async () => {
      const { file, summary } = await importFile(database, await shapefileZip(fc.features));
      expect(file).to.deep.equal({
        format: 'shapefile',
        crs: { micro_city: 'EPSG:4490' },
        layers: [{ name: 'micro_city', features: 20 }],
        encoding: 'utf8 (.cpg)',
      });
      expect(summary.counts).to.deep.equal(ALL_UNCHANGED);
      expect(await snapshot(database)).to.deep.equal(reference);
    });

    it('a GBK .dbf without .cpg is read as GBK (the default); encoding=utf8 would garble it', async () => {
      const zip = await shapefileZip(fc.features, { encoding: 'gbk', cpg: false });
      const r = await readBinaryRegions(zip);
      expect(r.file.encoding).to.equal('gbk (default)');
      expect(r.features.map((f) => f.name)).to.deep.equal(fc.features.map((f) => f.properties.name));
      expect((await importFile(database, zip)).summary.counts).to.deep.equal(ALL_UNCHANGED);
      const wrong = await readBinaryRegions(zip, { encoding: 'utf8' });
      expect(wrong.features[0].name).to.not.equal('微型示范区');
    });

    it('Gauss–Krüger EPSG:4542 (CM 99°E) without a .prj needs crs=; with it the grids land where they were', async () => {
      const zip = await shapefileZip(fc.features, { crs: gk(4542), prj: false });
      const r = await readBinaryRegions(zip);
      expect(r.issues).to.have.length(20);
      expect(r.issues[0].problem).to.match(
        /^ring 0 has \[6\d{5}\.\d+, 22\d{5}\.\d+\], outside lon\/lat range: the file looks projected \(e\.g\. Gauss–Krüger metres\); name its CRS with crs= \(e\.g\. crs=EPSG:4547\)/,
      );
      expect(r.issues[0]).to.include({ index: 0, code: '990001', layer: 'micro_city', row: 0 });
      const { file, summary } = await importFile(database, zip, { crs: gk(4542) });
      expect(file.crs).to.deep.equal({ micro_city: 'EPSG:4542' });
      expect(summary.counts).to.deep.equal(ALL_UNCHANGED);
    });

    it('a GeoPackage of two tables, all or one of them (layer=)', async () => {
      const gpkg = await geoPackage({
        regions: fc.features.filter((f) => f.properties.level !== 'grid'),
        grids: fc.features.filter((f) => f.properties.level === 'grid'),
      });
      const all = await importFile(database, gpkg);
      expect(all.file).to.deep.equal({
        format: 'geopackage',
        crs: { regions: 'EPSG:4490', grids: 'EPSG:4490' },
        layers: [
          { name: 'regions', features: 7 },
          { name: 'grids', features: 13 },
        ],
      });
      expect(all.summary.counts).to.deep.equal(ALL_UNCHANGED);
      const one = await importFile(database, gpkg, { layer: 'GRIDS' });
      expect(one.file.layers).to.deep.equal([{ name: 'grids', features: 13 }]);
      expect(one.summary.counts.grid).to.deep.equal({ inserted: 0, replaced: 0, unchanged: 13 });
      expect(await problemOf(gpkg, { layer: 'roads' })).to.equal(
        'the GeoPackage has no feature table "roads"; its feature tables: regions, grids',
      );
    });

    it('a GeoPackage in EPSG:4547 changes nothing', async () => {
      const { file, summary } = await importFile(database, await geoPackage({ city: fc.features }, gk(4547)));
      expect(file.crs).to.deep.equal({ city: 'EPSG:4547' });
      expect(summary.counts).to.deep.equal(ALL_UNCHANGED);
      expect(await snapshot(database)).to.deep.equal(reference);
    });

    it('problems name the feature, its layer and row; nothing is stored', async () => {
      const bad = microCity();
      bad.features[9].properties.code = '99000100100100X';
      const grids = bad.features.filter((f) => f.properties.level === 'grid');
      const e = await importFile(database, await geoPackage({ regions: bad.features.slice(0, 7), grids }))
        .then(() => null)
        .catch((x: unknown) => x);
      expect(e).to.be.instanceOf(ImportRejected);
      expect((e as ImportRejected).issues).to.deep.equal([
        {
          index: 9,
          code: '99000100100100X',
          problem: 'properties.code: code "99000100100100X" must contain digits only',
          layer: 'grids',
          row: 2,
        },
      ]);
      expect(await snapshot(database)).to.deep.equal(reference);
    });

    it('an unreadable geometry blob is reported for its row', async () => {
      const SQL = await initSqlJs();
      const db = new SQL.Database(await geoPackage({ city: fc.features }));
      db.run("update city set geom = x'47500001e6100000010300' where code = '990001001001002'");
      const damaged = db.export();
      db.close();
      const r = await readBinaryRegions(damaged);
      expect(r.issues).to.deep.equal([
        {
          index: 8,
          code: '990001001001002',
          problem: 'the geometry cannot be read: the geometry ends early (byte 9 of 11)',
          layer: 'city',
          row: 8,
        },
      ]);
    });
  });

  describe('files written by GDAL (ogr2ogr)', () => {
    it('GBK .dbf with Chinese column names (编码, 名称, 层级) and .cpg GBK', async () => {
      const { file, summary } = await importFile(database, fixture('micro-city-gbk.shp.zip'));
      expect(file).to.deep.include({ crs: { micro_city: 'EPSG:4490' }, encoding: 'gbk (.cpg)' });
      expect(summary.counts).to.deep.equal(ALL_UNCHANGED);
      expect(await snapshot(database)).to.deep.equal(reference);
    });

    it('Gauss–Krüger EPSG:4547 Shapefile (.prj CGCS2000_3_Degree_GK_CM_114E) lands on the known grids', async () => {
      const { file, summary } = await importFile(database, fixture('micro-city-4547.shp.zip'));
      expect(file.crs).to.deep.equal({ micro_city: 'EPSG:4547' });
      expect(summary.counts).to.deep.equal(ALL_UNCHANGED);
      const at = async (lon: number, lat: number) =>
        (
          await sql<{ code: string }>`select code from unit_grid where termination_date is null
            and ST_Contains(geom, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326))`.execute(database.db)
        ).rows.map((r) => r.code);
      expect(await at(100.0005, 20.0025)).to.deep.equal(['990001001001001']); // cell (0, 2)
      expect(await at(100.0065, 20.0005)).to.deep.equal(['990001002002001']); // the MultiPolygon's southern cell
      expect(await at(100.0045, 20.0015)).to.deep.equal(['990001002001002']); // the centre cell, the ring's hole
    });

    it('GeoPackages: two tables in EPSG:4490, one table in EPSG:4547', async () => {
      const two = await importFile(database, fixture('micro-city-4490.gpkg'));
      expect(two.file.layers).to.deep.equal([
        { name: 'regions', features: 7 },
        { name: 'grids', features: 13 },
      ]);
      expect(two.summary.counts).to.deep.equal(ALL_UNCHANGED);
      const gk4547 = await importFile(database, fixture('micro-city-4547.gpkg'));
      expect(gk4547.file.crs).to.deep.equal({ micro_city: 'EPSG:4547' });
      expect(gk4547.summary.counts).to.deep.equal(ALL_UNCHANGED);
      expect(await snapshot(database)).to.deep.equal(reference);
    });
  });

  describe('POST /api/import with a file', () => {
    const post = async (body: Uint8Array, type: string, query = '') => {
      const r = await fetch(`${server.url}/api/import${query}`, {
        method: 'POST',
        body: body as Uint8Array<ArrayBuffer>,
        headers: { 'Content-Type': type, Authorization: `Bearer ${admin}` },
      });
      return { status: r.status, body: (await r.json()) as any };
    };

    it('application/zip and application/geopackage+sqlite3: 200 with the counts and what was read', async () => {
      const shp = await post(fixture('micro-city-gbk.shp.zip'), 'application/zip');
      expect(shp.status).to.equal(200);
      expect(shp.body.counts).to.deep.equal(ALL_UNCHANGED);
      expect(shp.body.file.format).to.equal('shapefile');
      // The PostGIS checks' warnings name the layer and row too.
      expect(shp.body.warnings.map((w: any) => [w.index, w.code, w.layer, w.row])).to.deep.equal([
        [16, '990001002001001', 'micro_city', 16],
      ]);
      const gpkg = await post(fixture('micro-city-4490.gpkg'), 'application/geopackage+sqlite3', '?layer=grids');
      expect(gpkg.status).to.equal(200);
      expect(gpkg.body.file.layers).to.deep.equal([{ name: 'grids', features: 13 }]);
      expect(gpkg.body.warnings.map((w: any) => [w.index, w.layer, w.row])).to.deep.equal([[9, 'grids', 9]]);
      // The format is told by the bytes, not the declared type.
      const declaredJson = await post(fixture('micro-city-4547.gpkg'), 'application/octet-stream');
      expect(declaredJson.status).to.equal(200);
      expect(declaredJson.body.file).to.deep.include({ format: 'geopackage', crs: { micro_city: 'EPSG:4547' } });
    });

    it('refusals are 4xx with a specific detail and store nothing', async () => {
      const before = await counts(database);
      const zip = await shapefileFiles(fc.features);
      const without = (ext: string) =>
        zipSync(Object.fromEntries(Object.entries(zip).filter(([name]) => !name.endsWith(ext))));
      const good = zipSync(zip);
      const xian80 =
        'PROJCS["Xian_1980_3_Degree_GK_CM_114E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["Central_Meridian",114.0],UNIT["Meter",1.0]]';
      const emptyGpkg = await geoPackage({});
      const SQL = await initSqlJs();
      const plain = new SQL.Database();
      plain.run('create table t (a)');
      const sqlite = plain.export();
      plain.close();
      const cases: [Uint8Array, string, string, number, string][] = [
        [
          good.subarray(0, good.length - 30),
          'application/zip',
          '',
          422,
          'the file cannot be imported: the file is not a readable zip archive: invalid zip data',
        ],
        [
          without('.dbf'),
          'application/zip',
          '',
          422,
          'the file cannot be imported: the zip archive has micro_city.shp but no micro_city.dbf (its attribute table)',
        ],
        [without('.shp'), 'application/zip', '', 422, 'the file cannot be imported: the zip archive has no .shp file'],
        [
          zipSync({ ...zip, 'micro_city.prj': new TextEncoder().encode(xian80) }),
          'application/zip',
          '',
          422,
          `the file cannot be imported: the .prj of layer micro_city names ${xian80.slice(0, 120)}, a coordinate system this import does not convert; name the file's CRS with crs= (--crs): EPSG:4326, EPSG:4490, gcj02, bd09 or a CGCS2000 3° Gauss–Krüger zone EPSG:4513–4554`,
        ],
        [
          good,
          'application/zip',
          '?layer=roads',
          422,
          'the file cannot be imported: the zip archive has no Shapefile layer "roads"; its layers: micro_city',
        ],
        [
          emptyGpkg,
          'application/geopackage+sqlite3',
          '',
          422,
          'the file cannot be imported: the GeoPackage has no feature table (gpkg_contents lists no "features" table)',
        ],
        [
          sqlite,
          'application/geopackage+sqlite3',
          '',
          422,
          'the file cannot be imported: the file is an SQLite database but not a GeoPackage: it has no gpkg_contents table',
        ],
        [
          good,
          'application/zip',
          '?crs=EPSG:3857',
          400,
          'crs "EPSG:3857" is not one of wgs84, cgcs2000 (EPSG:4326, EPSG:4490), gcj02, bd09, or a CGCS2000 3° Gauss–Krüger projection EPSG:4513–4554',
        ],
        [
          good,
          'text/csv',
          '',
          415,
          'send the file as application/geo+json (GeoJSON), application/zip (zipped Shapefile) or application/geopackage+sqlite3 (GeoPackage) (got "text/csv")',
        ],
      ];
      for (const [body, type, query, status, detail] of cases) {
        const r = await post(body, type, query);
        expect([r.status, r.body.detail]).to.deep.equal([status, detail]);
      }
      expect(await counts(database)).to.deep.equal(before);
    });
  });
});
