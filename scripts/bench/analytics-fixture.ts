/**
 * The fixture of npm run bench:analytics: one database serves every part (generated once; --keep keeps it, and a run
 * that finds it holding the same number of grids and cases reuses it).
 *
 * - The generated city (generateCity({ targetGrids }): real polygons, communities, streets) imported through the
 *   real import, and the demo responsibility library at that scale (departments, collectors, collector areas, rules).
 * - `cases` cases reported at random instants of 2024–2025 (China Standard Time), set-based in SQL (after
 *   scripts/bench/analysis-quick.ts and scripts/evaluation-timing.ts, which this replaces): each in a random live
 *   grid, skewed towards the grids of low code (power(random(), 3): hot spots exist), at that grid's
 *   ST_PointOnSurface, with the grid's community, street and district; five categories; 70 % by collectors (a
 *   random collector of the library), the rest from the 12345 hotline; a random department of the library.
 * - Their histories, legal in the workflow table and appended in time order as a live platform does (so they export
 *   and re-import through the case exchange): 10 % voided at 作废, 20 % through 核实, 5 % left dispatched, 10 %
 *   reworked once; disposal 20–50 h after the report against a 40 h deadline, 核查 at 90 h, 结案 at 100 h. Actors
 *   are names (as in an imported history): 调度员1–12, the collector's code, 处置员.
 *
 * A second database `<name>_import` (the same city and library, no cases: a copy made before the cases are
 * generated) is the empty target of the exchange part.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { migrate, openDatabase, type Database } from '../../server/db/index.js';
import { loadDemoLibrary } from '../../server/demo/dispatch.js';
import { admin, loadCity, secs, withDatabase } from './harness.js';

export interface FixtureOptions {
  server: string;
  name: string;
  grids: number;
  cases: number;
  log: (msg: string) => void;
}

export interface Fixture {
  database: Database;
  url: string;
  importName: string;
  grids: number;
  communities: number;
  cases: number;
  events: number;
  departments: number;
  collectors: number;
  /** Whether this run generated it (else it was kept from an earlier run). */
  generated: boolean;
}

/** A pool on the fixture without statement timeouts (the anchors and fixture statements run long). */
export const openFixture = (url: string, poolSize = 10) =>
  openDatabase({ databaseUrl: url, poolSize, timeouts: { statementMs: 0, queryMs: 0 } });

