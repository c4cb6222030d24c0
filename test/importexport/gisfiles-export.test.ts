/**
 * Export of the region layers as zipped Shapefile and GeoPackage (and GeoJSON with crs and bbox) on the micro-city:
 * the archive's files, .prj, .cpg and .dbf bytes; round trips export → import into an empty database → the same
 * codes, names and geometries (exactly in lon/lat; within 1e-7° from a Gauss–Krüger zone); the bbox filter of the
 * map's download; and, when GDAL is installed, ogrinfo (a real client) opening what we wrote.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { openShapefile } from '../../server/files/shapefile.js';
import { esriWkt } from '../../server/geo/file-crs.js';
import { exportGeoPackage, exportShapefileZip } from '../../server/importexport/export-files.js';
import { exportGeoJson } from '../../server/importexport/export.js';
import { importFeatures, importRegions } from '../../server/importexport/import.js';
import { readBinaryRegions, regionsFromGeoJson } from '../../server/importexport/read.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';
import { collectBytes, gk, snapshot, unzip } from './gis-files.js';

const actor = { id: null, name: 'test' };

function hasOgrinfo(): boolean {
  try {
    execFileSync('ogrinfo', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Every position of the live layers, by code, for comparisons with a tolerance. */
async function positions(database: Database): Promise<Map<string, number[]>> {
  const rows = (
    await sql<{ code: string; g: string }>`
      select code, ST_AsGeoJSON(geom, 15) as g from region where termination_date is null
      union all select code, ST_AsGeoJSON(geom, 15) from unit_grid where termination_date is null`.execute(database.db)
  ).rows;
  return new Map(rows.map((r) => [r.code, (JSON.parse(r.g).coordinates as unknown[]).flat(4) as number[]]));
}

