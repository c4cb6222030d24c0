/**
 * Intake through HTTP: a report is stored before the answer, carries its assignment, keeps its original
 * coordinates; bad input stores nothing; Idempotency-Key replays, conflicts and concurrent retries; duplicates.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { STATES } from '../../server/cases/workflow.js';
import { wgs84ToGcj02 } from '../../server/geo/crs.js';
import { useMicroCityServer } from '../helpers/micro-server.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { decode } from '../tiles/helpers.js';

const cell = (c: number, r: number) => ({ lon: 100 + (c + 0.5) * 0.001, lat: 20 + (r + 0.5) * 0.001 });

describe(`case intake (${DRIVER})`, () => {
  const env = useMicroCityServer();
  let collector: string;
  let viewer: string;
  let dispatcher: string;

  before(async () => {
    const { db } = env.database;
    await sql`insert into department (code, name, kind, fallback_for) values
      ('CENTER', '监督中心', '监督中心', ''), ('JD1', '湖滨街道办', '街道办', '990001001'), ('HW', '环卫', '环卫', null)`.execute(
      db,
    );
    await sql`insert into resp_rule (category_kind, category_pattern, area_kind, department_code) values ('matter', '06', 'anywhere', 'HW')`.execute(
      db,
    );
    collector = (await createUser(db, 'collector-1', 'collector', '990001')).token;
    viewer = (await createUser(db, 'viewer-1', 'viewer')).token;
    dispatcher = (await createUser(db, 'dispatcher-1', 'dispatcher')).token;
  });

  const post = (body: unknown, headers: Record<string, string> = {}, token = collector) =>
    request(env.server, 'POST', '/api/cases', { token, body, headers });
  const count = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from case_record`.execute(env.database.db)).rows[0].n;
  const report = (over: Record<string, unknown> = {}) => ({
    channel: 'collector',
    category: 'matter:06010',
    description: '路边暴露垃圾',
    location: cell(0, 2),
    ...over,
  });

  it('201: stored with its assignment, deadline, first event and original coordinates', async () => {
    const gcj = wgs84ToGcj02(cell(0, 0).lon, cell(0, 0).lat);
    const r = await post(
      report({
        location: { lon: gcj[0], lat: gcj[1], crs: 'gcj02' },
        photos: ['oss://a.jpg'],
        reporter: { name: '张三' },
      }),
    );
    expect(r.status).to.equal(201);
    expect(r.headers.get('location')).to.equal(`/api/cases/${r.body.id}`);
    const c = r.body;
    expect(c).to.include({
      state: 'reported',
      state_label: '上报',
      channel: 'collector',
      outside_coverage: false,
      overdue: false,
    });
    expect(c.category).to.deep.equal({
      kind: 'matter',
      code: '06010',
      key: 'matter:06010',
      name: '暴露垃圾',
      major_name: '市容环境类',
    });
    expect(c.location.input).to.deep.equal({ lon: gcj[0], lat: gcj[1], crs: 'gcj02' });
    expect(Math.abs(c.location.lon - cell(0, 0).lon)).to.be.below(1e-8);
    expect(c.assignment.grid).to.deep.equal({ code: '990001001001005', name: '东湖社区第5网格' });
    expect(c.assignment.community.code).to.equal('990001001001');
    expect(c.assignment.street).to.deep.equal({ code: '990001001', name: '湖滨街道' });
    expect(c.assignment.department).to.deep.equal({ code: 'HW', name: '环卫', kind: '环卫' });
    expect(c.assignment.matched.source).to.equal('rule');
    expect(c.assignment.area_class).to.equal('C');
    expect(c.deadlines.stage).to.be.a('string');
    expect(c.case_no).to.match(new RegExp(`^\\d{8}${String(c.id).padStart(6, '0')}$`));
    expect(c.photos).to.deep.equal(['oss://a.jpg']);
    expect(c.events.map((e: any) => [e.action, e.from_state, e.to_state, e.actor_name])).to.deep.equal([
      ['report', null, 'reported', 'collector-1'],
    ]);
    const stored = await request(env.server, 'GET', `/api/cases/${c.id}`, { token: viewer });
    expect(stored.body.case_no).to.equal(c.case_no);
  });

  it('a legacy 4-digit code resolves; a missing category is fine when a component is named', async () => {
    const r = await post(report({ category: 'matter:01-10' }));
    expect(r.status).to.equal(201);
    expect(r.body.category.key).to.equal('matter:06010');
    await sql`insert into component (code, category_code, name, owner_code) values ('99000101005000001', '01005', '电力井盖', 'JD1')`.execute(
      env.database.db,
    );
    const c = await post(report({ category: undefined, component_code: '99000101005000001' }));
    expect(c.status).to.equal(201);
    expect(c.body.category.key).to.equal('component:01005');
    expect(c.body.assignment.matched).to.deep.equal({ source: 'component', component_code: '99000101005000001' });
    expect(c.body.assignment.department.code).to.equal('JD1');
  });

  it('outside every grid: stored, flagged and routed to the fallback owner (for an unscoped reporter)', async () => {
    const n = await count();
    const scoped = await post(report({ category: 'matter:09009', location: { lon: 101, lat: 21 } }));
    expect(scoped.status).to.equal(403);
    expect(scoped.body.detail).to.equal(
      'the reported location lies in no region (outside every unit grid), outside your region scope 990001',
    );
    expect(await count()).to.equal(n);
    const r = await post(report({ category: 'matter:09009', location: { lon: 101, lat: 21 } }), {}, dispatcher);
    expect(r.status).to.equal(201);
    expect(r.body.outside_coverage).to.equal(true);
    expect(r.body.assignment.grid).to.equal(null);
    expect(r.body.assignment.department.code).to.equal('CENTER');
    const q = await request(env.server, 'GET', '/api/cases?outside_coverage=true', { token: viewer });
    expect(q.body.items.map((i: any) => i.id)).to.deep.equal([r.body.id]);
  });

  it('bad input: a specific 4xx and nothing stored', async () => {
    const before = await count();
    const cases: [unknown, number, string][] = [
      [
        report({ category: 'matter:06099' }),
        422,
        "unknown category 'matter:06099': not in the GB/T 47678.5 dictionary (see /api/categories)",
      ],
      [report({ component_code: '99000101005999999' }), 422, "unknown component '99000101005999999'"],
      [
        report({ category: undefined }),
        422,
        "missing required body field 'category' (it may be left out only when 'component_code' names a component)",
      ],
      [report({ location: { lon: 100, lat: 91 } }), 400, "body field 'location.lat' must be <= 90"],
      [report({ location: { lon: 181, lat: 20 } }), 400, "body field 'location.lon' must be <= 180"],
      [report({ location: { lon: '100', lat: 20 } }), 400, "body field 'location.lon' must be number"],
      [
        report({ location: { lon: 100, lat: 20, crs: 'epsg:3857' } }),
        400,
        `body field 'location.crs' must be one of "wgs84", "cgcs2000", "gcj02", "bd09"`,
      ],
      [report({ description: undefined }), 400, "missing required body field 'description'"],
      [
        report({ channel: 'fax' }),
        400,
        `body field 'channel' must be one of "collector", "hotline_12345", "hotline_12319", "video", "leader", "app", "wechat", "open311"`,
      ],
      [
        report({ category: 'matter6010' }),
        400,
        "body field 'category' must be kind:code, e.g. matter:06010 (legacy 4-digit codes accepted)",
      ],
      [report({ client_time: 'yesterday' }), 400, `body field 'client_time' must match format "date-time"`],
      [report({ extra: 1 }), 400, "unknown body field 'extra'"],
      ['{"channel": ', 400, 'the request body is not valid JSON: Unexpected end of JSON input'],
    ];
    for (const [body, status, detail] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).to.equal(status);
      expect(r.body.detail, JSON.stringify(body)).to.equal(detail);
      expect(r.headers.get('content-type')).to.equal('application/problem+json');
    }
    const big = await post(
      report({
        description: 'x'.repeat(1000),
        photos: Array.from({ length: 20 }, () => 'p'.repeat(500)),
        address: 'y'.repeat(60000),
      }),
    );
    expect(big.status).to.equal(413);
    expect(big.body.detail).to.equal('the request body exceeds the limit of 65536 bytes');
    expect(await count()).to.equal(before);
  });

  it('401 without a token, 403 for a viewer; nothing stored', async () => {
    const before = await count();
    const anon = await request(env.server, 'POST', '/api/cases', { body: report() });
    expect(anon.status).to.equal(401);
    const v = await post(report(), {}, viewer);
    expect(v.status).to.equal(403);
    expect(v.body.detail).to.equal("role 'viewer' may not do this; allowed roles: admin, collector, dispatcher");
    expect(await count()).to.equal(before);
  });

  it('Idempotency-Key: same body → 200 with the same case; different body → 409; bad key → 400', async () => {
    const first = await post(report({ description: 'retry me' }), { 'Idempotency-Key': 'key-1' });
    expect(first.status).to.equal(201);
    const again = await post(
      { location: cell(0, 2), description: 'retry me', category: 'matter:06010', channel: 'collector' },
      { 'Idempotency-Key': 'key-1' },
    );
    expect(again.status).to.equal(200);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(again.body.id).to.equal(first.body.id);
    const other = await post(report({ description: 'something else' }), { 'Idempotency-Key': 'key-1' });
    expect(other.status).to.equal(409);
    expect(other.body.case_id).to.equal(first.body.id);
    expect(other.body.detail).to.equal(
      'this Idempotency-Key was already used for a different report; send a new key for a new report',
    );
    const bad = await post(report(), { 'Idempotency-Key': 'has space' });
    expect(bad.status).to.equal(400);
    const n = await sql<{
      n: number;
    }>`select count(*)::int as n from case_record where description = 'retry me'`.execute(env.database.db);
    expect(n.rows[0].n).to.equal(1);
  });

  it('concurrent retries of one key create exactly one case', async () => {
    const body = report({ description: 'flaky network', location: cell(1, 1) });
    const results = await Promise.all(Array.from({ length: 12 }, () => post(body, { 'Idempotency-Key': 'burst-7' })));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).to.equal(1);
    expect(results.map((r) => r.status).sort()).to.deep.equal([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const rows = await sql<{ n: number; e: number }>`select count(*)::int as n,
      (select count(*)::int from case_event e where e.case_id = min(c.id)) as e
      from case_record c where description = 'flaky network'`.execute(env.database.db);
    expect(rows.rows[0]).to.deep.equal({ n: 1, e: 1 });
  });

  it('suggests open cases of the same category within 50 m and the time window as duplicates', async () => {
    const base = cell(5, 2);
    const first = await post(report({ description: 'dup-1', location: base }));
    const near = await post(report({ description: 'dup-2', location: { lon: base.lon + 0.0002, lat: base.lat } })); // ≈ 20.9 m east
    expect(near.body.duplicates.map((d: any) => d.id)).to.deep.equal([first.body.id]);
    expect(near.body.duplicates[0].distance_m).to.be.within(20.8, 21.0);
    const far = await post(report({ description: 'dup-3', location: { lon: base.lon + 0.0006, lat: base.lat } })); // ≈ 62.7 m
    expect(far.body.duplicates.map((d: any) => d.id)).to.deep.equal([near.body.id]); // 41.8 m from dup-2
    const otherKind = await post(report({ description: 'dup-4', category: 'matter:06012', location: base }));
    expect(otherKind.body.duplicates).to.deep.equal([]);
  });

  it('the cases tile layer holds every open case with its state; voided cases leave it', async () => {
    const z = 15,
      x = Math.floor(((100.0035 + 180) / 360) * 2 ** z);
    const latR = (20.0015 * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(latR) + 1 / Math.cos(latR)) / Math.PI) / 2) * 2 ** z);
    const tile = async () => {
      const r = await fetch(`${env.server.url}/tiles/cases/${z}/${x}/${y}.mvt`);
      return r.status === 204 ? [] : decode(new Uint8Array(await r.arrayBuffer()), z, x, y).cases.features;
    };
    const open = await sql<{
      id: number;
    }>`select id::int as id from case_record where not outside_coverage order by id`.execute(env.database.db);
    const features = await tile();
    expect(features.map((f) => f.id).sort((a, b) => Number(a) - Number(b))).to.deep.equal(open.rows.map((r) => r.id));
    expect(features[0].properties).to.include({
      state: 'reported',
      overdue: false,
      department_code: 'HW',
      channel: 'collector',
    });
    const admin = (await createUser(env.database.db, 'admin-tiles', 'admin')).token;
    const v = await request(env.server, 'POST', `/api/cases/${open.rows[0].id}/actions`, {
      token: admin,
      body: { action: 'void', note: '重复上报' },
    });
    expect(v.status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the tile service re-reads layer versions every second
    expect((await tile()).map((f) => f.id)).to.not.include(open.rows[0].id);
  });

  it('GET /api/workflow describes states and actions as data', async () => {
    const w = (await request(env.server, 'GET', '/api/workflow')).body;
    expect(w.states.map((s: any) => s.state)).to.deep.equal([...STATES]);
    expect(w.states.find((s: any) => s.state === 'dispatched')).to.deep.equal({
      state: 'dispatched',
      label: '处置中',
      stage: 'dispose',
    });
    expect(w.actions.find((a: any) => a.action === 'dispose')).to.deep.equal({
      action: 'dispose',
      label: '处置反馈',
      from: ['dispatched'],
      to: 'disposed',
      roles: ['department_handler'],
      note: true,
      department: null,
      own_department: true,
    });
    expect(w.actions).to.have.length(15);
  });
});
