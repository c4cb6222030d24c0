/**
 * The evaluation's hand-made case log: the micro-city, a round-the-clock working calendar (every day 00:00–24:00, no
 * holidays) so that a deadline is simply the start plus the limit, every centre stage 60 minutes, disposal 24 hours.
 * Cases K1–K12 are built through the real workflow (intakeCase, applyAction with a fixed clock) except K11, written
 * as the case exchange (server/exchange) stores an imported history: no accounts, actors by name or collector code.
 * Times are China Standard Time; "✓" / "✗" say whether a step came no later than the deadline in force (the one the
 * previous event set, in brackets). The period under test is March 2025: from=2025-03-01&to=2025-04-01 (31 days).
 *
 *  K1  王 (collector C01) reports 03-03 09:00 at c02 (grid …001001001, 东湖, 湖滨)          [10:00]
 *      accept 甲 09:30 ✓ [10:30] · file 甲 10:00 ✓ [11:00] · dispatch 乙→HW 10:20 ✓ [03-04 10:20]
 *      dispose HW 03-03 16:00 ✓ [17:00] · check 王 16:30 ✓ [17:30] · close 甲 17:00 ✓            → closed, on time
 *  K2  王 reports 03-05 09:00 at c11 (grid …001001004)                                        [10:00]
 *      accept 甲 10:30 ✗ [11:30] · file 甲 10:45 ✓ [11:45] · dispatch 甲→HW 12:00 ✗ [03-06 12:00]
 *      dispose HW 03-06 13:00 ✗ [14:00] · check 王 13:30 ✓ [14:30] · close 乙 15:00 ✗              → closed, late
 *  K3  hotline 12345 taken by 甲 03-10 08:00 at c21 (grid …001002002, 西湖)                   [09:00]
 *      request_verify 甲 08:20 ✓ [09:20] · verify 王 09:10 ✓ [10:10] · file 乙 10:00 ✓ [11:00]
 *      dispatch 乙→SZ 10:30 ✓ [03-11 10:30] · dispose SZ 03-11 09:00 ✓ [10:00] · rework 李 11:00 ✗
 *      [03-12 11:00] · dispose SZ 03-12 10:00 ✓ [11:00] · check 李 10:30 ✓                → checked, on time, reworked
 *  K4  李 (C02) reports 03-12 14:00 at c41 (grid …002001002, 公园, 山前)                      [15:00]
 *      accept 甲 14:10 ✓ [15:10] · file 甲 14:20 ✓ [15:20] · dispatch 甲→CG 14:30 ✓ [03-13 14:30]
 *      return CG 16:00 [17:00] · dispatch 乙→HW 16:30 ✓ [03-13 16:30] · park 乙 03-13 09:00 [none]
 *      unpark 乙 03-15 09:00 [03-16 09:00: a fresh disposal clock] · dispose HW 03-16 08:00 ✓   → disposed, on time
 *  K5  王 reports 03-15 10:00 at c00 · void 甲 10:20                                                    → voided
 *  K6  李 reports 03-20 09:00 at c61 (grid …002002002, 河东)                                   [10:00]
 *      accept 乙 09:05 ✓ · file 乙 09:10 ✓ [10:10] · dispatch 甲→SZ 09:20 ✓ [03-21 09:20]
 *      reassign 乙→HW 11:00 [03-21 11:00]                                                     → dispatched (HW)
 *  K7  app report (no account) 03-25 12:00 at c10 (grid …001001006)                          [13:00]
 *      accept 甲 12:10 ✓ · file 甲 12:20 ✓ [13:20] · dispatch 甲→HW 12:30 ✓ [03-26 12:30]
 *      dispose HW 03-26 12:30 ✓ (exactly at the deadline) [13:30] · check 王 13:31 ✗ [14:31] · close 甲 14:00 ✓
 *                                                                                              → closed, on time
 *  K8  王 reports 02-28 23:30 (before the period) · accept 甲 23:40 · file 甲 23:50                  → not counted
 *  K9  王 reports 04-01 00:00 (`to` is exclusive) · accept 甲 00:10                                → not counted
 *  K10 王 reports 03-31 23:59 at c02, nothing else                                                  → reported
 *  K11 imported: collector C03 (no account) reports 03-18 08:00 at c21 (grid …001002002)     [09:00]
 *      accept 调度员丙 (no account) 08:30 ✓ [09:30] · file 调度员丙 09:00 ✓ [10:00]
 *      dispatch "调度员甲" (甲's name, no account id) →SZ 09:30 ✓ [03-19 09:30] · dispose SZ 03-19 09:00 ✓ [10:00]
 *      check C03 09:40 ✓ [10:40] · close "调度员乙" 10:30 ✓                                     → closed, on time
 *  K12 hotline taken by 甲 03-08 10:00 outside every grid                                      [11:00]
 *      accept 甲 10:10 ✓ · file 甲 10:20 ✓ [11:20] · dispatch 甲→CG 10:30 ✓                       → dispatched (CG)
 */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { openTestDatabase } from '../helpers/db.js';