describe(`export as Shapefile and GeoPackage (${DRIVER})`, () => {
  let database: Database;
  let server: TestServer;
  let scratch: Database;
  let reference: Awaited<ReturnType<typeof snapshot>>;

  before(async () => {
    database = await openTestDatabase();
    scratch = await openTestDatabase();
    server = await startTestServer(database);
    await importRegions(database, microCity(), { actor });
    reference = await snapshot(database);
  });
  after(async () => {
    await server?.close();
    await database?.close();
    await scratch?.close();
  });

  /** Imports bytes into the empty scratch database and returns its snapshot and positions. */
  async function intoEmpty(bytes: Uint8Array | null, geojson?: unknown) {
    await sql`truncate region, unit_grid cascade`.execute(scratch.db);
    const r = bytes ? await readBinaryRegions(bytes) : regionsFromGeoJson(geojson);
    expect(r.issues).to.deep.equal([]);
    const s = await importFeatures(scratch, r.features, { actor });
    expect(s.counts.grid.inserted).to.equal(13);
    return { file: r.file, snapshot: await snapshot(scratch), positions: await positions(scratch) };
  }

  it('GET /api/export/all.shp.zip?encoding=gbk: one Shapefile per level with .prj and .cpg, GBK names', async () => {
    const r = await fetch(`${server.url}/api/export/all.shp.zip?encoding=gbk`);
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('application/zip');
    expect(r.headers.get('content-disposition')).to.equal('attachment; filename="wangge-all.shp.zip"');
    const zip = new Uint8Array(await r.arrayBuffer());
    const files = unzip(zip);
    expect(Object.keys(files)).to.deep.equal(
      ['districts', 'streets', 'communities', 'grids'].flatMap((l) =>
        ['shp', 'shx', 'dbf', 'prj', 'cpg'].map((e) => `${l}.${e}`),
      ),
    );
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    expect(text(files['grids.cpg'])).to.equal('GBK');
    expect(text(files['grids.prj'])).to.equal(
      'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
    );
    const dbf = files['grids.dbf'];
    expect(dbf[29]).to.equal(0x4d); // language driver: ANSI 936 (GBK)
    const opened = await openShapefile(zip, { layer: 'grids' });
    expect(opened.header).to.deep.equal(['code', 'name', 'level', 'area_m2', 'init_date']);
    expect(opened.encoding).to.equal('gbk');
    const first = (await opened.records()[Symbol.asyncIterator]().next()).value!;
    expect(first.values).to.deep.include({ code: '990001001001001', name: '东湖社区第1网格', level: 'grid' });
    const area = reference.find((x) => x.code === '990001001001001')!.area_m2;
    expect((first.values as Record<string, unknown>).area_m2).to.equal(Math.round(area * 10) / 10);
    // The .dbf's name field is as wide as the longest GBK name.
    const gridNames = reference.filter((x) => x.code.length === 15).map((x) => x.name);
    expect(dbf[32 + 32 + 16]).to.equal(Math.max(...gridNames.map((n) => iconv.encode(n, 'gbk').length)));
  });

  it('round trip in lon/lat: Shapefile and GeoPackage give the same codes, names and bit-identical geometries', async () => {
    const shp = await collectBytes(exportShapefileZip(database.db, 'all'));
    const viaShp = await intoEmpty(shp);
    expect(viaShp.file.layers.map((l) => [l.name, l.features])).to.deep.equal([
      ['districts', 1],
      ['streets', 2],
      ['communities', 4],
      ['grids', 13],
    ]);
    expect(viaShp.snapshot).to.deep.equal(reference);
    const gpkg = await exportGeoPackage(database.db, 'all');
    const viaGpkg = await intoEmpty(gpkg);
    expect(viaGpkg.file.crs).to.deep.equal({
      districts: 'EPSG:4490',
      streets: 'EPSG:4490',
      communities: 'EPSG:4490',
      grids: 'EPSG:4490',
    });
    expect(viaGpkg.snapshot).to.deep.equal(reference);
  });

  it('round trip through Gauss–Krüger zones (EPSG:4547, EPSG:4522 with zone prefix): within 1e-7°', async () => {
    const mine = await positions(database);
    const check = (got: Map<string, number[]>) => {
      expect([...got.keys()].sort()).to.deep.equal([...mine.keys()].sort());
      let worst = 0;
      for (const [code, xs] of got) {
        const ys = mine.get(code)!;
        expect(xs).to.have.length(ys.length);
        xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - ys[i]))));
      }
      expect(worst).to.be.below(1e-7);
    };
    for (const epsg of [4547, 4522]) {
      const shp = await collectBytes(exportShapefileZip(database.db, 'all', { crs: gk(epsg) }));
      expect(new TextDecoder().decode(unzip(shp)['grids.prj'])).to.equal(esriWkt(gk(epsg)));
      const viaShp = await intoEmpty(shp);
      expect(viaShp.file.crs.grids).to.equal(`EPSG:${epsg}`);
      check(viaShp.positions);
      expect(viaShp.snapshot.map((x) => [x.code, x.name])).to.deep.equal(reference.map((x) => [x.code, x.name]));
      const viaGpkg = await intoEmpty(await exportGeoPackage(database.db, 'all', { crs: gk(epsg) }));
      expect(viaGpkg.file.crs.grids).to.equal(`EPSG:${epsg}`);
      check(viaGpkg.positions);
    }
    let text = '';
    for await (const chunk of exportGeoJson(database.db, 'all', {}, gk(4547))) text += chunk;
    const geojson = JSON.parse(text);
    expect(geojson.crs).to.deep.equal({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4547' } });
    expect(geojson.features[0].geometry.coordinates[0][0][0]).to.deep.equal([-976394.257, 2274934.609]);
    check((await intoEmpty(null, geojson)).positions);
  });

  it('the map download: bbox keeps the features that intersect the view', async () => {
    const bbox = '100.0,20.0,100.0015,20.0015';
    const codes = async (url: string) => {
      const r = await fetch(`${server.url}${url}`);
      expect(r.status).to.equal(200);
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (url.includes('.geojson'))
        return JSON.parse(new TextDecoder().decode(bytes)).features.map((f: any) => f.properties.code);
      return (await readBinaryRegions(bytes)).features.map((f) => f.code);
    };
    const grids = ['990001001001003', '990001001001004', '990001001001005', '990001001001006'];
    expect(await codes(`/api/export/grids.geojson?bbox=${bbox}`)).to.deep.equal(grids);
    expect(await codes(`/api/export/grids.gpkg?bbox=${bbox}`)).to.deep.equal(grids);
    expect(await codes(`/api/export/all.shp.zip?bbox=${bbox}&crs=EPSG:4547`)).to.deep.equal([
      '990001',
      '990001001',
      '990001001001',
      ...grids,
    ]);
    // A view away from the city: a valid, empty file.
    const none = await fetch(`${server.url}/api/export/grids.shp.zip?bbox=110,30,110.1,30.1`);
    const files = unzip(new Uint8Array(await none.arrayBuffer()));
    expect(files['grids.shx']).to.have.length(100);
    expect(await codes('/api/export/grids.gpkg?bbox=110,30,110.1,30.1')).to.deep.equal([]);
  });

  it('bad parameters are 400 with a specific detail', async () => {
    const cases: [string, string][] = [
      [
        '/api/export/grids.gpkg?crs=gcj02',
        'crs "gcj02" is not a coordinate system exports are written in: EPSG:4490 (CGCS2000 lon/lat, the default), EPSG:4326 (WGS84) or a CGCS2000 3° Gauss–Krüger zone EPSG:4513–4554',
      ],
      [
        '/api/export/grids.shp.zip?bbox=100,20,99,21',
        'bbox "100,20,99,21" must be minLon,minLat,maxLon,maxLat in degrees, with min ≤ max (e.g. 100.0,20.0,100.004,20.003)',
      ],
      [
        '/api/export/grids.geojson?bbox=1,2,3',
        'bbox "1,2,3" must be minLon,minLat,maxLon,maxLat in degrees, with min ≤ max (e.g. 100.0,20.0,100.004,20.003)',
      ],
    ];
    for (const [url, detail] of cases) {
      const r = await fetch(`${server.url}${url}`);
      expect([r.status, ((await r.json()) as any).detail]).to.deep.equal([400, detail]);
    }
    const enc = await fetch(`${server.url}/api/export/grids.shp.zip?encoding=latin1`);
    expect(enc.status).to.equal(400);
  });

  const ogr = hasOgrinfo() ? it : it.skip;
  ogr('ogrinfo (GDAL) opens our .gpkg and .shp.zip with the right feature counts and CRS', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-ogr-'));
    try {
      const get = async (url: string, file: string) => {
        const r = await fetch(`${server.url}${url}`);
        fs.writeFileSync(path.join(dir, file), new Uint8Array(await r.arrayBuffer()));
        return path.join(dir, file);
      };
      const info = (target: string) =>
        execFileSync('ogrinfo', ['-ro', '-so', '-al', target], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => /^(Layer name|Feature Count):|^ {4}ID\["EPSG",\d+\]\]$/.test(l))
          .map((l) => l.trim());
      const expected = (epsg: number) => [
        'Layer name: districts',
        'Feature Count: 1',
        `ID["EPSG",${epsg}]]`,
        'Layer name: streets',
        'Feature Count: 2',
        `ID["EPSG",${epsg}]]`,
        'Layer name: communities',
        'Feature Count: 4',
        `ID["EPSG",${epsg}]]`,
        'Layer name: grids',
        'Feature Count: 13',
        `ID["EPSG",${epsg}]]`,
      ];
      expect(info(await get('/api/export/all.gpkg', 'all.gpkg'))).to.deep.equal(expected(4490));
      expect(info(await get('/api/export/all.gpkg?crs=EPSG:4547', 'gk.gpkg'))).to.deep.equal(expected(4547));
      expect(info(`/vsizip/${await get('/api/export/all.shp.zip?encoding=gbk', 'all.shp.zip')}`)).to.deep.equal(
        expected(4490),
      );
      expect(info(`/vsizip/${await get('/api/export/all.shp.zip?crs=EPSG:4522', 'gk.shp.zip')}`)).to.deep.equal(
        expected(4522),
      );
      // GDAL reads the GBK names back through the .cpg.
      const grid = execFileSync(
        'ogrinfo',
        ['-ro', `/vsizip/${path.join(dir, 'all.shp.zip')}`, 'grids', '-where', "code = '990001002002001'"],
        { encoding: 'utf8' },
      );
      expect(grid).to.contain('name (String) = 河东两岸网格');
      expect(grid).to.contain('init_date (Date) = ');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
