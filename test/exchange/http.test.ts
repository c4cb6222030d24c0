/**
 * The exchange routes: POST /api/exchange/cases (NDJSON in, counts or line errors out) and GET /api/exchange/cases
 * (the period's cases, streamed); the round trip export → import into an empty database → export, byte for byte,
 * with cases made both by import and live (intake and workflow actions); and a fuzz test of arbitrary lines.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { intake, steps } from '../cases/fixture.js';
import { ACTION_NAMES } from '../../server/cases/workflow.js';
import { CASES, P, ndjson, setUpExchangeWorld, tearDownWorld, type World } from './fixture.js';

const NDJSON = { 'Content-Type': 'application/x-ndjson' };
const post = (w: World, body: string, token = w.u.admin.token, headers = NDJSON) =>
  request(w.server, 'POST', '/api/exchange/cases', { token, body, headers });
const get = (w: World, query = '', token = w.u.admin.token) =>
  request(w.server, 'GET', `/api/exchange/cases${query}`, { token });
const lines = (text: string) => text.split('\n').filter(Boolean);

async function counts(w: World) {
  const r = await sql<{ c: number; e: number; a: number }>`select
    (select count(*) from case_record)::int as c, (select count(*) from case_event)::int as e,
    (select count(*) from audit_event)::int as a`.execute(w.database.db);
  return r.rows[0];
}

/** Collector C02 (the collector user's own record in world A; without a user in world B). */
const addC02 = (w: World, userId: number | null) =>
  sql`insert into collector (code, name, phone, user_id) values ('C02', '监督员乙', '', ${userId})`.execute(
    w.database.db,
  );

