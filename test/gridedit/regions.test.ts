/**
 * Region edits on the micro-city: rename a community; a street office split (a new street made of a community:
 * codes follow down to the grids, the library and an open case follow); a community moved to a neighbouring street
 * (the street it leaves empty ends).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { call, caseRow, intake, P, setUpWorld, tearDownWorld, type Account, type World } from '../cases/fixture.js';

const CELL_M2 = 0.001 * 0.001 * 111_320 * Math.cos((20.0015 * Math.PI) / 180) * 110_574;

describe(`region edits (${DRIVER})`, function () {
  this.timeout(240_000);
  let w: World;
  let gis: Account;
  let caseId: number;
  const db = () => w.database.db;
  const send = (method: string, path: string, body?: unknown, ifMatch?: string) =>
    request(w.server, method, path, { token: gis.token, body, headers: ifMatch ? { 'If-Match': ifMatch } : {} });
  const region = async (code: string) =>
    (
      await sql<{ name: string; area_m2: number; version: number }>`
        select name, area_m2, version from region where code = ${code} and termination_date is null`.execute(db())
    ).rows[0];
  const liveGrids = async (prefix: string) =>
    (
      await sql<{
        code: string;
      }>`select code from unit_grid where termination_date is null and left(code, ${prefix.length}) = ${prefix}
        order by code`.execute(db())
    ).rows.map((r) => r.code);

  before(async () => {
    w = await setUpWorld();
    gis = await createUser(db(), 'GIS编辑', 'gis_editor');
    caseId = await intake(w, { location: P.c21 }); // grid 990001001002002 in 西湖社区
    await sql`insert into collector_area (name, grid_codes) values ('西湖片', '{990001001002002}')`.execute(db());
    await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_m2, department_code)
      values ('西湖社区归街道', 'matter', '09', 'regions', '{990001001002}', 30000, 'JD1')`.execute(db());
  });
  after(() => tearDownWorld(w));

  it('renames a community with its ETag', async () => {
    const g = await call(w, 'GET', '/api/regions/990001001002');
    expect(g.headers.get('etag')).to.equal('"1"');
    expect((await send('PATCH', '/api/regions/990001001002', { name: '西湖新社区' }, '"7"')).status).to.equal(412);
    const r = await send('PATCH', '/api/regions/990001001002', { name: '西湖新社区' }, '"1"');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(await region('990001001002')).to.include({ name: '西湖新社区', version: 2 });
  });

  it('a street office split: a new street of a community; codes, the library and the open case follow', async () => {
    const before = await region('990001001');
    const west = await region('990001001002');
    const r = await send('POST', '/api/regions', {
      level: 'street',
      district_code: '990001',
      name: '新湖街道',
      communities: ['990001001002'],
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.summary).to.deep.include({ street: '990001003', moved: { '990001001002': '990001003001' } });
    expect(await region('990001001002')).to.equal(undefined);
    expect(await region('990001003001')).to.include({ name: '西湖新社区' });
    expect((await region('990001003')).area_m2).to.be.closeTo(west.area_m2, 0.01);
    expect((await region('990001001')).area_m2).to.be.closeTo(before.area_m2 - west.area_m2, 0.01);
    expect(await liveGrids('990001001002')).to.deep.equal([]);
    expect(await liveGrids('990001003001')).to.deep.equal(['990001003001001', '990001003001002', '990001003001003']);
    const ca = await sql<{ grid_codes: string[] }>`select grid_codes from collector_area where name = '西湖片'`.execute(
      db(),
    );
    expect(ca.rows[0].grid_codes).to.deep.equal(['990001003001002']);
    const rule = await sql<{
      area_codes: string[];
    }>`select area_codes from resp_rule where name = '西湖社区归街道'`.execute(db());
    expect(rule.rows[0].area_codes).to.deep.equal(['990001003001']);
    const c = await caseRow(w, caseId);
    expect([c.grid_code, c.community_code, c.street_code]).to.deep.equal([
      '990001003001002',
      '990001003001',
      '990001003',
    ]);
    const h = await call(w, 'GET', '/api/grids/990001003001002/history');
    expect(h.body.predecessors).to.deep.equal(['990001001002002']);
  });

  it('moves a community to a neighbouring street; the street it leaves empty ends', async () => {
    const bad = await send('PATCH', '/api/regions/990001003', { street_code: '990001002' });
    expect(bad.status).to.equal(400);
    const far = await send('PATCH', '/api/regions/990001001001', { street_code: '990001002' });
    expect(far.status).to.equal(422);
    expect(far.body.detail).to.match(/do not border/);
    const east = await region('990001002');
    const r = await send('PATCH', '/api/regions/990001003001', { street_code: '990001002' }, '"1"');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.summary.moved).to.deep.equal({ '990001003001': '990001002003' });
    expect(await region('990001003')).to.equal(undefined);
    expect((await region('990001002')).area_m2).to.be.closeTo(east.area_m2 + 3 * CELL_M2, CELL_M2 * 0.01);
    expect(await liveGrids('990001002003')).to.deep.equal(['990001002003001', '990001002003002', '990001002003003']);
    const loc = await call(w, 'GET', `/api/locate?lon=${P.c21.lon}&lat=${P.c21.lat}`);
    expect([loc.body.grid.code, loc.body.street.code]).to.deep.equal(['990001002003002', '990001002']);
  });
});
