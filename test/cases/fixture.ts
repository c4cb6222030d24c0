/**
 * Shared set-up for the case tests: the micro-city, five departments, two rules and one user per role, the app on a
 * free port, and small helpers to call it. Everything is plain SQL or server functions (no CRUD routes needed).
 *
 * Departments: HW 区环卫所 (A: matter 06 in district 990001), CG 区城管执法局 (B: no rule at first),
 * SZ 区市政所 (matter 01 in district 990001), JD1 湖滨街道办 (fallback of street 990001001), QY 全域兜底中心
 * (fallback everywhere). No area-class zones → every place is class C.
 */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { createUser, type User } from '../../server/auth/tokens.js';
import { intakeCase, type ReportInput } from '../../server/cases/intake.js';
import { applyAction } from '../../server/cases/actions.js';
import { microCity } from '../fixtures/micro-city.js';
import { openTestDatabase } from '../helpers/db.js';
import { request, type Reply } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Cell centres of the micro-city (column, row) and the grid each lies in. */
export const P = {
  c02: { lon: 100.0005, lat: 20.0025 }, // grid 990001001001001, community 990001001001 东湖
  c11: { lon: 100.0015, lat: 20.0015 }, // grid 990001001001004, community 990001001001
  c00: { lon: 100.0005, lat: 20.0005 }, // grid 990001001001005, community 990001001001
  c10: { lon: 100.0015, lat: 20.0005 }, // grid 990001001001006, community 990001001001
  c21: { lon: 100.0025, lat: 20.0015 }, // grid 990001001002002, community 990001001002 西湖
  c41: { lon: 100.0045, lat: 20.0015 }, // grid 990001002001002 中心公园, street 990001002
  c61: { lon: 100.0065, lat: 20.0015 }, // grid 990001002002002, street 990001002
  outside: { lon: 101, lat: 21 }, // outside every region
};

export const DUPLICATES = { radiusM: 50, windowHours: 72 };
export const DISTRICT_M2 = 243180;
/** A local (China Standard Time) instant. */
export const at = (local: string) => new Date(`${local}+08:00`);

export interface Account {
  user: User;
  token: string;
}
export interface World {
  database: Database;
  server: TestServer;
  u: Record<'admin' | 'disp' | 'disp2' | 'hA' | 'hB' | 'coll' | 'viewer', Account>;
}

export type { Reply } from '../helpers/http.js';

/** One request as a user of the world (the one request helper, test/helpers/http.ts). */
export function call<T = any>(
  w: World,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Reply<T>> {
  return request<T>(w.server, method, path, { token, body });
}

export async function setUpWorld(): Promise<World> {
  const database = await openTestDatabase();
  await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
  const db = database.db;
  await sql`insert into department (code, name, kind, fallback_for) values
    ('HW', '区环卫所', '环卫', null), ('CG', '区城管执法局', '城管执法', null), ('SZ', '区市政所', '市政', null),
    ('JD1', '湖滨街道办', '街道办', '990001001'), ('QY', '全域兜底中心', '监督中心', '')`.execute(db);
  await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_m2, department_code) values
    ('环卫类归环卫所', 'matter', '06', 'regions', '{990001}', ${DISTRICT_M2}, 'HW'),
    ('市政设施归市政所', 'matter', '01', 'regions', '{990001}', ${DISTRICT_M2}, 'SZ')`.execute(db);
  const u = {
    admin: await createUser(db, '管理员', 'admin'),
    disp: await createUser(db, '调度员甲', 'dispatcher'),
    disp2: await createUser(db, '山外调度员', 'dispatcher', '990002'),
    hA: await createUser(db, '环卫所处置员', 'department_handler', '', 'HW'),
    hB: await createUser(db, '执法局处置员', 'department_handler', '', 'CG'),
    coll: await createUser(db, '监督员王', 'collector', '990001'),
    viewer: await createUser(db, '访客', 'viewer'),
  };
  const server = await startTestServer(database);
  return { database, server, u };
}

export async function tearDownWorld(w: World | undefined): Promise<void> {
  await w?.server.close();
  await w?.database.close();
}

/** Reports straight through intakeCase (fixed clock). */
export async function intake(
  w: World,
  input: Partial<ReportInput> & { location: ReportInput['location'] },
  now?: Date,
  user?: User,
) {
  const r = await intakeCase(
    w.database.db,
    {
      channel: 'collector',
      category: 'matter:06010',
      description: '暴露垃圾',
      ...input,
    } as ReportInput,
    { user, now, duplicates: DUPLICATES },
  );
  return r.id;
}

/** Applies actions in order (as admin unless given) at the given local instants, one per action. */
export async function steps(
  w: World,
  id: number,
  list: [action: string, local: string, extra?: { note?: string; department_code?: string; user?: User }][],
) {
  for (const [action, local, extra] of list) {
    const { user, ...rest } = extra ?? {};
    await applyAction(w.database.db, id, { action, note: '处理说明', ...rest }, user ?? w.u.admin.user, {
      now: at(local),
    });
  }
}

export async function caseRow(w: World, id: number): Promise<Record<string, any>> {
  return (await sql<Record<string, any>>`select * from case_record where id = ${id}`.execute(w.database.db)).rows[0];
}

export async function eventRows(w: World, id: number): Promise<Record<string, any>[]> {
  return (
    await sql<Record<string, any>>`select * from case_event where case_id = ${id} order by id`.execute(w.database.db)
  ).rows;
}

export const iso = (t: Date | string | null | undefined) => (t == null ? null : new Date(t).toISOString());
