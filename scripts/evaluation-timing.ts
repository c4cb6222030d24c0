/**
 * A quick measurement of the evaluation queries on PostgreSQL (DATABASE_URL): `npx tsx scripts/evaluation-timing.ts
 * [--cases 1000000] [--keep]`. Not the benchmark (npm run bench:analytics comes later); a check that the tables stay
 * within reach of a plain GROUP BY on a city's two years.
 *
 * 1. A scratch database `wangge_eval_timing` (kept with --keep and reused when it already holds the cases): 100,000
 *    square unit grids (1,000 communities, 50 streets) and --cases cases reported over 2024–2025 with their histories,
 *    generated set-based in SQL: 10 % voided, 20 % through 核实, 5 % left with the department, 10 % reworked, disposal
 *    times spread over 20–50 h against a 40 h deadline; 12 dispatchers, 200 collectors, 60 departments. Events are
 *    inserted in time order, as a live platform appends them.
 * 2. Each table (summary, departments, regions by grid, collectors, posts) for two years and for one month, as the API
 *    runs it (evaluationRead), against the anchor `select state, count(*) from case_record where reported_at in the
 *    period group by state`; wall time of one run after a warm-up run.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../server/db/index.js';
import type { DB } from '../server/db/schema.js';
import { parsePeriod } from '../server/evaluation/period.js';
import { collectorCounts, postCounts } from '../server/evaluation/queries-people.js';
import {
  departmentCounts,
  evaluationRead,
  regionCounts,
  summaryCounts,
  type Where,
} from '../server/evaluation/queries.js';
import { withDatabase } from './bench/harness.js';

const NAME = 'wangge_eval_timing';
const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000000' }, keep: { type: 'boolean' } } });
const CASES = Number(values.cases);
const url = process.env.DATABASE_URL;
if (!url || !Number.isInteger(CASES) || CASES < 1) {
  console.error('usage: DATABASE_URL=postgres://… npx tsx scripts/evaluation-timing.ts [--cases N] [--keep]');
  process.exit(2);
}

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

/** The city and the cases with their histories (see the header). */
async function generate(db: Kysely<DB>, n: number): Promise<void> {
  const step = async (what: string, q: ReturnType<typeof sql>) => {
    const t = performance.now();
    await q.execute(db);
    console.error(`  ${what}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  await step(
    'grids',
    sql`insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2)
    select g.code, '网格' || i, left(g.code, 12), left(g.code, 9), '990001',
      ST_Multi(ST_MakeEnvelope(100 + (i % 400) * 0.001, 20 + (i / 400) * 0.001, 100.001 + (i % 400) * 0.001,
        20.001 + (i / 400) * 0.001, 4326)), 11580
    from generate_series(0, 99999) i
    cross join lateral (select '990001' || lpad((i / 2000)::text, 3, '0') || lpad((i / 100 % 20)::text, 3, '0')
      || lpad((i % 100)::text, 3, '0') as code) g`,
  );
  await step(
    'people',
    sql`insert into department (code, name, kind) select 'D' || lpad(i::text, 3, '0'), '部门' || i, '专业' from generate_series(1, 60) i;
    insert into app_user (name, role, region_scope, token_hash) select '调度员' || i, 'dispatcher', '', md5('d' || i) from generate_series(1, 12) i;
    insert into app_user (name, role, region_scope, token_hash) select '监督员' || i, 'collector', '', md5('c' || i) from generate_series(1, 200) i;
    insert into collector (code, name, user_id) select 'C' || lpad(i::text, 3, '0'), '监督员' || i, u.id
      from generate_series(1, 200) i join app_user u on u.name = '监督员' || i`,
  );
  await step(
    'facts',
    sql`create unlogged table gen_f as select id,
      timestamptz '2024-01-01 00:00+08' + (random() * 730 * 86400) * interval '1 second' as t0,
      random() as r_void, random() as r_verify, random() as r_open, random() as r_rework, random() as r_late,
      (random() * 11)::int + 1 as disp, (random() * 199)::int + 1 as coll, (random() * 59)::int + 1 as dept,
      (random() * 99999)::int as grid, random() as r_chan
    from generate_series(1, ${n}) id`,
  );
  await step(
    'cases',
    sql`insert into case_record (id, case_no, channel, category_kind, category_code, description, input_crs, lon, lat, geom,
      reported_at, created_by, state, grid_code, community_code, street_code, district_code, area_class, department_code,
      assignment, assignment_version, rework_count, closed_at)
    select f.id, 'T' || f.id, case when r_chan < 0.7 then 'collector' else 'hotline_12345' end, 'matter', '06010', '-',
      'wgs84', 100.0005 + (grid % 400) * 0.001, 20.0005 + (grid / 400) * 0.001,
      ST_SetSRID(ST_MakePoint(100.0005 + (grid % 400) * 0.001, 20.0005 + (grid / 400) * 0.001), 4326), t0,
      case when r_chan < 0.7 then u.id end,
      case when r_void < 0.1 then 'voided' when r_open < 0.05 then 'dispatched' else 'closed' end,
      g.code, left(g.code, 12), left(g.code, 9), '990001', 'C', 'D' || lpad(dept::text, 3, '0'), '{}', 1,
      case when r_rework < 0.1 and r_void >= 0.1 and r_open >= 0.05 then 1 else 0 end,
      case when r_void < 0.1 then t0 + interval '20 min' when r_open >= 0.05 then t0 + interval '100 hours' end
    from gen_f f
    join app_user u on u.name = '监督员' || f.coll
    cross join lateral (select '990001' || lpad((grid / 2000)::text, 3, '0') || lpad((grid / 100 % 20)::text, 3, '0')
      || lpad((grid % 100)::text, 3, '0') as code) g`,
  );
  const h = (x: number) => sql.raw(`interval '${x} hours'`);
  const ok = sql.raw('r_void >= 0.1');
  const done = sql.raw('r_void >= 0.1 and r_open >= 0.05');
  await step(
    'events',
    sql`insert into case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, deadline)
    select ev.case_id, ev.at, u.id, coalesce(u.name, '处置员'), ev.action, ev.from_state, ev.to_state, ev.deadline
    from (
      select id as case_id, t0 as at, 'c' as who, 'report' as action, null as from_state, 'reported' as to_state, t0 + ${h(0.5)} as deadline from gen_f
      union all select id, t0 + ${h(1 / 3)}, 'd', 'void', 'reported', 'voided', null from gen_f where r_void < 0.1
      union all select id, t0 + ${h(1 / 6)}, 'd', 'request_verify', 'reported', 'verifying', t0 + ${h(2 / 3)} from gen_f where ${ok} and r_verify < 0.2
      union all select id, t0 + ${h(0.5)}, 'c', 'verify', 'verifying', 'accepted', t0 + ${h(1)} from gen_f where ${ok} and r_verify < 0.2
      union all select id, t0 + ${h(1 / 6)}, 'd', 'accept', 'reported', 'accepted', t0 + ${h(2 / 3)} from gen_f where ${ok} and r_verify >= 0.2
      union all select id, t0 + ${h(35 / 60)}, 'd', 'file', 'accepted', 'filed', t0 + ${h(65 / 60)} from gen_f where ${ok}
      union all select id, t0 + ${h(50 / 60)}, 'd', 'dispatch', 'filed', 'dispatched', t0 + ${h(40)} from gen_f where ${ok}
      union all select id, t0 + (20 + r_late * 30) * interval '1 hour', 'h', 'dispose', 'dispatched', 'disposed',
        t0 + (20.5 + r_late * 30) * interval '1 hour' from gen_f where ${done}
      union all select id, t0 + (20.2 + r_late * 30) * interval '1 hour', 'c', 'rework', 'disposed', 'dispatched',
        t0 + (60.2 + r_late * 30) * interval '1 hour' from gen_f where ${done} and r_rework < 0.1
      union all select id, t0 + (50 + r_late * 30) * interval '1 hour', 'h', 'dispose', 'dispatched', 'disposed',
        t0 + (50.5 + r_late * 30) * interval '1 hour' from gen_f where ${done} and r_rework < 0.1
      union all select id, t0 + ${h(90)}, 'c', 'check', 'disposed', 'checked', t0 + ${h(91)} from gen_f where ${done}
      union all select id, t0 + ${h(100)}, 'd', 'close', 'checked', 'closed', null from gen_f where ${done}
    ) ev join gen_f f on f.id = ev.case_id
    left join app_user u on u.name = case ev.who when 'c' then '监督员' || f.coll when 'd' then '调度员' || f.disp end
    order by ev.at`,
  );
  await step(
    'disposal deadlines',
    sql`update case_record c set dispose_deadline = d.deadline from (
      select distinct on (case_id) case_id, deadline from case_event where to_state = 'dispatched' order by case_id, id desc) d
    where d.case_id = c.id`,
  );
  await step('tidy', sql`drop table gen_f`);
  await step('vacuum', sql`vacuum analyze`);
}

async function time(what: () => Promise<unknown>): Promise<number> {
  await what(); // warm-up
  const t = performance.now();
  await what();
  return performance.now() - t;
}

async function main(database: Database): Promise<void> {
  const db = database.db;
  const n = Number((await sql<{ n: string }>`select count(*) as n from case_record`.execute(db)).rows[0].n);
  if (n !== CASES) {
    if (n) throw new Error(`${NAME} holds ${n} cases, not ${CASES}: drop it or run with --cases ${n}`);
    console.error(`generating ${CASES} cases in ${NAME} …`);
    await generate(db, CASES);
  }
  const rows: string[] = ['| period | table | ms | × anchor |', '|---|---|---:|---:|'];
  for (const [label, from, to] of [
    ['2024–2025', '2024-01-01', '2026-01-01'],
    ['2025-12', '2025-12-01', '2026-01-01'],
  ]) {
    const w: Where = { period: parsePeriod(from, to), scope: '' };
    const anchor = await time(() =>
      sql`select state, count(*) from case_record where reported_at >= ${w.period.from} and reported_at < ${w.period.to}
        group by state`.execute(db),
    );
    rows.push(`| ${label} | anchor (GROUP BY state) | ${anchor.toFixed(0)} | 1.0 |`);
    const tables: [string, () => Promise<unknown>, boolean][] = [
      ['summary', () => evaluationRead(database, (d) => summaryCounts(d, w)), false],
      ['departments', () => evaluationRead(database, (d) => departmentCounts(d, w)), false],
      ['regions (grid)', () => evaluationRead(database, (d) => regionCounts(d, w, 'grid', ['hotline_12345'])), false],
      ['collectors', () => evaluationRead(database, (d) => collectorCounts(d, w), { history: true }), true],
      ['posts', () => evaluationRead(database, (d) => postCounts(d, w), { history: true }), true],
    ];
    for (const [name, run] of tables) {
      const ms = await time(run);
      rows.push(`| ${label} | ${name} | ${ms.toFixed(0)} | ${(ms / anchor).toFixed(1)} |`);
    }
  }
  const load = (await import('node:os')).loadavg()[0].toFixed(1);
  console.log(`${rows.join('\n')}\n\n${CASES} cases; load average ${load} when done.`);
}

if (!values.keep) await admin(`drop database if exists ${NAME} with (force)`);
try {
  await admin(`create database ${NAME}`);
} catch {
  // kept from an earlier run
}
const database = await openDatabase({
  databaseUrl: withDatabase(url, NAME),
  poolSize: 2,
  timeouts: { statementMs: 0, queryMs: 0 },
});
try {
  await migrate(database);
  await main(database);
} finally {
  await database.close();
  if (!values.keep) await admin(`drop database if exists ${NAME} with (force)`);
}