async function exists(server: string, name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    return ((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await c.end();
  }
}

async function counts(database: Database) {
  return (
    await sql<{ grids: number; communities: number; cases: number; events: number; d: number; k: number }>`
      select (select count(*)::int from unit_grid where termination_date is null) as grids,
        (select count(*)::int from region where level = 'community' and termination_date is null) as communities,
        (select count(*)::int from case_record) as cases, (select count(*)::int from case_event) as events,
        (select count(*)::int from department) as d, (select count(*)::int from collector) as k`.execute(database.db)
  ).rows[0];
}

/** The fixture database, reused when it holds about `grids` grids and exactly `cases` cases, else made anew. */
export async function ensureFixture(o: FixtureOptions): Promise<Fixture> {
  const url = withDatabase(o.server, o.name);
  const importName = `${o.name}_import`;
  if (await exists(o.server, o.name)) {
    const database = await openFixture(url);
    let reuse = false;
    try {
      await migrate(database);
      const n = await counts(database);
      const fits = Math.abs(n.grids - o.grids) <= o.grids * 0.05 && n.cases === o.cases;
      if (fits && (await exists(o.server, importName))) {
        o.log(`${o.name} holds ${n.grids} grids and ${n.cases} cases: reusing it (and ${importName})`);
        reuse = true;
        return { database, url, importName, ...n, departments: n.d, collectors: n.k, generated: false };
      }
      o.log(`${o.name} holds ${n.grids} grids and ${n.cases} cases, not ~${o.grids} and ${o.cases}: recreating it`);
    } finally {
      if (!reuse) await database.close();
    }
  }
  await admin(o.server, [
    `drop database if exists ${importName} with (force)`,
    `drop database if exists ${o.name} with (force)`,
    `create database ${o.name}`,
  ]);
  let database = await openFixture(url);
  try {
    await migrate(database);
    const city = await loadCity(database, o.grids, 'bench:analytics', o.log);
    const t0 = Date.now();
    const lib = await loadDemoLibrary(database, { collectorAreas: Math.round(city.stats.grids / 100) });
    o.log(`library loaded (${lib.rules} rules, ${lib.areas} collector areas) in ${secs(Date.now() - t0)} s`);
  } finally {
    await database.close();
  }
  // The empty target of the exchange part: the city and library without cases (a template needs no other session).
  await admin(o.server, [`create database ${importName} template ${o.name}`]);
  database = await openFixture(url);
  await generateCases(database, o.cases, o.log);
  const n = await counts(database);
  return { database, url, importName, ...n, departments: n.d, collectors: n.k, generated: true };
}

/** The cases and their histories (see the header), set-based. */
async function generateCases(database: Database, n: number, log: (msg: string) => void): Promise<void> {
  const db = database.db;
  const step = async (what: string, q: ReturnType<typeof sql>) => {
    const t = performance.now();
    await q.execute(db);
    log(`  ${what}: ${secs(performance.now() - t)} s`);
  };
  log(`generating ${n.toLocaleString('en-US')} cases with their histories`);
  await step(
    'grids, departments and collectors numbered',
    sql`create unlogged table gen_g as select row_number() over (order by code)::int as k, code::text as code,
      community_code, street_code, district_code, ST_PointOnSurface(geom) as p
    from unit_grid where termination_date is null;
    create unlogged table gen_d as select row_number() over (order by code)::int as k, code from department;
    create unlogged table gen_k as select row_number() over (order by code)::int as k, code from collector`,
  );
  await step(
    'facts',
    sql`select setseed(0.2026);
    create unlogged table gen_f as select id,
      timestamptz '2024-01-01 00:00+08' + random() * interval '731 days' as t0,
      random() as r_void, random() as r_verify, random() as r_open, random() as r_rework, random() as r_late,
      1 + floor(random() * 12)::int as disp, random() as r_coll, random() as r_dept, random() as r_chan,
      1 + floor(power(random(), 3) * (select count(*) from gen_g))::int as grid, floor(random() * 5)::int as cat
    from generate_series(1, ${sql.raw(String(n))}) id`,
  );
  await step(
    'cases',
    sql`insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
      input_crs, input_lon, input_lat, reported_at, state, grid_code, community_code, street_code, district_code,
      area_class, department_code, assignment, assignment_version, rework_count, closed_at, collector_code, updated_at,
      dispose_deadline)
    select f.id, 'AB' || lpad(f.id::text, 8, '0'), case when r_chan < 0.7 then 'collector' else 'hotline_12345' end,
      (array['matter', 'matter', 'matter', 'matter', 'component'])[cat + 1],
      (array['06010', '09006', '07001', '06036', '01003'])[cat + 1], '巡查发现的问题',
      ST_X(g.p), ST_Y(g.p), g.p, 'wgs84', ST_X(g.p), ST_Y(g.p), t0,
      case when r_void < 0.1 then 'voided' when r_open < 0.05 then 'dispatched' else 'closed' end,
      g.code, g.community_code, g.street_code, g.district_code, 'C', d.code, '{}', 1,
      case when r_rework < 0.1 and r_void >= 0.1 and r_open >= 0.05 then 1 else 0 end,
      case when r_void < 0.1 then t0 + interval '20 min' when r_open >= 0.05 then t0 + interval '100 hours' end,
      case when r_chan < 0.7 then k.code end, t0 + interval '100 hours',
      -- the deadline of the last move into dispatched (server/evaluation/queries.ts): 派遣's, or 返工's
      case when r_void < 0.1 then null
        when r_rework < 0.1 and r_open >= 0.05 then t0 + (60.2 + r_late * 30) * interval '1 hour'
        else t0 + interval '40 hours' end
    from gen_f f
    join gen_g g on g.k = f.grid
    join gen_d d on d.k = 1 + floor(r_dept * (select count(*) from gen_d))::int
    join gen_k k on k.k = 1 + floor(r_coll * (select count(*) from gen_k))::int`,
  );
  const h = (x: number) => sql.raw(`interval '${x} hours'`);
  const ok = sql.raw('r_void >= 0.1');
  const done = sql.raw('r_void >= 0.1 and r_open >= 0.05');
  // who: r = the reporter, c = the case's collector (a hotline case's 核实/核查 go to a collector too), d = a dispatcher, h = handler.
  await step(
    'events',
    sql`insert into case_event (case_id, at, actor_name, action, from_state, to_state, note, deadline, detail)
    select ev.case_id, ev.at,
      case ev.who when 'r' then coalesce(c.collector_code, '12345热线') when 'c' then coalesce(c.collector_code, k.code)
        when 'd' then '调度员' || f.disp else '处置员' end,
      ev.action, ev.from_state, ev.to_state, ev.note, ev.deadline,
      case when ev.action = 'report' then jsonb_build_object('department', c.department_code) else '{}' end
    from (
      select id as case_id, t0 as at, 'r' as who, 'report' as action, null as from_state, 'reported' as to_state,
        '巡查发现的问题' as note, t0 + ${h(0.5)} as deadline from gen_f
      union all select id, t0 + ${h(1 / 3)}, 'd', 'void', 'reported', 'voided', '重复上报', null from gen_f where r_void < 0.1
      union all select id, t0 + ${h(1 / 6)}, 'd', 'request_verify', 'reported', 'verifying', '', t0 + ${h(2 / 3)} from gen_f where ${ok} and r_verify < 0.2
      union all select id, t0 + ${h(0.5)}, 'c', 'verify', 'verifying', 'accepted', '核实属实', t0 + ${h(1)} from gen_f where ${ok} and r_verify < 0.2
      union all select id, t0 + ${h(1 / 6)}, 'd', 'accept', 'reported', 'accepted', '', t0 + ${h(2 / 3)} from gen_f where ${ok} and r_verify >= 0.2
      union all select id, t0 + ${h(35 / 60)}, 'd', 'file', 'accepted', 'filed', '', t0 + ${h(65 / 60)} from gen_f where ${ok}
      union all select id, t0 + ${h(50 / 60)}, 'd', 'dispatch', 'filed', 'dispatched', '', t0 + ${h(40)} from gen_f where ${ok}
      union all select id, t0 + (20 + r_late * 30) * interval '1 hour', 'h', 'dispose', 'dispatched', 'disposed', '已处置',
        t0 + (20.5 + r_late * 30) * interval '1 hour' from gen_f where ${done}
      union all select id, t0 + (20.2 + r_late * 30) * interval '1 hour', 'c', 'rework', 'disposed', 'dispatched', '处置不到位',
        t0 + (60.2 + r_late * 30) * interval '1 hour' from gen_f where ${done} and r_rework < 0.1
      union all select id, t0 + (50 + r_late * 30) * interval '1 hour', 'h', 'dispose', 'dispatched', 'disposed', '已返工处置',
        t0 + (50.5 + r_late * 30) * interval '1 hour' from gen_f where ${done} and r_rework < 0.1
      union all select id, t0 + ${h(90)}, 'c', 'check', 'disposed', 'checked', '', t0 + ${h(91)} from gen_f where ${done}
      union all select id, t0 + ${h(100)}, 'd', 'close', 'checked', 'closed', '', null from gen_f where ${done}
    ) ev
    join gen_f f on f.id = ev.case_id
    join case_record c on c.id = ev.case_id
    join gen_k k on k.k = 1 + floor(f.r_coll * (select count(*) from gen_k))::int
    order by ev.at`,
  );
  await step(
    'tidy',
    sql`drop table gen_f; drop table gen_g; drop table gen_d; drop table gen_k;
      select setval('case_record_id_seq', (select max(id) from case_record))`,
  );
  await step('vacuum analyze', sql`vacuum analyze`);
}
