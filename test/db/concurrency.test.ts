/**
 * Optimistic concurrency on the write path: every editable resource has an ETag; two editors who both saw version
 * N and save at once get one 200 and one 412 (with the current version) — no lost update; a stale DELETE is a 412;
 * two dispatchers' 改派 of one case cannot both win.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { P, call, intake, setUpWorld, steps, tearDownWorld, type World } from '../cases/fixture.js';

interface Resource {
  name: string;
  path: string;
  method: 'PATCH' | 'PUT';
  /** Two different values of one field… */
  values: [unknown, unknown];
  /** …and the body that sets it. */
  change: (v: any, current: any) => unknown;
  /** The field that shows which change won. */
  read: (body: any) => unknown;
}

describe(`optimistic concurrency: ETag and If-Match (${DRIVER})`, () => {
  let w: World;
  before(async () => {
    w = await setUpWorld();
    const db = w.database.db;
    await sql`insert into area_class_zone (id, name, class, area_kind, area_codes) values (50, '东湖', 'A', 'regions', '{990001001001}')`.execute(
      db,
    );
    await sql`insert into collector (id, code, name) values (50, 'C50', '监督员')`.execute(db);
    await sql`insert into collector_area (id, name, grid_codes, collector_ids) values (50, '东湖片', '{990001001001001}', '{50}')`.execute(
      db,
    );
    await sql`insert into component (code, category_code, name) values ('99000101001000050', '01001', '井盖')`.execute(
      db,
    );
  });
  after(() => tearDownWorld(w));

  const admin = () => w.u.admin.token;
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token = admin(),
  ) => {
    const r = await request(w.server, method, path, { token, body, headers });
    return { status: r.status, etag: r.headers.get('etag'), body: r.body };
  };
  const audits = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from audit_event`.execute(w.database.db)).rows[0].n;

  const resources: Resource[] = [
    {
      name: 'department',
      path: '/api/departments/HW',
      method: 'PATCH',
      values: ['甲', '乙'],
      change: (v) => ({ contact: v }),
      read: (b) => b.contact,
    },
    {
      name: 'rule',
      path: '/api/rules/1',
      method: 'PATCH',
      values: [10, 20],
      change: (v) => ({ priority: v }),
      read: (b) => b.priority,
    },
    {
      name: 'area class',
      path: '/api/area-classes/50',
      method: 'PATCH',
      values: ['B', 'C'],
      change: (v) => ({ class: v }),
      read: (b) => b.class,
    },
    {
      name: 'collector',
      path: '/api/collectors/50',
      method: 'PATCH',
      values: ['131', '132'],
      change: (v) => ({ phone: v }),
      read: (b) => b.phone,
    },
    {
      name: 'collector area',
      path: '/api/collector-areas/50',
      method: 'PATCH',
      values: ['东湖一片', '东湖二片'],
      change: (v) => ({ name: v }),
      read: (b) => b.name,
    },
    {
      name: 'component',
      path: '/api/components/99000101001000050',
      method: 'PATCH',
      values: ['破损', '丢失'],
      change: (v) => ({ status: v }),
      read: (b) => b.status,
    },
    {
      name: 'calendar',
      path: '/api/calendar',
      method: 'PUT',
      values: ['甲改', '乙改'],
      change: (v, cur) => ({ ...cur.definition, note: v }),
      read: (b) => b.definition.note,
    },
    {
      name: 'time limits',
      path: '/api/time-limits',
      method: 'PUT',
      values: [40, 50],
      change: (v, cur) => ({
        stages: { ...cur.stages, accept: v },
        limits: cur.limits.map(({ id: _, ...l }: any) => l),
      }),
      read: (b) => b.stages.accept,
    },
  ];

  for (const r of resources) {
    it(`${r.name}: two saves of version N at once → one 200, one 412 naming the current version; no lost update`, async () => {
      const first = await send('GET', r.path);
      expect(first.status).to.equal(200);
      expect(first.etag).to.match(/^"\d+"$/);
      const before = await audits();
      const [a, b] = await Promise.all(
        [0, 1].map((i) => send(r.method, r.path, r.change(r.values[i], first.body), { 'If-Match': first.etag! })),
      );
      const statuses = [a.status, b.status].sort();
      expect(statuses).to.deep.equal([200, 412]);
      const winner = a.status === 200 ? 0 : 1;
      const loser = winner === 0 ? b : a;
      const v = Number(first.etag!.slice(1, -1));
      expect(loser.body.current_version).to.equal(v + 1);
      expect(loser.body.etag).to.equal(`"${v + 1}"`);
      expect(loser.body.detail).to.contain(`you sent If-Match ${first.etag}`);
      const now = await send('GET', r.path);
      expect(now.etag).to.equal(`"${v + 1}"`);
      expect(r.read(now.body)).to.deep.equal(r.values[winner]);
      expect(await audits()).to.equal(before + 1);
      // The loser reloads and applies its change on the current version: accepted.
      const retry = await send(r.method, r.path, r.change(r.values[1 - winner], now.body), { 'If-Match': now.etag! });
      expect(retry.status).to.equal(200);
      expect(retry.etag).to.equal(`"${v + 2}"`);
      expect(r.read((await send('GET', r.path)).body)).to.deep.equal(r.values[1 - winner]);
    });
  }

  it('a stale DELETE is a 412 and the row stays; the current ETag deletes it', async () => {
    const created = await send('POST', '/api/departments', { code: 'TMP', name: '临时', kind: '其他' });
    expect(created.status).to.equal(201);
    expect(created.etag).to.equal('"1"');
    await send('PATCH', '/api/departments/TMP', { contact: '某人' }, { 'If-Match': '"1"' });
    const stale = await send('DELETE', '/api/departments/TMP', undefined, { 'If-Match': '"1"' });
    expect(stale.status).to.equal(412);
    expect(stale.body.current_version).to.equal(2);
    expect((await send('GET', '/api/departments/TMP')).status).to.equal(200);
    expect((await send('DELETE', '/api/departments/TMP', undefined, { 'If-Match': '"2"' })).status).to.equal(204);
  });

  it('If-Match: * matches any version; a weak tag never matches; a malformed header is a 400', async () => {
    expect((await send('PATCH', '/api/departments/SZ', { contact: 'x' }, { 'If-Match': '*' })).status).to.equal(200);
    const weak = await send('PATCH', '/api/departments/SZ', { contact: 'y' }, { 'If-Match': 'W/"2"' });
    expect(weak.status).to.equal(412);
    const bad = await send('PATCH', '/api/departments/SZ', { contact: 'z' }, { 'If-Match': 'version 2' });
    expect(bad.status).to.equal(400);
    expect(bad.body.errors).to.deep.equal([{ location: 'header.If-Match', message: 'not a list of entity tags' }]);
    expect((await send('GET', '/api/departments/SZ')).body.contact).to.equal('x');
  });

  it("two dispatchers' 改派 of one case with the version they saw: one wins, the other gets 412; one event", async () => {
    const id = await intake(w, { location: P.c02 });
    await steps(w, id, [
      ['accept', '2026-11-02T09:00:00'],
      ['file', '2026-11-02T09:10:00'],
      ['dispatch', '2026-11-02T09:20:00', { department_code: 'HW' }],
    ]);
    const seen = await call(w, 'GET', `/api/cases/${id}`, w.u.disp.token);
    const version = seen.body.version;
    const [a, b] = await Promise.all(
      [
        ['CG', '执法更合适'],
        ['SZ', '市政更合适'],
      ].map(([department_code, note]) =>
        send(
          'POST',
          `/api/cases/${id}/actions`,
          { action: 'reassign', department_code, note },
          { 'If-Match': `"${version}"` },
          w.u.disp.token,
        ),
      ),
    );
    expect([a.status, b.status].sort()).to.deep.equal([200, 412]);
    const winner = a.status === 200 ? a : b;
    expect(winner.body.version).to.equal(version + 1);
    expect(winner.etag).to.equal(`"${version + 1}"`);
    const events = await sql<{
      action: string;
    }>`select action from case_event where case_id = ${id} and action = 'reassign'`.execute(w.database.db);
    expect(events.rows).to.have.length(1);
    const now = await call(w, 'GET', `/api/cases/${id}`, w.u.disp.token);
    expect(now.body.assignment.department.code).to.equal(winner.body.assignment.department.code);
  });
});
