/**
 * Publishing a draft whose new grid code went live meanwhile (as an import that does not see drafts could make it)
 * is refused with a 409 naming the code and writes nothing; once the code is free again the same draft publishes.
 * (The check compares the draft's text codes with unit_grid.code, a char(15): cast so that the live-code index
 * applies — compared as text it scanned every live grid per new code, 30 s for a 1,000-grid draft of a 100k city.)
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser, type User } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { createDraft, draftEdit, publish } from '../../server/gridedit/drafts.js';
import { HttpError } from '../../server/http/problem.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

describe(`publishing a draft whose new code went live meanwhile (${DRIVER})`, function () {
  this.timeout(120_000);
  let database: Database;
  let gis: User;
  const db = () => database.db;
  const liveCodes = async () =>
    (
      await sql<{ code: string }>`select code from unit_grid where termination_date is null
        and code in ('990001001002002', '990001001002004', '990001001002005') order by code`.execute(db())
    ).rows.map((r) => r.code.trim());
  const changes = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from grid_change`.execute(db())).rows[0].n;

  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    gis = (await createUser(db(), 'GIS编辑', 'gis_editor')).user;
  });
  after(() => database?.close());

  it('409 naming the code, nothing written; publishes once the code is free', async () => {
    const id = (await createDraft(db(), gis, '西湖社区调整')).id;
    const split = await draftEdit(
      db(),
      gis,
      id,
      {
        op: 'split',
        code: '990001001002002',
        line: {
          type: 'LineString',
          coordinates: [
            [100.0015, 20.0012],
            [100.0035, 20.0012],
          ],
        },
      },
      undefined,
    );
    expect(split.summary).to.deep.include({ into: ['990001001002004', '990001001002005'] });
    // 004 goes live outside the draft (a small square in the south-west of the district).
    await sql`insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2)
      values ('990001001002004', '外来网格', '990001001002', '990001001', '990001',
              ST_Multi(ST_GeomFromText('POLYGON((100 20,100.0001 20,100.0001 20.0001,100 20.0001,100 20))', 4326)), 100)`.execute(
      db(),
    );
    const before = await changes();
    let err: unknown;
    try {
      await publish(db(), gis, id, undefined);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HttpError);
    expect((err as HttpError).status).to.equal(409);
    expect((err as HttpError).slug).to.equal('draft-stale');
    expect((err as HttpError).extra.codes).to.deep.equal(['990001001002004']);
    expect((err as HttpError).detail).to.contain('grid 990001001002004');
    expect(await changes()).to.equal(before);
    expect(await liveCodes()).to.deep.equal(['990001001002002', '990001001002004']);

    await sql`delete from unit_grid where code = '990001001002004'`.execute(db());
    const p = await publish(db(), gis, id, undefined);
    expect(p.retired).to.deep.equal(['990001001002002']);
    expect(p.created).to.deep.equal(['990001001002004', '990001001002005']);
    expect(await liveCodes()).to.deep.equal(['990001001002004', '990001001002005']);
  });
});
