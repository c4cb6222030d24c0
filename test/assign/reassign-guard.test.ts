/**
 * Re-assignment computes first and writes after; a case that another writer changes in between (its row version
 * moved on) is not written from the stale computation but computed again: here a case dispatched while the run
 * computes keeps its department (the new one is only proposed), as a dispatched case must. Only PostgreSQL has
 * another writer in between (the embedded database computes and writes each batch in one transaction).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { reassignOpenCases } from '../../server/assign/reassign.js';
import { openTestDatabase, DRIVER } from '../helpers/db.js';
import { cell, insertRule, widenedMicroCity } from './library.js';

describe(`re-assignment: a case changed while the run computes (${DRIVER})`, function () {
  let database: Database;
  before(async function () {
    if (DRIVER !== 'pg') this.skip();
    database = await openTestDatabase();
    await importRegions(database, widenedMicroCity(), { actor: { id: null, name: 'test' } });
  });
  after(async () => database?.close());

  it('is computed again from its new state, not written from the old one', async () => {
    const { db } = database;
    await sql`insert into department (code, name, kind) values ('OLD', '旧部门', '其他'), ('NEW', '新部门', '其他')`.execute(
      db,
    );
    await insertRule(db, { name: 'all', kind: null, pattern: '*', area: { kind: 'anywhere' }, dept: 'NEW' });
    for (const [i, [lon, lat]] of [cell(0, 0), cell(1, 0), cell(2, 1)].entries()) {
      await sql`insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat,
          geom, input_crs, input_lon, input_lat, state, area_class, department_code, assignment, assignment_version)
        values (${i + 1}, ${`G${i}`}, 'collector', 'matter', '06010', 'x', ${lon}, ${lat},
          ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 'wgs84', ${lon}, ${lat}, 'filed', 'C', 'OLD', '{}'::jsonb, 0)`.execute(
        db,
      );
    }
    let dispatched = false;
    const r = await reassignOpenCases(db, {
      mode: 'one-pass',
      onStep: async (step) => {
        // After the computation, before any write: a dispatcher dispatches case 2 (another connection).
        if (step === 'cases' && !dispatched) {
          dispatched = true;
          await sql`update case_record set state = 'dispatched', version = version + 1 where id = 2`.execute(db);
        }
      },
    });
    expect(dispatched).to.equal(true);
    expect(r).to.deep.include({ examined: 3, changed: 3, department_changed: 2, proposed: 1 });
    const rows = (
      await sql<{ id: number; state: string; department_code: string; proposed: string | null; grid: string | null }>`
        select id::int, state, department_code, assignment->>'proposed_department' as proposed, grid_code as grid
        from case_record order by id`.execute(db)
    ).rows;
    expect(rows.map((c) => [c.id, c.state, c.department_code, c.proposed])).to.deep.equal([
      [1, 'filed', 'NEW', null],
      [2, 'dispatched', 'OLD', 'NEW'],
      [3, 'filed', 'NEW', null],
    ]);
    expect(rows.every((c) => c.grid !== null)).to.equal(true);
    // One event each; the first pass skipped case 2 and the second wrote it.
    const events = await sql<{ case_id: number }>`select case_id::int from case_event where action = 'reassess'
      order by case_id`.execute(db);
    expect(events.rows.map((e) => e.case_id)).to.deep.equal([1, 2, 3]);
    const audits = await sql<{ skipped: number; changed: number }>`select (detail->>'skipped')::int as skipped,
      (detail->>'changed')::int as changed from audit_event where action = 'reassign' order by id`.execute(db);
    expect(audits.rows).to.deep.equal([
      { skipped: 1, changed: 2 },
      { skipped: 0, changed: 1 },
    ]);
  });
});
