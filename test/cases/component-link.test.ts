/**
 * Reports of a component class suggest the nearest components of that class (COMPONENT_RADIUS_M, default 30 m); a
 * dispatcher links one before dispatch and its maintainer becomes the department. A report naming a component and no
 * location is placed at the component.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { P, setUpWorld, tearDownWorld, type World } from './fixture.js';

describe(`component suggestions and linking (${DRIVER})`, function () {
  this.timeout(240_000);
  let w: World;
  before(async () => {
    w = await setUpWorld();
    // 01001 供水井盖: one 11 m east of c11, one ~45 m east (outside 30 m), one of another class at c11 itself.
    await sql`insert into component (code, category_code, name, maintainer_code, maintainer_name, geom, grid_code) values
      ('99000101001000001', '01001', '近井盖', 'SZ', '区市政所', ST_SetSRID(ST_MakePoint(100.0016, 20.0015), 4326), '990001001001004'),
      ('99000101001000002', '01001', '远井盖', 'CG', '区城管执法局', ST_SetSRID(ST_MakePoint(100.00193, 20.0015), 4326), '990001001001004'),
      ('99000101002000001', '01002', '污水井盖', 'SZ', '区市政所', ST_SetSRID(ST_MakePoint(100.0015, 20.0015), 4326), '990001001001004')`.execute(
      w.database.db,
    );
  });
  after(() => tearDownWorld(w));

  const report = (body: Record<string, unknown>) =>
    request(w.server, 'POST', '/api/cases', {
      token: w.u.coll.token,
      body: { channel: 'collector', description: '井盖破损', ...body },
    });

  it('suggests the components of the class within 30 m, nearest first, with their distance', async () => {
    const r = await report({ category: 'component:01001', location: P.c11 });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const c = await request(w.server, 'GET', `/api/cases/${r.body.id}`, { token: w.u.disp.token });
    expect(c.body.component_suggestions).to.deep.equal([
      { code: '99000101001000001', name: '近井盖', status: '完好', distance_m: 10.5 },
    ]);
  });

  it('a dispatcher links a component before dispatch: its maintainer becomes the department', async () => {
    const r = await report({ category: 'component:01001', location: P.c11 });
    const before = await request(w.server, 'GET', `/api/cases/${r.body.id}`, { token: w.u.disp.token });
    expect(before.body.assignment.department.code).to.not.equal('CG');
    const path = `/api/cases/${r.body.id}/component`;
    const stale = await request(w.server, 'POST', path, {
      token: w.u.disp.token,
      body: { component_code: '99000101001000002' },
      headers: { 'If-Match': '"0"' },
    });
    expect(stale.status).to.equal(412);
    expect(
      (await request(w.server, 'POST', path, { token: w.u.coll.token, body: { component_code: '99000101001000002' } }))
        .status,
    ).to.equal(403);
    const other = await request(w.server, 'POST', path, {
      token: w.u.disp.token,
      body: { component_code: '99000101002000001' },
    });
    expect(other.status).to.equal(422);
    expect(other.body.detail).to.equal("component 99000101002000001 is of class 01002, not the case's category 01001");
    const ok = await request(w.server, 'POST', path, {
      token: w.u.disp.token,
      body: { component_code: '99000101001000002' },
      headers: { 'If-Match': before.headers.get('etag')! },
    });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body.assignment.department.code).to.equal('CG');
    expect(ok.body.assignment.matched).to.deep.include({ source: 'component', component_code: '99000101001000002' });
    const events = await sql<{ action: string; note: string }>`
      select action, note from case_event where case_id = ${r.body.id} order by id`.execute(w.database.db);
    expect(events.rows.map((e) => e.action)).to.deep.equal(['report', 'link_component']);
  });

  it('a report that names a component and gives no location is at the component', async () => {
    const r = await report({ component_code: '99000101001000001' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const c = await sql<{ lon: number; lat: number; grid_code: string; department_code: string }>`
      select lon, lat, grid_code, department_code from case_record where id = ${r.body.id}`.execute(w.database.db);
    expect(c.rows[0]).to.deep.equal({
      lon: 100.0016,
      lat: 20.0015,
      grid_code: '990001001001004',
      department_code: 'SZ',
    });
    const none = await report({ category: 'matter:06010' });
    expect(none.status).to.equal(422);
    expect(none.body.detail).to.contain("missing required body field 'location'");
  });
});