import { request, type Reply } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { importRegions } from '../../server/importexport/import.js';
import { createUser, type User } from '../../server/auth/tokens.js';
import { intakeCase, type ReportInput } from '../../server/cases/intake.js';
import { applyAction } from '../../server/cases/actions.js';
import { microCity } from '../fixtures/micro-city.js';

/** Cell centres of the micro-city (column, row): the grid, community and street each lies in. */
export const P = {
  c02: { lon: 100.0005, lat: 20.0025 }, // grid 990001001001001, community 990001001001 东湖, street 990001001 湖滨
  c11: { lon: 100.0015, lat: 20.0015 }, // grid 990001001001004
  c00: { lon: 100.0005, lat: 20.0005 }, // grid 990001001001005
  c10: { lon: 100.0015, lat: 20.0005 }, // grid 990001001001006
  c21: { lon: 100.0025, lat: 20.0015 }, // grid 990001001002002, community 990001001002 西湖
  c41: { lon: 100.0045, lat: 20.0015 }, // grid 990001002001002, community 990001002001 公园, street 990001002 山前
  c61: { lon: 100.0065, lat: 20.0015 }, // grid 990001002002002, community 990001002002 河东
  outside: { lon: 101, lat: 21 },
};

/** The period under test. */
export const MARCH = 'from=2025-03-01&to=2025-04-01';

export const at = (local: string) => new Date(`2025-${local}+08:00`);

export type Who = 'jia' | 'yi' | 'wang' | 'li' | 'hHW' | 'hSZ' | 'hCG';

export interface EvaluationWorld {
  users: Record<Who, User>;
  /** Case ids by name (K1 …). */
  cases: Record<string, number>;
}

const ROUND_THE_CLOCK = {
  utc_offset_minutes: 480,
  weekdays: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [['00:00', '24:00']]])),
  holidays: [],
  workdays: [],
};

