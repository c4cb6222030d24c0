/** A re-assignment run is limited to the caller's region scope; the cases it changes get a new version. */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { P, call, caseRow, intake, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';

describe(`re-assignment within the caller's scope (${DRIVER})`, () => {
  let w: World;
  before(async () => {
    w = await setUpWorld();
  });
  after(() => tearDownWorld(w));

  it('a street dispatcher redoes its street only; an unscoped one the rest', async () => {
    const west = await intake(w, { location: P.c02 }); // street 990001001
    const east = await intake(w, { location: P.c41 }); // street 990001002
    // A new library rule for matter 06 in street 990001002 only.
    await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_m2, department_code)
      values ('山前环卫归执法局', 'matter', '06', 'regions', '{990001002}', 1000, 'CG')`.execute(w.database.db);
    await sql`update assignment_version set version = version + 1 where id = 1`.execute(w.database.db);
    const before = { west: await caseRow(w, west), east: await caseRow(w, east) };
    const street = await createUser(w.database.db, '山前调度员', 'dispatcher', '990001002');

    const r1 = await call(w, 'POST', '/api/assign/rerun', street.token, {});
    expect(r1.status).to.equal(200);
    expect([r1.body.examined, r1.body.changed, r1.body.department_changed]).to.deep.equal([1, 1, 1]);
    const eastNow = await caseRow(w, east);
    expect(eastNow.department_code).to.equal('CG');
    expect(eastNow.version).to.equal(before.east.version + 1);
    const westNow = await caseRow(w, west);
    expect(Number(westNow.assignment_version)).to.equal(Number(before.west.assignment_version)); // untouched
    expect(westNow.version).to.equal(before.west.version);

    const r2 = await call(w, 'POST', '/api/assign/rerun', w.u.disp.token, {});
    expect([r2.body.examined, r2.body.changed]).to.deep.equal([1, 0]); // the west case: examined, nothing new for it
    const audit = await sql<{ entity_key: string | null }>`
      select entity_key from audit_event where action = 'reassign' order by id`.execute(w.database.db);
    expect(audit.rows.map((a) => a.entity_key)).to.deep.equal(['990001002', null]);
  });
});
