/**
 * Boundary edits on the micro-city (cells of 0.001°, every answer known): split, reshape a shared vertex, merge,
 * retire, move to another community, create in a gap, If-Match, refusals that store nothing, history and `at`.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { call, setUpWorld, tearDownWorld, type Account, type World } from '../cases/fixture.js';

const line = (...c: [number, number][]) => ({ type: 'LineString', coordinates: c });

describe(`grid edits (${DRIVER})`, function () {
  this.timeout(240_000);
  let w: World;
  let gis: Account;
  const db = () => w.database.db;
  const live = async (code: string) =>
    (
      await sql<{ version: number; area_m2: number; name: string }>`
        select version, area_m2, name from unit_grid where code = ${code} and termination_date is null`.execute(db())
    ).rows[0];
  const etag = async (code: string) => `"${(await live(code)).version}"`;
  const send = (method: string, path: string, body?: unknown, ifMatch?: string, token = gis.token) =>
    request(w.server, method, path, { token, body, headers: ifMatch ? { 'If-Match': ifMatch } : {} });
  const gapOf = async (community: string) =>
    (
      await sql<{ gap: number; overlap: number }>`
        with u as (select ST_Union(geom) g, sum(ST_Area(geom::geography)) s from unit_grid
                   where community_code = ${community} and termination_date is null),
        c as (select geom from region where code = ${community} and termination_date is null)
        select ST_Area(ST_Difference(c.geom, u.g)::geography) as gap, u.s - ST_Area(u.g::geography) as overlap from u, c`.execute(
        db(),
      )
    ).rows[0];

  before(async () => {
    w = await setUpWorld();
    gis = await createUser(db(), 'GIS编辑', 'gis_editor');
    await sql`update unit_grid set initial_date = '2026-01-01'`.execute(db());
    await sql`update region set initial_date = '2026-01-01'`.execute(db());
  });
  after(() => tearDownWorld(w));
  const M2 = (deg2: number) => deg2 * 111_320 * Math.cos((20.0015 * Math.PI) / 180) * 110_574; // near enough

  it('splits a grid by a line: two new codes, the old one retired, neighbours get the new vertices', async () => {
    const before = await live('990001001001004');
    const r = await send(
      'POST',
      '/api/grids/990001001001004/split',
      { line: line([100.0015, 20.0005], [100.0015, 20.0025]) },
      await etag('990001001001004'),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.summary.into).to.deep.equal(['990001001001007', '990001001001008']);
    expect(r.body.retired).to.deep.equal(['990001001001004']);
    expect(r.body.created).to.deep.equal(['990001001001007', '990001001001008']);
    // The neighbours that got the split's end points as vertices have new versions.
    expect(r.body.changed).to.deep.equal(['990001001001002', '990001001001006']);
    expect(await live('990001001001004')).to.equal(undefined);
    const a = await live('990001001001007');
    const b = await live('990001001001008');
    expect(a.name).to.equal(`${before.name}-1`);
    expect(a.area_m2 + b.area_m2).to.be.closeTo(before.area_m2, 0.01);
    expect(a.area_m2).to.be.closeTo(before.area_m2 / 2, 1);
    // West piece first (same latitude): a point west of the line lies in 007.
    const loc = await call(w, 'GET', '/api/locate?lon=100.0012&lat=20.0015');
    expect(loc.body.grid.code).to.equal('990001001001007');
    // The northern and southern neighbours got the split's end points as vertices.
    const hasVertex = async (code: string, lon: number, lat: number) =>
      (
        await sql<{ n: number }>`select count(*)::int as n from unit_grid g, lateral ST_DumpPoints(g.geom) p
          where g.termination_date is null and g.code = ${code}
            and ST_DWithin(p.geom, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 1e-9)`.execute(db())
      ).rows[0].n > 0;
    expect(await hasVertex('990001001001002', 100.0015, 20.002)).to.equal(true);
    expect(await hasVertex('990001001001006', 100.0015, 20.001)).to.equal(true);
    expect(await hasVertex('990001001001003', 100.0015, 20.001)).to.equal(false);
    const g = await gapOf('990001001001');
    expect(g.gap).to.be.below(0.01);
    expect(g.overlap).to.be.below(0.01);
  });

  it('moves a shared vertex: every grid through it follows, no gap, no overlap', async () => {
    const n = await live('990001001001002');
    const r = await send(
      'POST',
      '/api/grids/990001001001007/reshape',
      { action: 'move', at: [100.0015, 20.002], to: [100.0015, 20.0022] },
      await etag('990001001001007'),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.summary.changed).to.include.members([
      'grid:990001001001002',
      'grid:990001001001007',
      'grid:990001001001008',
    ]);
    const n2 = await live('990001001001002');
    // The triangle of base 0.001° and height 0.0002° went from 002 to 007 and 008.
    expect(n.area_m2 - n2.area_m2).to.be.closeTo(M2(0.5 * 0.001 * 0.0002), 15);
    expect(n2.version).to.equal(n.version + 1);
    const g = await gapOf('990001001001');
    expect(g.gap).to.be.below(0.01);
    expect(g.overlap).to.be.below(0.01);
  });

  it('refuses a vertex move that would fold a grid (422 listing the problem) and stores nothing', async () => {
    const before = await live('990001001001002');
    const changes = (await sql<{ n: number }>`select count(*)::int as n from grid_change`.execute(db())).rows[0].n;
    const r = await send(
      'POST',
      '/api/grids/990001001001007/reshape',
      { action: 'move', at: [100.0015, 20.0022], to: [100.0015, 20.0035] },
      await etag('990001001001007'),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(422);
    expect(r.body.problems.length).to.be.greaterThan(0);
    expect(r.body.detail).to.match(/990001001001002/);
    expect(await live('990001001001002')).to.deep.equal(before);
    expect((await sql<{ n: number }>`select count(*)::int as n from grid_change`.execute(db())).rows[0].n).to.equal(
      changes,
    );
  });

  it('a stale If-Match is 412, a line that misses the grid is 422, another role is 403', async () => {
    const stale = await send(
      'POST',
      '/api/grids/990001001001003/split',
      { line: line([100.0005, 20.0], [100.0005, 20.003]) },
      '"99"',
    );
    expect(stale.status).to.equal(412);
    const miss = await send('POST', '/api/grids/990001001001003/split', {
      line: line([100.01, 20.0], [100.01, 20.003]),
    });
    expect(miss.status).to.equal(422);
    expect(miss.body.detail).to.match(/does not cut/);
    const other = await createUser(db(), '山前GIS', 'gis_editor', '990001002');
    const outside = await send(
      'POST',
      '/api/grids/990001001001003/split',
      { line: line([100.0005, 20.0], [100.0005, 20.003]) },
      undefined,
      other.token,
    );
    expect(outside.status).to.equal(403);
    expect(outside.body.detail).to.match(/outside your region scope 990001002/);
    const disp = await send(
      'POST',
      '/api/grids/990001001001003/split',
      { line: line([100.0005, 20.0], [100.0005, 20.003]) },
      undefined,
      w.u.disp.token,
    );
    expect(disp.status).to.equal(403);
  });

  it('merges adjacent grids: the lowest code survives, collector areas follow', async () => {
    await sql`insert into collector_area (name, grid_codes) values ('东湖南片', '{990001001001006}')`.execute(db());
    const a = await live('990001001001005');
    const b = await live('990001001001006');
    const far = await send('POST', '/api/grids/990001001001005/merge', { with: ['990001001001001'] });
    expect(far.status).to.equal(422);
    expect(far.body.detail).to.match(/share no edge/);
    const r = await send(
      'POST',
      '/api/grids/990001001001005/merge',
      { with: ['990001001001006'] },
      await etag('990001001001005'),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((await live('990001001001005')).area_m2).to.be.closeTo(a.area_m2 + b.area_m2, 0.01);
    expect(await live('990001001001006')).to.equal(undefined);
    expect(r.body.references).to.deep.equal([
      {
        kind: 'collector_area',
        id: r.body.references[0].id,
        name: '东湖南片',
        from: ['990001001001006'],
        to: ['990001001001005'],
      },
    ]);
    const ca = await sql<{
      grid_codes: string[];
    }>`select grid_codes from collector_area where name = '东湖南片'`.execute(db());
    expect(ca.rows[0].grid_codes).to.deep.equal(['990001001001005']);
  });

  it('history lists the versions and the changes; ?at= answers as of a date', async () => {
    const h = await call(w, 'GET', '/api/grids/990001001001004/history');
    expect(h.status).to.equal(200);
    expect(h.body.live).to.equal(false);
    expect(h.body.versions).to.have.length(1);
    expect(h.body.versions[0].ended_by.actor).to.equal('GIS编辑');
    expect(h.body.successors).to.deep.equal(['990001001001007', '990001001001008']);
    const h7 = await call(w, 'GET', '/api/grids/990001001001007/history');
    expect(h7.body.predecessors).to.deep.equal(['990001001001004']);
    expect(h7.body.versions.map((v: { version: number }) => v.version)).to.deep.equal([1, 2]);
    const past = await call(w, 'GET', '/api/grids?community=990001001001&at=2026-06-01');
    expect(past.body.features.map((f: { id: string }) => f.id)).to.deep.equal(
      ['001', '002', '003', '004', '005', '006'].map((s) => `990001001001${s}`),
    );
    const now = await call(w, 'GET', '/api/grids?community=990001001001');
    expect(now.body.features.map((f: { id: string }) => f.id)).to.deep.equal(
      ['001', '002', '003', '005', '007', '008'].map((s) => `990001001001${s}`),
    );
    const g = await call(w, 'GET', '/api/grids/990001001001007');
    expect(g.headers.get('etag')).to.equal('"2"');
  });
});
