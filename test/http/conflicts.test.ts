/**
 * Database errors that slip past the input checks: a unique violation is a 409 naming the key, a data exception a
 * 400. Concurrent writers of one unique key (two users with one name, two imports of the same new codes) get one
 * success and a 409 (or, where the writes are serialised, a no-op), never a 500.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { problemFromDatabaseError, parseKeyDetail } from '../../server/http/dberrors.js';
import { DRIVER } from '../helpers/db.js';
import { call, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';

async function dbError(w: World, query: ReturnType<typeof sql>): Promise<unknown> {
  try {
    await query.execute(w.database.db);
  } catch (e) {
    return e;
  }
  throw new Error('the query did not fail');
}

/** A new street 990001003 with one community and one grid, east of the micro-city (nothing overlaps it). */
function newStreet() {
  const ring = [
    [100.01, 20.0],
    [100.011, 20.0],
    [100.011, 20.001],
    [100.01, 20.001],
    [100.01, 20.0],
  ];
  const feature = (code: string, name: string) => ({
    type: 'Feature',
    properties: { code, name },
    geometry: { type: 'Polygon', coordinates: [ring] },
  });
  return {
    type: 'FeatureCollection',
    features: [
      feature('990001003', '新街道'),
      feature('990001003001', '新社区'),
      feature('990001003001001', '新社区第1网格'),
    ],
  };
}

describe(`database errors: 409 for unique keys, 400 for data exceptions (${DRIVER})`, function () {
  this.timeout(300000);
  let w: World;
  before(async () => {
    w = await setUpWorld();
  });
  after(async () => tearDownWorld(w));

  it('parses the key of a unique violation from the driver error', async () => {
    const e = await dbError(
      w,
      sql`insert into app_user (name, role, region_scope, token_hash) values ('管理员', 'viewer', '', 'x')`,
    );
    const p = problemFromDatabaseError(e)!;
    expect(p.status).to.equal(409);
    expect(p.detail).to.equal(
      'app_user already has a row with name = "管理员" (written by another request before or meanwhile)',
    );
    expect(p.extra).to.deep.equal({ constraint: 'app_user_name_key', key: { columns: ['name'], value: '管理员' } });
    expect(parseKeyDetail('Key (kind, pattern, condition)=(matter, 06, ) already exists.')).to.deep.equal({
      columns: ['kind', 'pattern', 'condition'],
      value: 'matter, 06, ',
    });
  });

  it('maps data exceptions (class 22) to 400 and leaves other errors alone', async () => {
    const range = problemFromDatabaseError(await dbError(w, sql`select 9223372036854775807::bigint + 1`))!;
    expect([range.status, range.extra.sqlstate]).to.deep.equal([400, '22003']);
    expect(range.detail).to.equal('the database refused a value of this request: bigint out of range (SQLSTATE 22003)');
    const date = problemFromDatabaseError(await dbError(w, sql`select '0000-01-01'::date`))!;
    expect([date.status, date.extra.sqlstate]).to.deep.equal([400, '22008']);
    expect(problemFromDatabaseError(await dbError(w, sql`select * from no_such_table`))).to.equal(undefined);
    expect(problemFromDatabaseError(new Error('boom'))).to.equal(undefined);
  });

  it('two concurrent POST /api/users with one name: one 201, one 409 naming the name; one row', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `并发用户${round}`;
      const replies = await Promise.all(
        [0, 1].map(() => call(w, 'POST', '/api/users', w.u.admin.token, { name, role: 'viewer' })),
      );
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(replies.map((r) => r.body))).to.deep.equal([201, 409]);
      const loser = replies.find((r) => r.status === 409)!;
      expect(loser.body.detail).to.contain(`"${name}"`);
      const rows = await sql<{ n: number }>`select count(*)::int as n from app_user where name = ${name}`.execute(
        w.database.db,
      );
      expect(rows.rows[0].n).to.equal(1);
      const audits = await sql<{
        n: number;
      }>`select count(*)::int as n from audit_event where entity = 'user' and detail::text like ${`%${name}%`}`.execute(
        w.database.db,
      );
      expect(audits.rows[0].n).to.equal(1);
    }
  });

  it('two concurrent imports of the same new codes: never a 500, each code live once', async () => {
    const replies = await Promise.all([0, 1].map(() => call(w, 'POST', '/api/import', w.u.admin.token, newStreet())));
    const statuses = replies.map((r) => r.status);
    for (const r of replies) expect([200, 409], JSON.stringify(r.body)).to.include(r.status);
    expect(statuses).to.include(200);
    const conflict = replies.find((r) => r.status === 409);
    if (conflict?.body.type === '/problems/regions-changed') {
      // The usual outcome: the later import finds at publishing that the regions changed while it was checked.
      expect(conflict.body.detail).to.match(/^the regions or grids were changed by another write/);
    } else if (conflict) {
      // The database's own unique index is the last line of defence.
      expect(conflict.body.detail).to.match(/^(region|unit_grid) already has a row with code = "990001003(001){0,2}" /);
      expect(conflict.body.key.columns).to.deep.equal(['code']);
    }
    const live = await sql<{ code: string; n: number }>`
      select code, count(*)::int as n from (
        select code from region where termination_date is null and code like '990001003%'
        union all select code from unit_grid where termination_date is null and code like '990001003%') x
      group by code order by code`.execute(w.database.db);
    expect(live.rows).to.deep.equal([
      { code: '990001003', n: 1 },
      { code: '990001003001', n: 1 },
      { code: '990001003001001', n: 1 },
    ]);
  });
});