/** Builds the whole log into an empty, migrated database. */
export async function buildEvaluationLog(database: Database): Promise<EvaluationWorld> {
  const db = database.db;
  await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
  await sql`update work_calendar set definition = ${JSON.stringify(ROUND_THE_CLOCK)}::jsonb, updated_at = clock_timestamp()
    where id = 1`.execute(db);
  await sql`update stage_limit set minutes = 60`.execute(db);
  await sql`delete from time_limit`.execute(db);
  await sql`insert into time_limit (kind, pattern, condition, hours_a, hours_b, hours_c) values ('*', '*', '', 24, 24, 24)`.execute(
    db,
  );
  await sql`insert into department (code, name, kind) values
    ('HW', '区环卫所', '环卫'), ('SZ', '区市政所', '市政'), ('CG', '区城管执法局', '城管执法')`.execute(db);
  const users: Record<Who, User> = {
    jia: (await createUser(db, '调度员甲', 'dispatcher')).user,
    yi: (await createUser(db, '调度员乙', 'dispatcher')).user,
    wang: (await createUser(db, '监督员王', 'collector')).user,
    li: (await createUser(db, '监督员李', 'collector')).user,
    hHW: (await createUser(db, '环卫所处置员', 'department_handler', '', 'HW')).user,
    hSZ: (await createUser(db, '市政所处置员', 'department_handler', '', 'SZ')).user,
    hCG: (await createUser(db, '执法局处置员', 'department_handler', '', 'CG')).user,
  };
  await sql`insert into collector (code, name, user_id) values
    ('C01', '王五', ${users.wang.id}), ('C02', '李四', ${users.li.id}), ('C03', '赵六', null)`.execute(db);

  const report = async (
    channel: ReportInput['channel'],
    where: { lon: number; lat: number },
    local: string,
    user?: User,
  ): Promise<number> =>
    (
      await intakeCase(
        db,
        { channel, category: 'matter:06010', description: '暴露垃圾', location: where },
        { user, now: at(local), duplicates: { radiusM: 0, windowHours: 0 } },
      )
    ).id;
  const steps = async (id: number, list: [Who, string, string, string?][]) => {
    for (const [who, action, local, department] of list)
      await applyAction(
        db,
        id,
        { action, note: '处理说明', ...(department && { department_code: department }) },
        users[who],
        { now: at(local) },
      );
  };
  const u = users;
  const cases: Record<string, number> = {};

  cases.K1 = await report('collector', P.c02, '03-03T09:00', u.wang);
  await steps(cases.K1, [
    ['jia', 'accept', '03-03T09:30'],
    ['jia', 'file', '03-03T10:00'],
    ['yi', 'dispatch', '03-03T10:20', 'HW'],
    ['hHW', 'dispose', '03-03T16:00'],
    ['wang', 'check', '03-03T16:30'],
    ['jia', 'close', '03-03T17:00'],
  ]);
  cases.K2 = await report('collector', P.c11, '03-05T09:00', u.wang);
  await steps(cases.K2, [
    ['jia', 'accept', '03-05T10:30'],
    ['jia', 'file', '03-05T10:45'],
    ['jia', 'dispatch', '03-05T12:00', 'HW'],
    ['hHW', 'dispose', '03-06T13:00'],
    ['wang', 'check', '03-06T13:30'],
    ['yi', 'close', '03-06T15:00'],
  ]);
  cases.K3 = await report('hotline_12345', P.c21, '03-10T08:00', u.jia);
  await steps(cases.K3, [
    ['jia', 'request_verify', '03-10T08:20'],
    ['wang', 'verify', '03-10T09:10'],
    ['yi', 'file', '03-10T10:00'],
    ['yi', 'dispatch', '03-10T10:30', 'SZ'],
    ['hSZ', 'dispose', '03-11T09:00'],
    ['li', 'rework', '03-11T11:00'],
    ['hSZ', 'dispose', '03-12T10:00'],
    ['li', 'check', '03-12T10:30'],
  ]);
  cases.K4 = await report('collector', P.c41, '03-12T14:00', u.li);
  await steps(cases.K4, [
    ['jia', 'accept', '03-12T14:10'],
    ['jia', 'file', '03-12T14:20'],
    ['jia', 'dispatch', '03-12T14:30', 'CG'],
    ['hCG', 'return', '03-12T16:00'],
    ['yi', 'dispatch', '03-12T16:30', 'HW'],
    ['yi', 'park', '03-13T09:00'],
    ['yi', 'unpark', '03-15T09:00'],
    ['hHW', 'dispose', '03-16T08:00'],
  ]);
  cases.K5 = await report('collector', P.c00, '03-15T10:00', u.wang);
  await steps(cases.K5, [['jia', 'void', '03-15T10:20']]);
  cases.K6 = await report('collector', P.c61, '03-20T09:00', u.li);
  await steps(cases.K6, [
    ['yi', 'accept', '03-20T09:05'],
    ['yi', 'file', '03-20T09:10'],
    ['jia', 'dispatch', '03-20T09:20', 'SZ'],
    ['yi', 'reassign', '03-20T11:00', 'HW'],
  ]);
  cases.K7 = await report('app', P.c10, '03-25T12:00');
  await steps(cases.K7, [
    ['jia', 'accept', '03-25T12:10'],
    ['jia', 'file', '03-25T12:20'],
    ['jia', 'dispatch', '03-25T12:30', 'HW'],
    ['hHW', 'dispose', '03-26T12:30'],
    ['wang', 'check', '03-26T13:31'],
    ['jia', 'close', '03-26T14:00'],
  ]);
  cases.K8 = await report('collector', P.c02, '02-28T23:30', u.wang);
  await steps(cases.K8, [
    ['jia', 'accept', '02-28T23:40'],
    ['jia', 'file', '02-28T23:50'],
  ]);
  cases.K9 = await report('collector', P.c02, '04-01T00:00', u.wang);
  await steps(cases.K9, [['jia', 'accept', '04-01T00:10']]);
  cases.K10 = await report('collector', P.c02, '03-31T23:59', u.wang);
  cases.K11 = await importedCase(database);
  cases.K12 = await report('hotline_12345', P.outside, '03-08T10:00', u.jia);
  await steps(cases.K12, [
    ['jia', 'accept', '03-08T10:10'],
    ['jia', 'file', '03-08T10:20'],
    ['jia', 'dispatch', '03-08T10:30', 'CG'],
  ]);
  return { users, cases };
}

