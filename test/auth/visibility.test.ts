/**
 * Who sees whom, over HTTP: one table of roles × resources with the exact fields each role gets — collectors'
 * names and phones (collectors, collector areas, the assignment preview, a case's assignment), reporters' names and
 * phones (a case of the handler's own department and of another), and staff names in a case's history.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER } from '../helpers/db.js';
import { call, intake, P, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';

type Who = 'anonymous' | 'viewer' | 'collector' | 'gis_editor' | 'handler_HW' | 'handler_CG' | 'dispatcher' | 'admin';

const REPORTER = { name: '张三', phone: '13800000000' };
const SHOWN = { reporter: REPORTER, reporter_withheld: false };
const WITHHELD = { reporter: null, reporter_withheld: true };

/**
 * Expected per role: the keys of a collector (GET /api/collectors/{id}; in areas, previews and cases there is no
 * user_id), the reporter of the HW case and of the SZ case, and the actor name of the report event (null = withheld).
 * Cases need a signed-in reader (401 for anonymous).
 */
const TABLE: { who: Who; collector: string[]; hw: object | 401; sz: object | 401; actor: string | null | 401 }[] = [
  { who: 'anonymous', collector: ['code', 'id', 'user_id'], hw: 401, sz: 401, actor: 401 },
  { who: 'viewer', collector: ['code', 'id', 'user_id'], hw: WITHHELD, sz: WITHHELD, actor: null },
  { who: 'collector', collector: ['code', 'id', 'name', 'user_id'], hw: WITHHELD, sz: WITHHELD, actor: '调度员甲' },
  { who: 'gis_editor', collector: ['code', 'id', 'name', 'user_id'], hw: WITHHELD, sz: WITHHELD, actor: '调度员甲' },
  { who: 'handler_HW', collector: ['code', 'id', 'name', 'user_id'], hw: SHOWN, sz: WITHHELD, actor: '调度员甲' },
  { who: 'handler_CG', collector: ['code', 'id', 'name', 'user_id'], hw: WITHHELD, sz: WITHHELD, actor: '调度员甲' },
  { who: 'dispatcher', collector: ['code', 'id', 'name', 'phone', 'user_id'], hw: SHOWN, sz: SHOWN, actor: '调度员甲' },
  { who: 'admin', collector: ['code', 'id', 'name', 'phone', 'user_id'], hw: SHOWN, sz: SHOWN, actor: '调度员甲' },
];

