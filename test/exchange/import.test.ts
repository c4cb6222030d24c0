/**
 * Import of exchange files (server/exchange): the six hand-made cases of fixture.ts stored exactly as worked out
 * below by hand, every kind of error named with its line, all or nothing, an identical re-import is a no-op and a
 * different body under a stored case_no an error.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { ExchangeRejected, importCases, type ImportSummary } from '../../server/exchange/import.js';
import { intake, steps } from '../cases/fixture.js';
import { exportLines } from '../../server/exchange/export.js';
import { CASES, NOW, bytes, iso, ndjson, setUpExchangeWorld, tearDownWorld, P, type World } from './fixture.js';

const actor = { id: null, name: 'test:exchange' };
const run = (w: World, text: string | Buffer, opts: { scope?: string; copy?: boolean; bulk?: boolean } = {}) =>
  importCases(opts.copy === false ? { ...w.database, copyIn: undefined } : w.database, bytes(text, 5), {
    actor,
    now: NOW,
    scope: opts.scope,
    bulk: opts.bulk,
  });
async function refusal(p: Promise<unknown>): Promise<ExchangeRejected> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ExchangeRejected) return e;
    throw e;
  }
  throw new Error('the import was not refused');
}
const count = async (w: World, table: 'case_record' | 'case_event' | 'audit_event') =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(w.database.db)).rows[0].n;
const local = (t: string) => new Date(`${t}+08:00`).toISOString();

describe(`case exchange: import (${DRIVER})`, function () {
  this.timeout(120000);

  describe('the hand-made file', () => {
    let w: World;
    let summary: ImportSummary;
    before(async () => {
      w = await setUpExchangeWorld();
      summary = await run(w, ndjson(CASES), { bulk: false });
    });
    after(async () => tearDownWorld(w));

    it('counts what it did', () => {
      expect({ ...summary, timings: undefined }).to.deep.equal({
        cases: 6,
        inserted: 6,
        unchanged: 0,
        unplaced: 1,
        outside_coverage: 1,
        timings: undefined,
      });
    });

    it('stores every case placed as at intake, with the state, department and deadlines its events leave', async () => {
      const rows = await sql<Record<string, unknown>>`
        select case_no, state, grid_code, community_code, street_code, district_code, area_class, collector_area_id,
          department_code, rule_id, stage_deadline, dispose_deadline, closed_at, needs_location, outside_coverage,
          urge_count, rework_count, parked_from, collector_code, version, updated_at, address, condition, channel,
          category_kind || ':' || category_code as category, input_crs, assignment->'matched'->>'source' as source
        from case_record order by case_no`.execute(w.database.db);
      const at = (t: string | null) => (t === null ? null : local(t));
      const row = (r: Record<string, unknown>) => ({
        ...r,
        stage_deadline: iso(r.stage_deadline as Date),
        dispose_deadline: iso(r.dispose_deadline as Date),
        closed_at: iso(r.closed_at as Date),
        updated_at: iso(r.updated_at as Date),
      });
      const common = { collector_area_id: null, urge_count: 0, rework_count: 0, parked_from: null, condition: '' };
      expect(rows.rows.map(row)).to.deep.equal([
        // 1: c02 → grid …001001001 (东湖, 湖滨街道), class C; rule 1 (matter 06 → HW); dispatched to HW.
        // Dispatch Mon 09:30 + 8 working h (06010, class C): 09:30–12:00 2.5 h, 13:00–17:30 4.5 h, Tue 08:30 + 1 h.
        // Closed at 15:20: the stage clock stops (no stage in closed), the disposal deadline stays.
        {
          ...common,
          case_no: 'MX2026-000001',
          state: 'closed',
          grid_code: '990001001001001',
          community_code: '990001001001',
          street_code: '990001001',
          district_code: '990001',
          area_class: 'C',
          department_code: 'HW',
          rule_id: 1,
          stage_deadline: null,
          dispose_deadline: at('2026-03-03T09:30:00'),
          closed_at: at('2026-03-02T15:20:00'),
          needs_location: false,
          outside_coverage: false,
          collector_code: 'C01',
          version: 7,
          updated_at: at('2026-03-02T15:20:00'),
          address: '湖滨路12号',
          channel: 'collector',
          category: 'matter:06010',
          input_crs: 'wgs84',
          source: 'rule',
        },
        // 2: GCJ-02 of c41 → c41 → grid …002001002 (公园社区, 山前街道), class A (zone over 990001002); rule 1 → HW.
        // Dispatched to CG Mon 16:10 (+2 h: 16:10–17:30 80 min, Tue 08:30 + 40 min = 09:10), reassigned to HW
        // Tue 08:45: the disposal clock restarts, 08:45 + 2 h = 10:45; still dispatched.
        {
          ...common,
          case_no: 'MX2026-000002',
          state: 'dispatched',
          grid_code: '990001002001002',
          community_code: '990001002001',
          street_code: '990001002',
          district_code: '990001',
          area_class: 'A',
          department_code: 'HW',
          rule_id: 1,
          stage_deadline: at('2026-03-03T10:45:00'),
          dispose_deadline: at('2026-03-03T10:45:00'),
          closed_at: null,
          needs_location: false,
          outside_coverage: false,
          collector_code: null,
          version: 5,
          updated_at: at('2026-03-03T08:45:00'),
          address: '',
          channel: 'hotline_12345',
          category: 'matter:06010',
          input_crs: 'gcj02',
          source: 'rule',
        },
        // 3: c61 → grid …002002002 (河东社区), class A; component 01001 has no rule → QY (fallback everywhere;
        // street 990001002 has none); dispatched to SZ with the old platform's deadline 12:00, then parked: no stage
        // clock while parked, the disposal deadline as given.
        {
          ...common,
          case_no: 'MX2026-000003',
          state: 'parked',
          grid_code: '990001002002002',
          community_code: '990001002002',
          street_code: '990001002',
          district_code: '990001',
          area_class: 'A',
          department_code: 'SZ',
          rule_id: null,
          stage_deadline: null,
          dispose_deadline: at('2026-03-02T12:00:00'),
          closed_at: null,
          needs_location: false,
          outside_coverage: false,
          parked_from: 'dispatched',
          collector_code: null,
          version: 5,
          updated_at: at('2026-03-02T10:30:00'),
          address: '河东路3号',
          condition: '缺失',
          channel: 'app',
          category: 'component:01001',
          input_crs: 'wgs84',
          source: 'fallback',
        },
        // 4: no location: stored unplaced (待定位) with intake's pending assignment (class C, no department);
        // accepted 11:00 + 30 min to file = 11:30.
        {
          ...common,
          case_no: 'MX2026-000004',
          state: 'accepted',
          grid_code: null,
          community_code: null,
          street_code: null,
          district_code: null,
          area_class: 'C',
          department_code: null,
          rule_id: null,
          stage_deadline: at('2026-03-02T11:30:00'),
          dispose_deadline: null,
          closed_at: null,
          needs_location: true,
          outside_coverage: false,
          collector_code: null,
          version: 2,
          updated_at: at('2026-03-02T11:00:00'),
          address: '湖滨路1号',
          channel: 'hotline_12319',
          category: 'matter:06010',
          input_crs: 'wgs84',
          source: 'none',
        },
        // 5: (101, 21) lies outside every region: outside coverage, the everywhere fallback QY; reported Mon 17:20,
        // accept within 30 min: 10 min on Monday, Tue 08:30 + 20 min = 08:50.
        {
          ...common,
          case_no: 'MX2026-000005',
          state: 'reported',
          grid_code: null,
          community_code: null,
          street_code: null,
          district_code: null,
          area_class: 'C',
          department_code: 'QY',
          rule_id: null,
          stage_deadline: at('2026-03-03T08:50:00'),
          dispose_deadline: null,
          closed_at: null,
          needs_location: false,
          outside_coverage: true,
          collector_code: 'C01',
          version: 1,
          updated_at: at('2026-03-02T17:20:00'),
          address: '',
          channel: 'collector',
          category: 'matter:01001',
          input_crs: 'wgs84',
          source: 'fallback',
        },
        // 6: c21 → grid …001002002 (西湖社区), class C; urged (clock left running), disposed, reworked Wed 10:30:
        // 8 h again = 10:30–12:00 1.5 h + 13:00–17:30 4.5 h + Thu 08:30 + 2 h = Thu 10:30.
        {
          ...common,
          case_no: 'MX2026-000006',
          state: 'dispatched',
          grid_code: '990001001002002',
          community_code: '990001001002',
          street_code: '990001001',
          district_code: '990001',
          area_class: 'C',
          department_code: 'HW',
          rule_id: 1,
          stage_deadline: at('2026-03-05T10:30:00'),
          dispose_deadline: at('2026-03-05T10:30:00'),
          closed_at: null,
          needs_location: false,
          outside_coverage: false,
          urge_count: 1,
          rework_count: 1,
          collector_code: 'C01',
          version: 7,
          updated_at: at('2026-03-04T10:30:00'),
          address: '西湖路8号',
          channel: 'collector',
          category: 'matter:06010',
          input_crs: 'wgs84',
          source: 'rule',
        },
      ]);
    });

    it('keeps the position as given and stores it in WGS84', async () => {
      const r = await sql<{ case_no: string; lon: number; lat: number; input_lon: number; input_lat: number }>`
        select case_no, lon, lat, input_lon, input_lat from case_record where case_no = 'MX2026-000002'`.execute(
        w.database.db,
      );
      const c = r.rows[0];
      expect(c.input_lon).to.equal(CASES[1].location!.lon);
      expect(c.input_lat).to.equal(CASES[1].location!.lat);
      expect(Math.abs(c.lon - P.c41.lon)).to.be.below(1e-9);
      expect(Math.abs(c.lat - P.c41.lat)).to.be.below(1e-9);
    });

    it('stores each history: the report, then every event with its states, actor and deadline', async () => {
      const r = await sql<Record<string, unknown>>`
        select e.action, e.from_state, e.to_state, e.actor_name, e.actor_id, e.note, e.deadline, e.detail
        from case_event e join case_record c on c.id = e.case_id where c.case_no = 'MX2026-000001' order by e.id`.execute(
        w.database.db,
      );
      expect(r.rows.map((e) => ({ ...e, deadline: iso(e.deadline as Date) }))).to.deep.equal([
        {
          action: 'report',
          from_state: null,
          to_state: 'reported',
          actor_name: 'C01',
          actor_id: null,
          note: '路边暴露垃圾',
          deadline: local('2026-03-02T09:30:00'),
          detail: {
            channel: 'collector',
            location_source: 'reported',
            imported: true,
            department: 'HW',
            matched: { source: 'rule', rule_id: 1, rule_version: 1, rule_name: '环卫类归环卫所' },
          },
        },
        // accept 09:10 + 30 min (file); file 09:20 + 30 (dispatch); dispatch 09:30 → Tue 09:30 (disposal);
        // dispose 15:00 + 30 (check); check 15:10 + 60 (close); close: no stage.
        {
          action: 'accept',
          from_state: 'reported',
          to_state: 'accepted',
          actor_name: '受理员甲',
          actor_id: null,
          note: '',
          deadline: local('2026-03-02T09:40:00'),
          detail: { imported_actor: true },
        },
        {
          action: 'file',
          from_state: 'accepted',
          to_state: 'filed',
          actor_name: '值班长乙',
          actor_id: null,
          note: '',
          deadline: local('2026-03-02T09:50:00'),
          detail: { imported_actor: true },
        },
        {
          action: 'dispatch',
          from_state: 'filed',
          to_state: 'dispatched',
          actor_name: '派遣员丙',
          actor_id: null,
          note: '',
          deadline: local('2026-03-03T09:30:00'),
          detail: { department_from: null, department_to: 'HW', imported_actor: true },
        },
        {
          action: 'dispose',
          from_state: 'dispatched',
          to_state: 'disposed',
          actor_name: '',
          actor_id: null,
          note: '已清运',
          deadline: local('2026-03-02T15:30:00'),
          detail: {},
        },
        {
          action: 'check',
          from_state: 'disposed',
          to_state: 'checked',
          actor_name: 'C01',
          actor_id: null,
          note: '',
          deadline: local('2026-03-02T16:10:00'),
          detail: { imported_actor: true },
        },
        {
          action: 'close',
          from_state: 'checked',
          to_state: 'closed',
          actor_name: '值班长乙',
          actor_id: null,
          note: '',
          deadline: null,
          detail: { imported_actor: true },
        },
      ]);
      // 7 + 5 + 5 + 2 + 1 + 7 rows: a report event per case and one per event of the file.
      expect(await count(w, 'case_event')).to.equal(27);
      const audit = await sql<{ action: string; entity: string; detail: Record<string, unknown> }>`
        select action, entity, detail from audit_event where actor_name = 'test:exchange'`.execute(w.database.db);
      expect(audit.rows).to.deep.equal([
        {
          action: 'import',
          entity: 'case',
          detail: { file: null, lines: 6, inserted: 6, unplaced: 1, outside_coverage: 1, unchanged: 0 },
        },
      ]);
    });

    it('a re-import of the same file is a no-op (every case unchanged)', async () => {
      const again = await run(w, ndjson(CASES));
      expect([again.inserted, again.unchanged]).to.deep.equal([0, 6]);
      expect(await count(w, 'case_record')).to.equal(6);
      expect(await count(w, 'case_event')).to.equal(27);
    });

    it('a different body under a stored case_no is an error naming the line and the field; nothing is stored', async () => {
      const changed = structuredClone(CASES);
      changed[3].events[0].at = '2026-03-02T11:05:00+08:00';
      const fresh = { ...CASES[0], case_no: 'MX2026-000099' };
      const e = await refusal(run(w, ndjson([...changed, fresh])));
      expect(e.errors).to.deep.equal([
        {
          line: 4,
          message:
            'case MX2026-000004 is already stored with a different body (first difference: events[0].at); a re-import must be identical',
        },
      ]);
      expect(await count(w, 'case_record')).to.equal(6);
    });

    it('a first import in bulk (PostgreSQL) stores the same rows and restores every index and foreign key', async () => {
      const v = await setUpExchangeWorld();
      try {
        const schema = async () =>
          (
            await sql<{ def: string }>`
              select indexdef as def from pg_indexes where tablename in ('case_record', 'case_event')
              union all
              select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
              where conrelid in ('case_record'::regclass, 'case_event'::regclass)
              order by 1`.execute(v.database.db)
          ).rows.map((r) => r.def);
        const before = await schema();
        const s = await importCases(v.database, bytes(ndjson(CASES)), { actor, now: NOW });
        expect('rebuild' in s.timings.steps).to.equal(DRIVER === 'pg');
        expect(await schema()).to.deep.equal(before);
        const rows = async (x: World, table: 'case_record' | 'case_event') =>
          (await sql`select * from ${sql.table(table)} order by id`.execute(x.database.db)).rows;
        for (const table of ['case_record', 'case_event'] as const)
          expect(await rows(v, table), table).to.deep.equal(await rows(w, table));
      } finally {
        await tearDownWorld(v);
      }
    });

    it('a case made live is the same case when its export is imported', async () => {
      const id = await intake(w, { location: P.c11 }, new Date('2026-03-05T09:00:00+08:00'));
      await steps(w, id, [
        ['accept', '2026-03-05T09:05:00'],
        ['file', '2026-03-05T09:06:00'],
        ['dispatch', '2026-03-05T09:07:00'],
      ]);
      let text = '';
      for await (const l of exportLines(w.database.db, { scope: '' })) text += l;
      const again = await run(w, text);
      expect([again.inserted, again.unchanged]).to.deep.equal([0, 7]);
    });

    it('an imported number shaped like intake’s (day + id) is never given to a later report', async () => {
      // Intake numbers a case YYYYMMDD + its id: a case exported from another wangge on 2026-03-06 with id 9000.
      const theirs = { ...(CASES[0] as Record<string, unknown>), case_no: '20260306009000' };
      expect((await run(w, ndjson([theirs]))).inserted).to.equal(1);
      const id = await intake(w, { location: P.c11 }, new Date('2026-03-06T10:00:00+08:00'));
      expect(id).to.be.above(9000);
      const { rows } = await sql<{ case_no: string }>`select case_no from case_record where id = ${id}`.execute(
        w.database.db,
      );
      expect(rows[0].case_no).to.equal(`20260306${String(id).padStart(6, '0')}`);
    });
  });

  describe('refusals', () => {
    let w: World;
    let audits = 0;
    before(async () => {
      w = await setUpExchangeWorld();
      audits = await count(w, 'audit_event');
    });
    after(async () => tearDownWorld(w));
    const nothingStored = async () => {
      expect(await count(w, 'case_record'), 'cases').to.equal(0);
      expect(await count(w, 'case_event'), 'events').to.equal(0);
      expect(await count(w, 'audit_event'), 'audit').to.equal(audits);
    };

    const base = {
      case_no: 'OK-1',
      channel: 'collector',
      category: 'matter:06010',
      description: '垃圾',
      location: { lon: P.c02.lon, lat: P.c02.lat },
      reported_at: '2026-03-02T09:00:00+08:00',
      events: [
        { action: 'accept', at: '2026-03-02T09:10:00+08:00' },
        { action: 'file', at: '2026-03-02T09:20:00+08:00' },
        { action: 'dispatch', at: '2026-03-02T09:30:00+08:00', department_code: 'HW' },
      ],
    };
    const ev = base.events;
    const line = (no: string, over: Record<string, unknown>) => JSON.stringify({ ...base, case_no: no, ...over });

    it('names every problem with its line and stores nothing', async () => {
      const lines = [
        line('OK-1', {}), // 1: fine
        '{"case_no": "X", ', // 2
        '[1, 2]', // 3
        line('E-4', { description: undefined }), // 4
        line('E-5', { category: 'matter:99999' }), // 5
        line('E-6', { collector_code: 'C99' }), // 6
        line('E-7', { events: [ev[2]] }), // 7
        line('E-8', { events: [ev[1 - 1], { ...ev[1], at: '2026-03-02T09:05:00+08:00' }] }), // 8
        line('E-9', { events: [{ ...ev[0], at: '2026-03-02T08:00:00+08:00' }] }), // 9
        line('E-10', { events: [...ev, { action: 'dispose', at: '2026-03-02T10:00:00+08:00' }] }), // 10
        line('E-11', { events: [ev[0], ev[1], { action: 'dispatch', at: '2026-03-02T09:30:00+08:00' }] }), // 11
        line('E-12', { events: [ev[0], ev[1], { ...ev[2], department_code: 'XX' }] }), // 12
        line('E-13', {
          events: [
            ...ev,
            { action: 'urge', at: '2026-03-02T09:40:00+08:00', note: '快', deadline: '2026-03-03T09:00:00+08:00' },
          ],
        }), // 13
        line('E-14', { location: null, events: [] }), // 14
        line('E-15', { location: null, address: '湖滨路1号' }), // 15
        line('E-16', { reported_at: '2026-03-11T09:00:00+08:00', events: [] }), // 16
        line('OK-1', {}), // 17
        line('E-18', {
          events: [...ev, { action: 'reassign', at: '2026-03-02T10:00:00+08:00', note: '改派', department_code: 'HW' }],
        }), // 18
        line('E-19', { foo: 1 }), // 19
        '', // 20: blank, skipped
        line('E-21', { events: [ev[0], { action: 'file', at: '2026-03-02T09:15:00+08:00', department_code: 'HW' }] }), // 21
        line('E-22', { events: [{ ...ev[0], deadline: '2026-03-02T09:00:00+08:00' }] }), // 22
        line('E-23', { reported_at: '2026-03-02 09:00' }), // 23
      ];
      const text = Buffer.concat([
        Buffer.from(lines.join('\n') + '\n'),
        Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), // 24: not UTF-8
      ]);
      const e = await refusal(run(w, text));
      const messages = e.errors.map((x) => `${x.line}: ${x.message}`);
      expect(messages[0]).to.match(/^2: not valid JSON: /);
      expect(messages.slice(1)).to.deep.equal([
        '3: a line must be a JSON object (one case)',
        "4: missing required field 'description'",
        "5: category 'matter:99999' is not in the GB/T 47678.5 dictionary (see /api/categories)",
        "6: collector_code 'C99' is not a collector of this platform: add the collector first",
        "7: events[0]: action 'dispatch' (派遣) is not allowed in state reported (上报); allowed: accept, request_verify, void",
        '8: events[1].at 2026-03-02T09:05:00+08:00 is before events[0].at (times must not decrease)',
        '9: events[0].at 2026-03-02T08:00:00+08:00 is before reported_at (times must not decrease)',
        "10: events[3]: action 'dispose' (处置反馈) needs a note",
        "11: events[2]: action 'dispatch' (派遣) needs the department_code the case was sent to",
        "12: events[2].department_code: unknown department 'XX'",
        "13: events[3]: action 'urge' starts no stage with a deadline: it takes no deadline",
        '14: a case without a location needs an address (location is null or absent)',
        "15: events[1]: action 'file' (立案) needs a position and the case has no location",
        "15: events[2]: action 'dispatch' (派遣) needs a position and the case has no location",
        '16: reported_at 2026-03-11T09:00:00+08:00 lies in the future',
        '17: case_no OK-1 is also on line 1',
        '18: events[3]: reassign to HW, the department the case is already with',
        "19: unknown field 'foo'",
        "21: events[1]: action 'file' takes no department_code",
        '22: events[0].deadline 2026-03-02T09:00:00+08:00 is before the event',
        '23: field \'reported_at\' must be an RFC 3339 date-time with an offset, e.g. 2026-03-01T08:30:00+08:00, from 1000-01-01 to 9999-12-31 (got "2026-03-02 09:00")',
        '24: the line is not valid UTF-8',
      ]);
      expect(e.total).to.equal(23);
      expect(e.kind).to.equal('invalid');
      await nothingStored();
    });

    it('one bad line among good ones: nothing is stored, on both loading paths', async () => {
      const good = CASES.map((c) => JSON.stringify(c));
      const bad = line('BAD', { events: [ev[2]] });
      for (const copy of [true, false]) {
        const e = await refusal(run(w, [...good.slice(0, 3), bad, ...good.slice(3)].join('\n'), { copy }));
        expect(e.errors.map((x) => x.line)).to.deep.equal([4]);
        await nothingStored();
      }
      // The same good lines without the bad one go in through the JSON-batch path (no COPY) too.
      const s = await run(w, good.join('\n'), { copy: false });
      expect(s.inserted).to.equal(6);
    });

    it('a bad line after thousands of good ones: nothing is stored', async () => {
      const before = [await count(w, 'case_record'), await count(w, 'case_event'), await count(w, 'audit_event')];
      const good = Array.from({ length: 5000 }, (_, i) => line(`G-${i}`, {}));
      const e = await refusal(run(w, [...good, line('BAD-2', { events: [ev[2]] })].join('\n')));
      expect(e.errors.map((x) => x.line)).to.deep.equal([5001]);
      const after = [await count(w, 'case_record'), await count(w, 'case_event'), await count(w, 'audit_event')];
      expect(after).to.deep.equal(before);
    });

    it('a scoped importer: cases outside the scope are refused by line', async () => {
      const outside = line('SC-1', { location: { lon: P.c41.lon, lat: P.c41.lat } });
      const inside = line('SC-2', {});
      const e = await refusal(run(w, `${inside}\n${outside}\n`, { scope: '990001001' }));
      expect(e.kind).to.equal('scope');
      expect(e.errors).to.deep.equal([
        { line: 2, message: 'the case lies in 990001002001002, outside your region scope 990001001' },
      ]);
      expect(await count(w, 'case_record')).to.equal(6);
      const s = await run(w, `${inside}\n`, { scope: '990001001' });
      expect(s.inserted).to.equal(1);
    });

    it('an empty file is refused', async () => {
      const e = await refusal(run(w, '\n\n'));
      expect(e.kind).to.equal('empty');
    });
  });
});