/** K11 as an imported history: the case row and its events written directly, actors by name, no accounts. */
async function importedCase(database: Database): Promise<number> {
  const db = database.db;
  const id = Number((await sql<{ id: string }>`select nextval('case_record_id_seq') as id`.execute(db)).rows[0].id);
  await sql`insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
      input_crs, input_lon, input_lat, reported_at, state, grid_code, community_code, street_code, district_code,
      area_class, department_code, assignment, assignment_version, dispose_deadline, closed_at)
    values (${id}, 'MX2025-000011', 'collector', 'matter', '06010', '暴露垃圾', ${P.c21.lon}, ${P.c21.lat},
      ST_SetSRID(ST_MakePoint(${P.c21.lon}, ${P.c21.lat}), 4326), 'wgs84', ${P.c21.lon}, ${P.c21.lat},
      ${at('03-18T08:00')}, 'closed', '990001001002002', '990001001002', '990001001', '990001', 'C', 'SZ', '{}', 1,
      ${at('03-19T09:30')}, ${at('03-19T10:30')})`.execute(db);
  const events: [string, string, string | null, string, string, string | null][] = [
    ['C03', 'report', null, 'reported', '03-18T08:00', '03-18T09:00'],
    ['调度员丙', 'accept', 'reported', 'accepted', '03-18T08:30', '03-18T09:30'],
    ['调度员丙', 'file', 'accepted', 'filed', '03-18T09:00', '03-18T10:00'],
    ['调度员甲', 'dispatch', 'filed', 'dispatched', '03-18T09:30', '03-19T09:30'],
    ['', 'dispose', 'dispatched', 'disposed', '03-19T09:00', '03-19T10:00'],
    ['C03', 'check', 'disposed', 'checked', '03-19T09:40', '03-19T10:40'],
    ['调度员乙', 'close', 'checked', 'closed', '03-19T10:30', null],
  ];
  for (const [actor, action, from, to, local, deadline] of events)
    await sql`insert into case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, deadline, detail)
      values (${id}, ${at(local)}, null, ${actor}, ${action}, ${from}, ${to}, ${deadline ? at(deadline) : null},
        ${action === 'dispatch' ? '{"department_to":"SZ"}' : '{}'}::jsonb)`.execute(db);
  return id;
}

export interface EvaluationEnv {
  database: Database;
  server: TestServer;
  world: EvaluationWorld;
  /** Bearer tokens of the readers: viewer, admin, disp_hubin (dispatcher of street 990001001), gis_shanqian (GIS
   *  editor of street 990001002), grid_viewer (viewer of grid 990001001002002). */
  tokens: Record<string, string>;
  /** GET as one of the readers (default: the viewer). */
  get(path: string, who?: string): Promise<Reply<any>>;
}

/** Mocha hooks: a test database with the log, the app on it, and reader accounts, for one describe block. */
export function useEvaluationServer(): EvaluationEnv {
  const env = { tokens: {} } as EvaluationEnv;
  env.get = (path, who = 'viewer') => request(env.server, 'GET', path, { token: env.tokens[who] });
  before(async function () {
    this.timeout(120_000);
    env.database = await openTestDatabase();
    env.world = await buildEvaluationLog(env.database);
    env.server = await startTestServer(env.database);
    const readers: [string, Parameters<typeof createUser>[2], string][] = [
      ['viewer', 'viewer', ''],
      ['admin', 'admin', ''],
      ['disp_hubin', 'dispatcher', '990001001'],
      ['gis_shanqian', 'gis_editor', '990001002'],
      ['grid_viewer', 'viewer', '990001001002002'],
    ];
    for (const [name, role, scope] of readers)
      env.tokens[name] = (await createUser(env.database.db, name, role, scope)).token;
  });
  after(async () => {
    await env.server?.close();
    await env.database?.close();
  });
  return env;
}
