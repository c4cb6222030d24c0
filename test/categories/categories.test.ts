/** The category dictionary, legacy aliases, the time-limit lookup and its admin endpoint. */
import { expect } from 'chai';
import { createUser } from '../../server/auth/tokens.js';
import { disposalLimit, findCategory } from '../../server/categories/catalog.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { Database } from '../../server/db/index.js';

describe(`categories and time limits (${DRIVER})`, () => {
  let database: Database;
  let server: TestServer;
  let admin: string;
  let editor: string;
  before(async () => {
    database = await openTestDatabase();
    server = await startTestServer(database);
    admin = (await createUser(database.db, 'root', 'admin')).token;
    editor = (await createUser(database.db, 'ed', 'gis_editor')).token;
  });
  after(async () => {
    await server?.close();
    await database?.close();
  });
  const get = (path: string) => request(server, 'GET', path);
  const put = (body: unknown, token = admin) => request(server, 'PUT', '/api/time-limits', { token, body });

  it('loads the GB/T 47678.5 catalogs: 153 components, 250 matters, keyed by kind and code', async () => {
    expect((await get('/api/categories?kind=component')).body).to.have.length(153);
    const matters = (await get('/api/categories?kind=matter')).body;
    expect(matters).to.have.length(250);
    expect(matters.find((m: any) => m.code === '06010')).to.deep.equal({
      key: 'matter:06010',
      kind: 'matter',
      code: '06010',
      major_code: '06',
      major_name: '市容环境类',
      name: '暴露垃圾',
      legacy_codes: ['0110'],
    });
    expect((await get('/api/categories?kind=matter&major=07')).body.map((m: any) => m.code)).to.deep.equal([
      '07001',
      '07002',
      '07003',
      '07004',
      '07006',
      '07007',
      '07008',
    ]);
    // The same 5-digit code in both kinds.
    expect((await get('/api/categories/component:01001')).body.name).to.equal('供水井盖');
    expect((await get('/api/categories/matter:01001')).body.name).to.equal('供水井盖异常');
  });

  it('resolves legacy 4-digit codes where the mapping is known, and nothing else', async () => {
    expect((await findCategory(database.db, 'matter:01-10'))?.key).to.equal('matter:06010');
    expect((await findCategory(database.db, 'matter:0409'))?.key).to.equal('matter:09009');
    expect((await findCategory(database.db, 'component:0101'))?.name).to.equal('供水井盖');
    expect((await findCategory(database.db, 'component:0114'))?.key).to.equal('component:01023');
    expect(await findCategory(database.db, 'matter:0199')).to.equal(undefined);
    expect(await findCategory(database.db, 'matter:06031')).to.equal(undefined); // a gap in the standard
    const r = await get('/api/categories/matter:06031');
    expect(r.status).to.equal(404);
    expect(r.body.detail).to.equal('no category matter:06031 in the GB/T 47678.5 dictionary');
  });

  it('picks the most specific time limit: class > major > any, condition > any condition, per area class', async () => {
    const lim = (kind: string, code: string, cond: string, cls: 'A' | 'B' | 'C') =>
      disposalLimit(database.db, kind, code, cond, cls);
    expect(await lim('matter', '01001', '缺失', 'A')).to.include({ pattern: '01001', condition: '缺失', hours: 1 });
    expect(await lim('matter', '01001', '缺失', 'C')).to.include({ hours: 2, area_class: 'C' });
    expect(await lim('matter', '01001', '破损、移位', 'B')).to.include({ hours: 8 });
    expect(await lim('matter', '01001', '其他', 'A')).to.include({ pattern: '01001', condition: '', hours: 4 });
    expect(await lim('component', '01037', '', 'B')).to.include({ pattern: '01037', hours: 16 });
    expect(await lim('matter', '06003', '', 'A')).to.include({ pattern: '06', hours: 4 });
    expect(await lim('matter', '07001', '', 'C')).to.include({ pattern: '07001', hours: 80 });
    expect(await lim('component', '05009', '', 'C')).to.include({ kind: 'component', pattern: '05', hours: 40 });
    const all = (await get('/api/time-limits')).body;
    expect(all.stages).to.deep.equal({ accept: 30, verify: 30, file: 30, dispatch: 30, check: 30, close: 60 });
    expect(all.limits).to.have.length(152);
  });

  it('PUT /api/time-limits: admin only, validated, replaces the table and is audited', async () => {
    const table = {
      stages: { accept: 15, verify: 30, file: 30, dispatch: 30, check: 60, close: 60 },
      limits: [
        { kind: '*', pattern: '*', hours_a: 8, hours_b: 16, hours_c: 24 },
        { kind: 'matter', pattern: '06010', hours_a: 1, hours_b: 2, hours_c: 3, close_condition: '清运完毕' },
      ],
    };
    expect((await put(table, editor)).status).to.equal(403);
    const bad = await put({
      ...table,
      limits: [
        { kind: 'matter', pattern: '06031', hours_a: 1, hours_b: 1, hours_c: 1 },
        { kind: 'matter', pattern: '06031', hours_a: 1, hours_b: 1, hours_c: 1 },
      ],
    });
    expect(bad.status).to.equal(422);
    expect(bad.body.errors.map((e: any) => e.message)).to.deep.equal([
      'no matter class 06031 in the dictionary',
      'no matter class 06031 in the dictionary',
      "duplicate row for matter:06031 condition ''",
      "the table needs a catch-all row (kind '*', pattern '*', no condition) so every case gets a limit",
    ]);
    const zero = await put({ ...table, limits: [{ kind: '*', pattern: '*', hours_a: 0, hours_b: 1, hours_c: 1 }] });
    expect(zero.status).to.equal(400);
    expect(zero.body.detail).to.equal("body field 'limits[0].hours_a' must be > 0");
    expect((await get('/api/time-limits')).body.limits).to.have.length(152); // nothing changed
    const ok = await put(table);
    expect(ok.status).to.equal(200);
    expect(await disposalLimit(database.db, 'matter', '06010', '', 'C')).to.include({
      hours: 3,
      close_condition: '清运完毕',
    });
    expect(await disposalLimit(database.db, 'component', '01001', '缺失', 'A')).to.include({ pattern: '*', hours: 8 });
    expect((await get('/api/time-limits')).body.stages.accept).to.equal(15);
    const audit = await database.db
      .selectFrom('audit_event')
      .select(['action', 'entity'])
      .where('entity', '=', 'time_limits')
      .execute();
    expect(audit).to.deep.equal([{ action: 'update', entity: 'time_limits' }]);
  });
});