describe(`case exchange: HTTP (${DRIVER})`, function () {
  this.timeout(300000);
  let a: World;
  let b: World;
  let exported = '';
  before(async () => {
    a = await setUpExchangeWorld();
    b = await setUpExchangeWorld();
    await addC02(a, a.u.coll.user.id);
    await addC02(b, null);
  });
  after(async () => {
    await tearDownWorld(a);
    await tearDownWorld(b);
  });

  it('POST imports the file and answers the counts', async () => {
    const r = await post(a, ndjson(CASES));
    expect(r.status, r.text).to.equal(200);
    expect({ ...r.body, timings: undefined }).to.deep.equal({
      cases: 6,
      unchanged: 0,
      inserted: 6,
      unplaced: 1,
      outside_coverage: 1,
      timings: undefined,
    });
  });

  it('names from the file are people: the case history shows them to staff only', async () => {
    const id = (
      await sql<{ id: number }>`select id::int as id from case_record where case_no = 'MX2026-000001'`.execute(
        a.database.db,
      )
    ).rows[0].id;
    const actors = async (token: string) =>
      (await request(a.server, 'GET', `/api/cases/${id}`, { token })).body.events.map(
        (e: { actor_name: string | null }) => e.actor_name,
      );
    // The report's actor is the collector's code (codes are shown to everyone, as for collectors).
    expect(await actors(a.u.disp.token)).to.deep.equal([
      'C01',
      '受理员甲',
      '值班长乙',
      '派遣员丙',
      '',
      'C01',
      '值班长乙',
    ]);
    expect(await actors(a.u.viewer.token)).to.deep.equal(['C01', null, null, null, '', null, null]);
  });

  it('POST refuses with problem+json: 422 listing lines, 400 empty, 415 not NDJSON, 413 too large, 401/403', async () => {
    const before = await counts(a);
    const bad = await post(a, `${JSON.stringify({ ...CASES[0], case_no: 'N-1' })}\n{"case_no": 1}\n`);
    expect(bad.status).to.equal(422);
    expect(bad.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(bad.body.errors_total).to.equal(5); // channel, category, description, reported_at missing; case_no not a string
    expect(bad.body.errors[0]).to.deep.equal({ line: 2, message: "missing required field 'channel'" });
    expect(bad.body.detail).to.equal(
      "5 problems found, nothing was imported; first: line 2: missing required field 'channel'",
    );
    const empty = await post(a, '\n');
    expect([empty.status, empty.body.detail]).to.deep.equal([
      400,
      'the body holds no cases: send one JSON object per line',
    ]);
    const json = await post(a, ndjson(CASES), a.u.admin.token, { 'Content-Type': 'application/json' });
    expect(json.status).to.equal(415);
    expect(json.body.detail).to.match(/^send the cases as application\/x-ndjson/);
    const small = await startTestServer(a.database, { FILE_LIMIT_MB: '0.001' });
    try {
      const big = await request(small, 'POST', '/api/exchange/cases', {
        token: a.u.admin.token,
        body: ndjson(CASES),
        headers: NDJSON,
      });
      expect([big.status, big.body.detail]).to.deep.equal([413, 'the request body exceeds the limit of 1048 bytes']);
    } finally {
      await small.close();
    }
    expect((await post(a, ndjson(CASES), a.u.disp.token)).status).to.equal(403);
    expect((await post(a, ndjson(CASES), '')).status).to.equal(401);
    expect(await counts(a)).to.deep.equal(before);
  });

  it('GET exports the cases of a period (China Standard Time days, from inclusive, to exclusive) in case_no order', async () => {
    // Live cases: a collector's report (C02) worked to closure; a report at 23:59:59.5 on 5 March dispatched to CG
    // and reassigned; one at midnight 6 March, untouched.
    const live1 = await intake(a, { location: P.c11 }, new Date('2026-03-05T09:00:00+08:00'), a.u.coll.user);
    await steps(a, live1, [
      ['accept', '2026-03-05T09:05:00'],
      ['file', '2026-03-05T09:06:00'],
      ['dispatch', '2026-03-05T09:07:00'],
      ['dispose', '2026-03-05T11:00:00', { user: a.u.hA.user, note: '已清理' }],
      ['check', '2026-03-05T11:30:00'],
      ['close', '2026-03-05T11:40:00'],
    ]);
    const live2 = await intake(a, { location: P.c41, channel: 'app' }, new Date('2026-03-05T23:59:59.500+08:00'));
    await steps(a, live2, [
      ['accept', '2026-03-06T08:40:00'],
      ['file', '2026-03-06T08:41:00'],
      ['dispatch', '2026-03-06T08:42:00', { department_code: 'CG' }],
      ['reassign', '2026-03-06T09:00:00', { department_code: 'HW', note: '改派环卫' }],
    ]);
    await intake(a, { location: P.c00 }, new Date('2026-03-06T00:00:00+08:00'));
    const all = await get(a);
    expect(all.status).to.equal(200);
    expect(all.headers.get('content-type')).to.equal('application/x-ndjson; charset=utf-8');
    exported = all.text;
    const nos = lines(exported).map((l) => JSON.parse(l).case_no);
    expect(nos).to.deep.equal([...nos].sort());
    expect(nos.length).to.equal(9);
    const day = async (q: string) => lines((await get(a, q)).text).map((l) => JSON.parse(l).reported_at);
    expect(await day('?from=2026-03-05&to=2026-03-06')).to.deep.equal([
      '2026-03-05T09:00:00+08:00',
      '2026-03-05T23:59:59.500+08:00',
    ]);
    expect(await day('?from=2026-03-06')).to.deep.equal(['2026-03-06T00:00:00+08:00']);
    expect((await day('?to=2026-03-03')).length).to.equal(5);
    // The collector's closed case as the format writes it: the department it was dispatched to (its assigned HW;
    // the live dispatch named none), actors by name, every stage's deadline (class C; 06010 disposal 8 h from
    // Thu 09:07 = Fri 09:07).
    const first = JSON.parse(lines(exported)[0]);
    expect(first).to.deep.equal({
      case_no: first.case_no,
      channel: 'collector',
      category: 'matter:06010',
      condition: null,
      description: '暴露垃圾',
      location: { lon: P.c11.lon, lat: P.c11.lat, crs: 'wgs84' },
      address: first.address,
      reported_at: '2026-03-05T09:00:00+08:00',
      collector_code: 'C02',
      events: [
        {
          action: 'accept',
          at: '2026-03-05T09:05:00+08:00',
          actor: '管理员',
          note: '处理说明',
          deadline: '2026-03-05T09:35:00+08:00',
        },
        {
          action: 'file',
          at: '2026-03-05T09:06:00+08:00',
          actor: '管理员',
          note: '处理说明',
          deadline: '2026-03-05T09:36:00+08:00',
        },
        {
          action: 'dispatch',
          at: '2026-03-05T09:07:00+08:00',
          actor: '管理员',
          department_code: 'HW',
          note: '处理说明',
          deadline: '2026-03-06T09:07:00+08:00',
        },
        {
          action: 'dispose',
          at: '2026-03-05T11:00:00+08:00',
          actor: '环卫所处置员',
          note: '已清理',
          deadline: '2026-03-05T11:30:00+08:00',
        },
        // check 11:30 + 60 working min: 30 before noon, 13:00 + 30.
        {
          action: 'check',
          at: '2026-03-05T11:30:00+08:00',
          actor: '管理员',
          note: '处理说明',
          deadline: '2026-03-05T13:30:00+08:00',
        },
        { action: 'close', at: '2026-03-05T11:40:00+08:00', actor: '管理员', note: '处理说明' },
      ],
    });
    expect(lines(exported)[1]).to.contain('"department_code":"CG"');
    const bad = await get(a, '?from=2026-03-06&to=2026-03-06');
    expect([bad.status, bad.body.detail]).to.deep.equal([400, "query parameter 'from' must be a day before 'to'"]);
    expect((await get(a, '?from=2026-02-30')).status).to.equal(400);
    expect((await get(a, '', a.u.viewer.token)).status).to.equal(403);
    expect((await get(a, '', a.u.disp.token)).status).to.equal(403);
  });

  it('round trip: export → import into an empty database → export is byte-identical', async () => {
    const r = await post(b, exported);
    expect(r.status, r.text).to.equal(200);
    expect([r.body.inserted, r.body.unchanged]).to.deep.equal([9, 0]);
    const again = await get(b);
    expect(again.text).to.equal(exported);
    // …and importing the export where it came from changes nothing.
    const same = await post(a, exported);
    expect([same.body.inserted, same.body.unchanged]).to.deep.equal([0, 9]);
  });

  it('fuzz: arbitrary lines answer 2xx or 4xx (problem+json), never 5xx; a refused body stores nothing', async () => {
    const valid = CASES[0];
    const keys = [...Object.keys(valid), 'extra'];
    const mutated = fc
      .record({
        no: fc.stringMatching(/^[0-9A-Za-z][0-9A-Za-z_.:/-]{0,20}$/),
        key: fc.constantFrom(...keys),
        value: fc.jsonValue({ maxDepth: 3 }),
        event: fc.nat({ max: 7 }),
        eventKey: fc.constantFrom('action', 'at', 'actor', 'department_code', 'note', 'deadline', 'other'),
        eventValue: fc.jsonValue({ maxDepth: 2 }),
        which: fc.nat({ max: 2 }),
      })
      .map(({ no, key, value, event, eventKey, eventValue, which }) => {
        const c: Record<string, unknown> = structuredClone({ ...valid, case_no: no });
        if (which !== 1) c[key] = value;
        if (which !== 0 && Array.isArray(c.events) && c.events[event])
          (c.events[event] as Record<string, unknown>)[eventKey] = eventValue;
        return JSON.stringify(c);
      });
    // Well-typed cases of plausible values: the workflow, time, reference and position checks.
    const times = [
      '2026-03-02T09:00:00+08:00',
      '2026-03-02T10:00:00+08:00',
      '2026-03-03T01:00:00Z',
      '2027-01-01T00:00:00Z',
    ];
    const event = fc.record(
      {
        action: fc.constantFrom(...ACTION_NAMES),
        at: fc.constantFrom(...times),
        actor: fc.constantFrom('', '甲', null),
        department_code: fc.constantFrom('HW', 'CG', 'XX', null),
        note: fc.constantFrom('', '说明', null),
        deadline: fc.constantFrom(...times, null),
      },
      { requiredKeys: ['action', 'at'] },
    );
    const plausible = fc
      .record({
        case_no: fc.stringMatching(/^[0-9A-Za-z][0-9A-Za-z_.:/-]{0,20}$/),
        channel: fc.constantFrom('collector', 'app', 'open311'),
        category: fc.constantFrom('matter:06010', 'matter:0110', 'component:01001', 'matter:99999'),
        condition: fc.constantFrom(null, '', '缺失'),
        description: fc.constantFrom('垃圾', ' '),
        location: fc.option(
          fc.record({
            lon: fc.double({ min: 99.999, max: 100.008, noNaN: true }),
            lat: fc.double({ min: 19.999, max: 20.004, noNaN: true }),
            crs: fc.constantFrom('wgs84', 'gcj02', 'bd09', 'cgcs2000'),
          }),
        ),
        address: fc.constantFrom('', '湖滨路1号', null),
        reported_at: fc.constantFrom(...times),
        collector_code: fc.constantFrom(null, 'C01', 'C99'),
        events: fc.array(event, { maxLength: 7 }),
        sorted: fc.boolean(),
      })
      .map(({ sorted, ...c }) => {
        if (sorted) c.events.sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
        return JSON.stringify(c);
      });
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      mutated,
      plausible,
      plausible,
    );
    const body = fc.array(line, { minLength: 1, maxLength: 4 }).map((l) => l.join('\n'));
    let before = await counts(a);
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const r = await post(a, text);
        const where = `${r.status} ${r.text.slice(0, 300)} for ${JSON.stringify(text).slice(0, 300)}`;
        expect(r.status, where).to.be.below(500);
        const after = await counts(a);
        if (r.status >= 400) {
          expect(r.headers.get('content-type'), where).to.match(/^application\/problem\+json/);
          expect(r.body.detail, where).to.be.a('string').and.not.equal('');
          expect(after, `${where}: a refused import stored something`).to.deep.equal(before);
        }
        before = after;
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 20260310), numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });
});
