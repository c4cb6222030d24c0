/**
 * The census over HTTP on the micro-city: a GBK CSV with the old field names, a Gauss–Krüger file, refusals that
 * store nothing, the async job, the paged list, If-Match, history.
 */
import { expect } from 'chai';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { zipSync } from 'fflate';
import { lonLatToGaussKruger } from '../../server/geo/gauss-kruger.js';
import { writeShapefile } from '../helpers/shapefile-writer.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

describe(`component census over HTTP (${DRIVER})`, function () {
  this.timeout(120_000);
  const env = useMicroCityServer();
  const tokens: Record<string, string> = {};

  const upload = async (query: string, body: Uint8Array | string, token = tokens.editor) => {
    const r = await fetch(`${env.server.url}/api/components/import?${query}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
      body: typeof body === 'string' ? body : Buffer.from(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, type: r.headers.get('content-type') };
  };
  const count = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from component`.execute(env.database.db)).rows[0].n;

  before(async () => {
    const db = env.database.db;
    await env.database.exec(`insert into department (code, name, kind) values ('SW', '区水务局', '水务')`);
    tokens.editor = (await createUser(db, 'editor', 'gis_editor')).token;
    tokens.scoped = (await createUser(db, 'scoped', 'gis_editor', '990001001')).token;
    tokens.viewer = (await createUser(db, 'viewer', 'viewer')).token;
  });

  it('imports a GBK CSV with the old field names (GBK detected): exact rows, grids from the positions', async () => {
    const csv = [
      'ObjID,ObjName,DeptName1,BGID,ObjState,ORDate,PointX,PointY,巡查备注',
      '99000101001000001,供水井盖,区水务局,990001001001001,完好,20230115,100.0005,20.0025,东门',
      ',垃圾箱,,,"破损",2023-02-01,100.0035,20.0005,',
    ].join('\r\n');
    const r = await upload('name=普查.csv', iconv.encode(csv, 'gbk'));
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.include({ total: 2, inserted: 2, coded: 1, encoding: 'gb18030', crs: 'wgs84' });
    const one = await request(env.server, 'GET', '/api/components/99000101001000001');
    expect(one.body).to.deep.include({
      class: '01001',
      class_name: '供水井盖',
      owner: { code: 'SW', name: '区水务局' },
      grid_code: '990001001001001',
      initial_date: '2023-01-15',
      extras: { 巡查备注: '东门' },
    });
    const bin = await request(env.server, 'GET', '/api/components?class=03005');
    expect(bin.body.features.map((f: any) => f.properties)).to.deep.equal([
      {
        code: '99000103005000001',
        class: '03005',
        class_name: '垃圾箱',
        major: '03',
        name: '垃圾箱',
        status: '破损',
        grid_code: '990001002001001',
        community_code: '990001002001',
        street_code: '990001002',
        owner_code: null,
        maintainer_code: null,
        version: 1,
      },
    ]);
  });

  it('reads Gauss–Krüger X/Y with crs=EPSG:4542 onto the known grid', async () => {
    const [x, y] = lonLatToGaussKruger(4542, 100.0065, 20.0025);
    const r = await upload('crs=EPSG:4542', `GLBJMC,X,Y\n路名牌,${x.toFixed(3)},${y.toFixed(3)}\n`);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const got = await request(env.server, 'GET', '/api/components?class=02012');
    expect(got.body.features[0].properties.grid_code).to.equal('990001002002001');
    expect(got.body.features[0].geometry.coordinates).to.deep.equal([100.0065, 20.0025]);
  });

  it('imports a zipped Shapefile (GBK .dbf without .cpg, Gauss–Krüger .prj): a point and a line on known grids', async () => {
    const gk = (lon: number, lat: number) => lonLatToGaussKruger(4542, lon, lat) as [number, number];
    const layer = (type: 'point' | 'polyline', features: { geometry: any; properties: Record<string, string> }[]) =>
      writeShapefile({
        type,
        encoding: 'gbk',
        fields: [
          { name: 'ObjName', type: 'C', length: 20 },
          { name: 'class', type: 'C', length: 5 },
        ],
        features,
      });
    const prj = new Uint8Array(
      Buffer.from('PROJCS["CGCS2000_3_Degree_GK_CM_99E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]'),
    );
    const pts = layer('point', [
      { geometry: gk(100.0025, 20.0025), properties: { ObjName: '西湖上水井盖', class: '01001' } },
    ]);
    const r = await upload(
      'name=普查点.zip',
      zipSync({ 'pts.shp': pts.shp, 'pts.shx': pts.shx, 'pts.dbf': pts.dbf, 'pts.prj': prj }),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.include({ inserted: 1, crs: 'EPSG:4542', encoding: 'gbk' });
    const fence = layer('polyline', [
      {
        geometry: [[gk(100.0061, 20.0011), gk(100.0069, 20.0011)]],
        properties: { ObjName: '河东护栏', class: '02017' },
      },
    ]);
    const l = await upload(
      'name=护栏.zip',
      zipSync({ 'f.shp': fence.shp, 'f.shx': fence.shx, 'f.dbf': fence.dbf, 'f.prj': prj }),
    );
    expect(l.status, JSON.stringify(l.body)).to.equal(200);
    const got = await sql<{ name: string; grid_code: string; type: string }>`
      select name, grid_code, GeometryType(geom) as type from component where name in ('西湖上水井盖', '河东护栏')
      order by name`.execute(env.database.db);
    expect(got.rows).to.deep.equal([
      { name: '河东护栏', grid_code: '990001002002002', type: 'LINESTRING' },
      { name: '西湖上水井盖', grid_code: '990001001002001', type: 'POINT' },
    ]);
  });

  it('an export re-imports unchanged (CSV, XLSX, GeoJSON)', async () => {
    const n = await count();
    for (const [ext, name] of [
      ['csv', 'census.csv'],
      ['xlsx', 'census.xlsx'],
      ['geojson', 'census.geojson'],
    ]) {
      const out = await fetch(`${env.server.url}/api/export/components.${ext}`);
      expect(out.status).to.equal(200);
      const bytes = new Uint8Array(await out.arrayBuffer());
      const r = await upload(`name=${name}`, bytes);
      expect(r.status, `${ext}: ${JSON.stringify(r.body)}`).to.equal(200);
      expect(r.body, `${ext}: ${JSON.stringify(r.body)}`).to.deep.include({
        total: n,
        inserted: 0,
        updated: 0,
        unchanged: n,
      });
    }
  });

  it('refuses bad files with problem+json and stores nothing: rows, CRS, roles, scope', async () => {
    const before = await count();
    const bad = await upload('', 'GLBJBSM,GLBJMC,lon,lat\n99000101001000009,污水井盖,100.0005,20.0025\n,井盖?,1,2\n');
    expect(bad.status).to.equal(422);
    expect(bad.type).to.match(/^application\/problem\+json/);
    expect(bad.body.errors.map((e: any) => e.text)).to.deep.equal([
      "line 2, column GLBJMC: the code 99000101001000009 names class 01001 (供水井盖) but the row's class is 01002 (污水井盖)",
      'line 3, column GLBJMC: no class: "井盖?" is not a class name of GB/T 47678.5 表A.1; add a class column (分类代码) or a code',
    ]);
    expect((await upload('crs=EPSG:9999', 'a\n1\n')).status).to.equal(400);
    expect((await upload('', 'GLBJMC,lon,lat\n垃圾箱,100.0005,20.0025\n', tokens.viewer)).status).to.equal(403);
    const outside = await upload('', 'GLBJMC,lon,lat\n垃圾箱,100.0045,20.0005\n', tokens.scoped);
    expect(outside.status).to.equal(403);
    expect(outside.body.detail).to.equal(
      '1 row is outside your region scope 990001001; first: line 2: the position lies in 990001002001001, outside your region scope 990001001',
    );
    const notZip = await upload('name=x.zip', 'not a zip');
    expect(notZip.status).to.equal(422);
    expect(notZip.body.detail).to.match(/^the file cannot be imported: /);
    expect(await count()).to.equal(before);
  });

  it('runs as a job with ?async=true: 202, then poll until done', async () => {
    const r = await upload('async=true', 'GLBJMC,lon,lat\n消防设施,100.0015,20.0015\n');
    expect(r.status).to.equal(202);
    expect(r.body.state).to.equal('running');
    let job = r.body;
    for (let i = 0; i < 100 && job.state === 'running'; i++) {
      await new Promise((ok) => setTimeout(ok, 50));
      job = (await request(env.server, 'GET', `/api/components/import/${r.body.id}`, { token: tokens.editor })).body;
    }
    expect(job.state).to.equal('done');
    expect(job.result).to.deep.include({ inserted: 1, total: 1 });
    expect(job.progress.phase).to.equal('done');
  });

  it('pages the list by code with a next link; PATCH with a stale If-Match is 412; history keeps every version', async () => {
    const all = (await request(env.server, 'GET', '/api/components?limit=1000')).body.features.map((f: any) => f.id);
    const p1 = await request(env.server, 'GET', '/api/components?limit=2');
    expect(p1.body.features.map((f: any) => f.id)).to.deep.equal(all.slice(0, 2));
    const p2 = await request(env.server, 'GET', p1.body.next);
    expect(p2.body.features.map((f: any) => f.id)).to.deep.equal(all.slice(2, 4));
    expect((await request(env.server, 'GET', '/api/components?limit=0')).status).to.equal(400);
    expect((await request(env.server, 'GET', '/api/components?limit=1001')).status).to.equal(400);

    const code = '99000101001000001';
    const one = await request(env.server, 'GET', `/api/components/${code}`);
    const etag = one.headers.get('etag')!;
    const ok = await request(env.server, 'PATCH', `/api/components/${code}`, {
      token: tokens.editor,
      body: { status: '丢失' },
      headers: { 'If-Match': etag },
    });
    expect(ok.status).to.equal(200);
    const stale = await request(env.server, 'PATCH', `/api/components/${code}`, {
      token: tokens.editor,
      body: { status: '完好' },
      headers: { 'If-Match': etag },
    });
    expect(stale.status).to.equal(412);
    const gone = await request(env.server, 'DELETE', `/api/components/${code}`, {
      token: tokens.editor,
      headers: { 'If-Match': etag },
    });
    expect(gone.status).to.equal(412);
    const h = await request(env.server, 'GET', `/api/components/${code}/history`);
    expect(h.body.versions.map((v: any) => [v.version, v.status ?? v.attributes.status, v.ended_by])).to.deep.equal([
      [2, '丢失', null],
      [1, '完好', 'edit'],
    ]);
  });
});
