/**
 * Drafts on the micro-city: invisible until published, undo, what-if (a case that would move), publish (the case
 * moves, with a reassess event), discard (no trace), a draft published over (409); retire, move to another
 * community, create in a gap; concurrent editors on a shared vertex; fuzzed bodies never a 500.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import {
  call,
  caseRow,
  eventRows,
  intake,
  P,
  setUpWorld,
  tearDownWorld,
  type Account,
  type World,
} from '../cases/fixture.js';

const line = (...c: [number, number][]) => ({ type: 'LineString', coordinates: c });
const CELL_M2 = 0.001 * 0.001 * 111_320 * Math.cos((20.0015 * Math.PI) / 180) * 110_574;

describe(`grid drafts and the other edits (${DRIVER})`, function () {
  this.timeout(300_000);
  let w: World;
  let gis: Account;
  let gis2: Account;
  let caseId: number;
  const db = () => w.database.db;
  const send = (method: string, path: string, body?: unknown, ifMatch?: string, token = gis.token) =>
    request(w.server, method, path, { token, body, headers: ifMatch ? { 'If-Match': ifMatch } : {} });
  const live = async (code: string) =>
    (
      await sql<{ version: number; area_m2: number; name: string }>`
        select version, area_m2, name from unit_grid where code = ${code} and termination_date is null`.execute(db())
    ).rows[0];
  const etag = async (code: string) => `"${(await live(code)).version}"`;
  const count = async (table: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db())).rows[0].n;
  const coverage = async () =>
    (
      await sql<{ gap: number; overlap: number }>`
        with u as (select ST_Union(geom) g, sum(ST_Area(geom::geography)) s from unit_grid where termination_date is null),
        d as (select geom from region where level = 'district' and termination_date is null)
        select ST_Area(ST_Difference(d.geom, u.g)::geography) as gap, u.s - ST_Area(u.g::geography) as overlap
        from u, d`.execute(db())
    ).rows[0];

  before(async () => {
    w = await setUpWorld();
    gis = await createUser(db(), 'GIS编辑', 'gis_editor');
    gis2 = await createUser(db(), 'GIS编辑乙', 'gis_editor');
    caseId = await intake(w, { location: P.c21 });
  });
  after(() => tearDownWorld(w));

  it('a draft is invisible until published; what-if names the case that would move; undo; publish moves it', async () => {
    const d = await send('POST', '/api/grid-drafts', { name: '西湖社区调整' });
    expect(d.status).to.equal(201);
    expect(d.headers.get('etag')).to.equal('"1"');
    const id = d.body.id;
    const grids = async () =>
      (await sql<{ version: number }>`select version from tile_layer_version where layer = 'grids'`.execute(db()))
        .rows[0]?.version;
    const tilesBefore = await grids();
    const cut = { line: line([100.0015, 20.0012], [100.0035, 20.0012]) };
    const s1 = await send('POST', `/api/grids/990001001002002/split?draft=${id}`, cut, '"1"');
    expect(s1.status, JSON.stringify(s1.body)).to.equal(200);
    expect(s1.headers.get('etag')).to.equal('"2"');
    expect(s1.body.summary.into).to.deep.equal(['990001001002004', '990001001002005']);
    // Invisible: the grid is live, location and tiles unchanged.
    expect((await call(w, 'GET', '/api/grids/990001001002002')).status).to.equal(200);
    expect((await call(w, 'GET', `/api/locate?lon=${P.c21.lon}&lat=${P.c21.lat}`)).body.grid.code).to.equal(
      '990001001002002',
    );
    expect(await grids()).to.equal(tilesBefore);
    // What-if: the open case at c21 (lat 20.0015, north of the cut) would move to 004.
    const wi = await send('GET', `/api/grid-drafts/${id}/what-if`);
    expect(wi.status, JSON.stringify(wi.body)).to.equal(200);
    expect(wi.body.cases_examined).to.equal(1);
    expect(wi.body.counts.grid).to.equal(1);
    expect(wi.body.cases[0]).to.include({ id: caseId });
    expect(wi.body.cases[0].grid).to.deep.equal({ from: '990001001002002', to: '990001001002004' });
    expect((await caseRow(w, caseId)).grid_code).to.equal('990001001002002'); // the what-if wrote nothing
    // Undo, then the same split again.
    const u = await send('POST', `/api/grid-drafts/${id}/undo`, undefined, '"2"');
    expect(u.status).to.equal(200);
    expect(u.body.steps).to.equal(0);
    expect(u.body.features.features).to.have.length(0);
    expect((await send('POST', `/api/grid-drafts/${id}/undo`, undefined, '"3"')).status).to.equal(409);
    const s2 = await send('POST', `/api/grids/990001001002002/split?draft=${id}`, cut, '"3"');
    expect(s2.status).to.equal(200);
    expect(s2.body.summary.into).to.deep.equal(['990001001002004', '990001001002005']);
    // A case far from the split (another street): publishing does not examine it.
    const far = await intake(w, { location: P.c61 });
    const farVersion = (await caseRow(w, far)).assignment_version;
    const stale = await send('POST', `/api/grid-drafts/${id}/publish`, undefined, '"3"');
    expect(stale.status).to.equal(412);
    const p = await send('POST', `/api/grid-drafts/${id}/publish`, undefined, '"4"');
    expect(p.status, JSON.stringify(p.body)).to.equal(200);
    expect(p.body.retired).to.deep.equal(['990001001002002']);
    expect(p.body.created).to.deep.equal(['990001001002004', '990001001002005']);
    expect(p.body.changed).to.deep.equal(['990001001001004', '990001002001001']); // the split's ends on their edges
    expect((await caseRow(w, caseId)).grid_code).to.equal('990001001002004');
    expect((await eventRows(w, caseId)).map((e) => e.action)).to.include('reassess');
    expect(p.body.reassigned).to.include({ examined: 1, changed: 1 });
    expect((await caseRow(w, far)).assignment_version).to.equal(farVersion);
    expect((await eventRows(w, far)).map((e) => e.action)).to.not.include('reassess');
    expect((await send('GET', `/api/grid-drafts/${id}`)).status).to.equal(404);
    expect(await grids()).to.not.equal(tilesBefore);
  });

  it('discarding a draft leaves no trace in the boundaries', async () => {
    const grids = await count('unit_grid');
    const d = await send('POST', '/api/grid-drafts', { name: '试一试' });
    const s = await send('POST', `/api/grids/990001001002001/split?draft=${d.body.id}`, {
      line: line([100.0025, 20.0019], [100.0025, 20.0031]),
    });
    expect(s.status).to.equal(200);
    expect(await count('grid_draft_feature')).to.be.greaterThan(0);
    expect((await send('DELETE', `/api/grid-drafts/${d.body.id}`, undefined, '"1"')).status).to.equal(412);
    expect((await send('DELETE', `/api/grid-drafts/${d.body.id}`, undefined, '"2"')).status).to.equal(204);
    expect(await count('grid_draft_feature')).to.equal(0);
    expect(await count('grid_draft_step')).to.equal(0);
    expect(await count('grid_draft')).to.equal(0);
    expect(await count('unit_grid')).to.equal(grids);
  });

  it('a draft published over by another editor is refused (409) and writes nothing', async () => {
    const d = await send('POST', '/api/grid-drafts', { name: '南片' });
    expect(
      (
        await send('POST', `/api/grids/990001001002003/split?draft=${d.body.id}`, {
          line: line([100.0025, 19.9999], [100.0025, 20.0011]),
        })
      ).status,
    ).to.equal(200);
    const rn = await send(
      'PATCH',
      '/api/grids/990001001002003',
      { name: '西湖南网格' },
      await etag('990001001002003'),
      gis2.token,
    );
    expect(rn.status, JSON.stringify(rn.body)).to.equal(200);
    expect((await live('990001001002003')).name).to.equal('西湖南网格');
    const p = await send('POST', `/api/grid-drafts/${d.body.id}/publish`);
    expect(p.status).to.equal(409);
    expect(p.body.detail).to.match(/990001001002003/);
    expect(await live('990001001002003')).to.include({ name: '西湖南网格', version: 2 });
    expect((await send('DELETE', `/api/grid-drafts/${d.body.id}`)).status).to.equal(204);
  });

  it('retires a grid into its neighbour', async () => {
    const a = await live('990001002002001');
    const b = await live('990001002002002');
    const r = await send(
      'POST',
      '/api/grids/990001002002002/retire',
      { to: '990001002002001' },
      await etag('990001002002002'),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(await live('990001002002002')).to.equal(undefined);
    expect((await live('990001002002001')).area_m2).to.be.closeTo(a.area_m2 + b.area_m2, 0.01);
    expect((await call(w, 'GET', `/api/locate?lon=${P.c61.lon}&lat=${P.c61.lat}`)).body.grid.code).to.equal(
      '990001002002001',
    );
  });

  it('moves a grid to the neighbouring community: a new code there, both community boundaries follow', async () => {
    const area = async (code: string) =>
      (
        await sql<{
          a: number;
        }>`select area_m2 as a from region where code = ${code} and termination_date is null`.execute(db())
      ).rows[0].a;
    const east = await area('990001001001');
    const west = await area('990001001002');
    const far = await send('PATCH', '/api/grids/990001001002001', { community_code: '990001002002' });
    expect(far.status).to.equal(422);
    expect(far.body.detail).to.match(/does not border/);
    const r = await send(
      'PATCH',
      '/api/grids/990001001002001',
      { community_code: '990001001001' },
      await etag('990001001002001'),
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.summary.to).to.equal('990001001001007');
    expect(await live('990001001002001')).to.equal(undefined);
    expect((await live('990001001001007')).area_m2).to.be.closeTo(CELL_M2, CELL_M2 * 0.01);
    expect(await area('990001001001')).to.be.closeTo(east + CELL_M2, CELL_M2 * 0.01);
    expect(await area('990001001002')).to.be.closeTo(west - CELL_M2, CELL_M2 * 0.01);
    expect((await call(w, 'GET', '/api/locate?lon=100.0025&lat=20.0025')).body.community.code).to.equal('990001001001');
  });

  it('creates a grid in a gap: the drawn polygon clipped to the gap', async () => {
    // Open a gap: the centre cell (4,1) of 公园社区 loses its grid (as a bad import might leave it).
    await sql`update unit_grid set termination_date = current_date where code = '990001002001002' and termination_date is null`.execute(
      db(),
    );
    const overlapping = {
      type: 'Polygon',
      coordinates: [
        [
          [100.0035, 20.0005],
          [100.0055, 20.0005],
          [100.0055, 20.0025],
          [100.0035, 20.0025],
          [100.0035, 20.0005],
        ],
      ],
    };
    const r = await send('POST', '/api/grids', {
      community_code: '990001002001',
      name: '公园中心',
      geometry: overlapping,
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.summary.code).to.equal('990001002001003');
    expect((await live('990001002001003')).area_m2).to.be.closeTo(CELL_M2, CELL_M2 * 0.01);
    const none = await send('POST', '/api/grids', {
      community_code: '990001002001',
      name: '无处',
      geometry: overlapping,
    });
    expect(none.status).to.equal(422);
    expect(none.body.detail).to.match(/covers no gap/);
    expect(await coverage()).to.satisfy((c: { gap: number; overlap: number }) => c.gap < 0.01 && c.overlap < 0.01);
  });

  it('two editors moving one shared vertex at once: one wins or both apply in turn — never a gap or an overlap', async () => {
    const v: [number, number] = [100.001, 20.002]; // corner of 001, 002, 003, 004 in 东湖
    const [a, b] = await Promise.all([
      send(
        'POST',
        '/api/grids/990001001001001/reshape',
        { action: 'move', at: v, to: [100.0011, 20.0021] },
        await etag('990001001001001'),
      ),
      send(
        'POST',
        '/api/grids/990001001001004/reshape',
        { action: 'move', at: v, to: [100.0009, 20.0019] },
        await etag('990001001001004'),
        gis2.token,
      ),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses[0], JSON.stringify([a.body, b.body])).to.equal(200);
    expect([200, 412, 422]).to.include(statuses[1]);
    const c = await coverage();
    expect(c.gap).to.be.below(0.01);
    expect(c.overlap).to.be.below(0.01);
  });

  it('fuzzed edit bodies are answered 2xx or 4xx, never 500, and leave no gap', async () => {
    const pos = fc.tuple(
      fc.double({ min: 99.999, max: 100.008, noNaN: true }),
      fc.double({ min: 19.999, max: 20.004, noNaN: true }),
    );
    const code = fc.constantFrom(
      '990001001001001',
      '990001001001002',
      '990001001001003',
      '990001002001001',
      '990001002002001',
      '990001999001001',
    );
    await fc.assert(
      fc.asyncProperty(
        code,
        fc.oneof(
          fc.record({
            kind: fc.constant('split'),
            b: fc.record({
              line: fc.record({
                type: fc.constant('LineString'),
                coordinates: fc.array(pos, { minLength: 0, maxLength: 4 }),
              }),
            }),
          }),
          fc.record({
            kind: fc.constant('reshape'),
            b: fc.record({ action: fc.constantFrom('move', 'add', 'delete', 'x'), at: pos, to: pos }),
          }),
          fc.record({ kind: fc.constant('merge'), b: fc.record({ with: fc.array(code, { maxLength: 3 }) }) }),
          fc.record({ kind: fc.constant('retire'), b: fc.record({ to: code }) }),
          fc.record({ kind: fc.constant('split'), b: fc.anything() }),
        ),
        async (c, { kind, b }) => {
          const r = await send('POST', `/api/grids/${c}/${kind}`, b);
          expect(r.status, `${kind} ${JSON.stringify(b)} → ${JSON.stringify(r.body)}`).to.be.oneOf([
            200, 400, 404, 409, 412, 422,
          ]);
        },
      ),
      { numRuns: 60, seed: 20261203 },
    );
    const cov = await coverage();
    expect(cov.gap).to.be.below(0.5);
    expect(cov.overlap).to.be.below(0.5);
  });
});