describe(`who sees whom: collectors' and reporters' personal data by role (${DRIVER})`, function () {
  this.timeout(600_000);
  let w: World;
  let tokens: Record<Who, string | undefined>;
  let collectorId: number, areaId: number, hwCase: number, szCase: number;

  before(async () => {
    w = await setUpWorld();
    const db = w.database.db;
    collectorId = (
      await sql<{ id: number }>`insert into collector (code, name, phone) values ('C1', '李监督', '13900000001')
      returning id`.execute(db)
    ).rows[0].id;
    areaId = (
      await sql<{ id: number }>`insert into collector_area (name, grid_codes, collector_ids)
      values ('东湖片', '{990001001001001}', ${[collectorId]}::int[]) returning id`.execute(db)
    ).rows[0].id;
    const editor = await createUser(db, '编辑', 'gis_editor');
    tokens = {
      anonymous: undefined,
      viewer: w.u.viewer.token,
      collector: w.u.coll.token,
      gis_editor: editor.token,
      handler_HW: w.u.hA.token,
      handler_CG: w.u.hB.token,
      dispatcher: w.u.disp.token,
      admin: w.u.admin.token,
    };
    // matter:06010 → HW (环卫所); matter:01001 → SZ (市政所). Both reported by the dispatcher 调度员甲 with a reporter.
    hwCase = await intake(
      w,
      { location: P.c02, channel: 'hotline_12345', reporter: REPORTER },
      undefined,
      w.u.disp.user,
    );
    szCase = await intake(
      w,
      { location: P.c41, category: 'matter:01001', condition: '缺失', channel: 'hotline_12345', reporter: REPORTER },
      undefined,
      w.u.disp.user,
    );
  });
  after(async () => {
    await tearDownWorld(w);
  });

  const keys = (o: object) => Object.keys(o).sort();
  const reporterOf = (c: any) => ({ reporter: c.reporter, reporter_withheld: c.reporter_withheld });

  for (const row of TABLE) {
    it(`${row.who}: collector fields ${row.collector.join(', ')}; reporter ${row.hw === 401 ? '401' : row.hw === SHOWN ? 'shown' : 'withheld'} on its own department's case`, async () => {
      const t = tokens[row.who];
      const inner = row.collector.filter((k) => k !== 'user_id');

      const one = await call(w, 'GET', `/api/collectors/${collectorId}`, t);
      expect(one.status).to.equal(200);
      expect(one.body).to.deep.equal(
        Object.fromEntries(
          Object.entries({
            id: collectorId,
            code: 'C1',
            name: '李监督',
            phone: '13900000001',
            user_id: null,
            version: 1,
          }).filter(([k]) => k === 'version' || row.collector.includes(k)),
        ),
      );
      const list = await call(w, 'GET', '/api/collectors', t);
      expect(list.body.map(keys)).to.deep.equal([[...row.collector, 'version']]);
      const area = await call(w, 'GET', `/api/collector-areas/${areaId}`, t);
      expect(area.body.collectors.map(keys)).to.deep.equal([inner]);
      const areas = await call(w, 'GET', '/api/collector-areas', t);
      expect(areas.body[0].collectors.map(keys)).to.deep.equal([inner]);
      const preview = await call(
        w,
        'GET',
        `/api/assign/preview?lon=${P.c02.lon}&lat=${P.c02.lat}&category=matter:06010`,
        t,
      );
      expect(preview.status).to.equal(200);
      expect(preview.body.assignment.collectors.map(keys)).to.deep.equal([inner]);

      const hw = await call(w, 'GET', `/api/cases/${hwCase}`, t);
      const sz = await call(w, 'GET', `/api/cases/${szCase}`, t);
      if (row.hw === 401) {
        expect([hw.status, sz.status]).to.deep.equal([401, 401]);
        return;
      }
      expect([hw.status, sz.status]).to.deep.equal([200, 200]);
      expect([hw.body.assignment.department.code, sz.body.assignment.department.code]).to.deep.equal(['HW', 'SZ']);
      expect(reporterOf(hw.body)).to.deep.equal(row.hw);
      expect(reporterOf(sz.body)).to.deep.equal(row.sz);
      expect(hw.body.assignment.collectors.map(keys)).to.deep.equal([inner]);
      expect(hw.body.events.map((e: any) => [e.action, e.actor_name])).to.deep.equal([['report', row.actor]]);
      const queue = await call(w, 'GET', '/api/cases', t);
      expect(queue.body.items.map((c: any) => [c.id, reporterOf(c)])).to.deep.equal([
        [szCase, row.sz],
        [hwCase, row.hw],
      ]);
    });
  }

  it('the dispatcher who reports sees the reporter in the answer of POST /api/cases; a collector who reports does not', async () => {
    const body = {
      channel: 'hotline_12345',
      category: 'matter:06010',
      description: '又一处垃圾',
      location: P.c00,
      reporter: REPORTER,
    };
    const d = await call(w, 'POST', '/api/cases', w.u.disp.token, body);
    expect([d.status, reporterOf(d.body)]).to.deep.equal([201, SHOWN]);
    const c = await call(w, 'POST', '/api/cases', w.u.coll.token, { ...body, channel: 'collector' });
    expect([c.status, reporterOf(c.body)]).to.deep.equal([201, WITHHELD]);
    // Stored all the same: the dispatcher reads it.
    expect(reporterOf((await call(w, 'GET', `/api/cases/${c.body.id}`, w.u.disp.token)).body)).to.deep.equal(SHOWN);
  });

  it('case history and the case tiles carry no reporter data (exports hold regions and grids only)', async () => {
    const events = await sql<{
      detail: unknown;
      note: string;
    }>`select detail, note from case_event where case_id = ${hwCase}`.execute(w.database.db);
    expect(JSON.stringify(events.rows)).not.to.contain(REPORTER.phone).and.not.to.contain(REPORTER.name);
    const tj = await call(w, 'GET', '/tiles/cases.json');
    expect(Object.keys(tj.body.vector_layers[0].fields).sort()).to.deep.equal([
      'case_no',
      'category',
      'channel',
      'department_code',
      'id',
      'outside_coverage',
      'overdue',
      'state',
    ]);
  });
});
