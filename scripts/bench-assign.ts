/**
 * npm run bench:assign — automatic assignment on a 100k-grid city in PostgreSQL + PostGIS (needs DATABASE_URL).
 *
 * 1. Creates a scratch database `wangge_bench_assign` on the DATABASE_URL server (dropped at the end unless --keep),
 *    imports the generated city (generateCity({ targetGrids })) and the demo responsibility library
 *    (server/demo/dispatch.ts loadDemoLibrary: departments, street fallbacks, rules, area classes, components and
 *    collector areas of ~100 grids each).
 * 2. Intake: POST /api/cases through the whole Koa app (validation, locate, assignment, deadlines, duplicate search,
 *    insert, first history event) with 1 and 8 requests in flight, N requests each, at random points in random
 *    grids; in the same run and at the same concurrency, over the same points:
 *      anchor    the raw PostGIS point-in-polygon lookup of the covering grid (one query over pg)
 *      assign()  the assignment function in-process (locate + area class + collector area + rule precedence)
 * 3. Batch re-assignment: --points open cases at random points of the city inserted set-based (direct SQL: a
 *    benchmark fixture), assignment_version bumped, then reassignOpenCases() timed against the anchor, a
 *    hand-written spatial join of the same points to their lowest-code covering grid
 *    (create table … as select distinct on (p.id) p.id, g.code from pts p join unit_grid g on ST_Intersects …),
 *    and the grids it chose checked against the anchor's.
 *
 * Options: --grids N (100000)  --requests N (2000)  --concurrency 1,8  --points N (1000000)  --keep
 * The HTTP client runs in a worker thread of the same process (sharing the machine's CPUs with the server and
 * PostgreSQL); the load average is printed, as other work on the machine skews the figures.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { assign } from '../server/assign/assign.js';
import { reassignOpenCases } from '../server/assign/reassign.js';
import { createUser } from '../server/auth/tokens.js';
import { migrate, openDatabase, redact, type Database } from '../server/db/index.js';
import { loadDemoLibrary } from '../server/demo/dispatch.js';
import { mulberry32 as rng } from '../server/demo/prng.js';
import {
  admin,
  benchArgs,
  f1,
  f2,
  httpRun,
  loadCity,
  logger,
  measure,
  printTable,
  requireDatabaseUrl,
  secs,
  startServer,
  stopwatch,
  withDatabase,
  type Run,
  type Server,
} from './bench/harness.js';

const BENCH_DB = 'wangge_bench_assign';
const USAGE =
  'usage: npm run bench:assign -- [--grids N (100000)] [--requests N (2000)] [--concurrency N,N (1,8)] ' +
  '[--points N (1000000)] [--keep]';
/** Categories of the generated reports (the demo's most common matters and components). */
const CATEGORIES = [
  'matter:06010',
  'matter:09006',
  'matter:07001',
  'matter:09009',
  'matter:06036',
  'matter:09005',
  'matter:06012',
  'matter:06017',
  'matter:06013',
  'component:01003',
  'component:01037',
  'component:03005',
];

const log = logger('bench-assign');

/** `n` random points inside random live grids (PostGIS ST_GeneratePoints, seeded), in a seeded order. */
async function randomPoints(database: Database, n: number, seed: number): Promise<[number, number][]> {
  const r = await sql<{ lon: number; lat: number }>`
    select ST_X(p) as lon, ST_Y(p) as lat from (
      select (ST_Dump(ST_GeneratePoints(geom, 1, (${seed}::bigint + id)::int))).geom as p
      from unit_grid where termination_date is null order by md5(code || ${String(seed)}) limit ${n}) q`.execute(
    database.db,
  );
  return r.rows.map((p) => [Math.round(p.lon * 1e7) / 1e7, Math.round(p.lat * 1e7) / 1e7]);
}

async function main(): Promise<void> {
  const opts = benchArgs(
    'bench-assign',
    USAGE,
    () =>
      parseArgs({
        options: {
          grids: { type: 'string', default: '100000' },
          requests: { type: 'string', default: '2000' },
          concurrency: { type: 'string', default: '1,8' },
          points: { type: 'string', default: '1000000' },
          keep: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    ['grids', 'requests', 'concurrency', 'points'],
  );
  const url = requireDatabaseUrl(
    'bench:assign',
    `It creates a scratch database ${BENCH_DB} on that server (dropped at the end unless --keep); the role needs CREATE DATABASE.`,
  );
  const target = Number(opts.grids),
    nReq = Number(opts.requests),
    nPoints = Number(opts.points);
  const levels = opts.concurrency.split(',').map(Number);
  const clock = stopwatch();
  log(`server ${redact(url)}, scratch database ${BENCH_DB}`);
  await admin(url, [`drop database if exists ${BENCH_DB} with (force)`, `create database ${BENCH_DB}`]);
  // The fixture and the anchor's spatial join over a million points run longer than a request may: no statement
  // timeout on this benchmark's own connections (re-assignment sets its own).
  const database = await openDatabase({
    databaseUrl: withDatabase(url, BENCH_DB),
    poolSize: Math.max(10, ...levels.map((c) => c + 2)),
    timeouts: { statementMs: 0, queryMs: 0 },
  });
  const anchorPool = new pg.Pool({ connectionString: withDatabase(url, BENCH_DB), max: Math.max(...levels) });
  let server: Server | undefined;
  try {
    await migrate(database);
    // -- the city and the library ------------------------------------------------------------------------------
    const city = await loadCity(database, target, 'bench-assign', log);
    const grids = city.stats.grids;
    let t0 = Date.now();
    const lib = await loadDemoLibrary(database, { collectorAreas: Math.round(grids / 100) });
    await sql`vacuum analyze`.execute(database.db);
    log(
      `city and library loaded (${lib.departments} departments, ${lib.rules} rules, ${lib.areas} collector areas) in ${secs(Date.now() - t0)} s`,
    );
    const pgv = (
      await sql<{
        v: string;
        g: string;
      }>`select current_setting('server_version') as v, postgis_lib_version() as g`.execute(database.db)
    ).rows[0];

    // -- intake over HTTP vs the raw point-in-polygon lookup ------------------------------------------------------
    const { token } = await createUser(database.db, 'bench-dispatcher', 'dispatcher');
    server = await startServer(database);
    const base = server.url;
    const allPoints = await randomPoints(database, nReq * levels.length + 200, 20261124);
    const pickCat = rng(7);
    const body = ([lon, lat]: [number, number], i: number) =>
      JSON.stringify({
        channel: 'collector',
        category: CATEGORIES[Math.floor(pickCat() * CATEGORIES.length)],
        description: `bench report ${i}`,
        location: { lon, lat },
      });
    const raw = (p: [number, number]) =>
      anchorPool.query(
        `select code from unit_grid where termination_date is null
         and ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) order by code limit 1`,
        p,
      );
    const viaAssign = (p: [number, number]) =>
      assign(database.db, { lon: p[0], lat: p[1], kind: 'matter', code: '06010' });
    // Warm-up (untimed): the first 200 points through each path.
    const warm = allPoints.slice(0, 200);
    const post = (bodies: string[], concurrency: number) =>
      httpRun(
        base,
        bodies.map((b) => ({ path: '/api/cases', body: b })),
        { concurrency, ok: [201], headers: { authorization: `Bearer ${token}` } },
      );
    await post(warm.map(body), 4);
    await measure(warm, 4, raw);
    await measure(warm, 4, viaAssign);
    const intakeRows: string[][] = [];
    const summaryBits: string[] = [];
    for (const [k, c] of levels.entries()) {
      const pts = allPoints.slice(200 + k * nReq, 200 + (k + 1) * nReq);
      log(`intake, concurrency ${c}: ${pts.length} requests`);
      const anchor = await measure(pts, c, raw);
      const inproc = await measure(pts, c, viaAssign);
      const viaHttp = await post(
        pts.map((p, i) => body(p, i)),
        c,
      );
      const row = (name: string, r: Run, ratio: string) =>
        intakeRows.push([name, String(c), String(r.n), f1(r.perS), f2(r.p50), f2(r.p99), ratio]);
      row('raw PostGIS point-in-polygon (anchor)', anchor, '1×');
      row('assign() in-process (no HTTP, no write)', inproc, `${(inproc.perS / anchor.perS).toFixed(2)}×`);
      row(
        'POST /api/cases (HTTP: assign + deadlines + duplicates + insert + event)',
        viaHttp,
        `${(viaHttp.perS / anchor.perS).toFixed(3)}×`,
      );
      summaryBits.push(
        `c=${c}: intake ${f1(viaHttp.perS)}/s (p99 ${f2(viaHttp.p99)} ms) vs raw lookup ${f1(anchor.perS)}/s`,
      );
    }
    await server.close();
    server = undefined;

    // -- batch re-assignment vs a hand-written spatial join -------------------------------------------------------
    // The intake cases are closed so that exactly the fixture's points are open (direct SQL: a benchmark fixture).
    await sql`update case_record set state = 'closed', closed_at = now() where closed_at is null`.execute(database.db);
    log(`inserting ${nPoints} open cases at random points (set-based)`);
    t0 = Date.now();
    await sql`drop table if exists bench_pts`.execute(database.db);
    await database.exec(`
      select setseed(0.20261124);
      create temp table bench_box as
        select row_number() over (order by code)::int as k, ST_XMin(geom) as x0, ST_YMin(geom) as y0,
               ST_XMax(geom) as x1, ST_YMax(geom) as y1
        from unit_grid where termination_date is null;
      create table bench_pts as
        select (1000000000 + n)::bigint as id, x as lon, y as lat, ST_SetSRID(ST_MakePoint(x, y), 4326) as geom,
               cat, st
        from (select s.n, b.x0 + s.rx * (b.x1 - b.x0) as x, b.y0 + s.ry * (b.y1 - b.y0) as y,
                     (array['06010','09006','07001','09009','06036','09005','06012','06017'])[1 + floor(s.rc * 8)::int] as cat,
                     (array['reported','reported','filed','dispatched','dispatched','dispatched','disposed'])[1 + floor(s.rs * 7)::int] as st
              from (select n, 1 + floor(random() * (select count(*) from bench_box))::int as k,
                           random() as rx, random() as ry, random() as rc, random() as rs
                    from generate_series(1, ${nPoints}) n) s
              join bench_box b on b.k = s.k) q;
      insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
          input_crs, input_lon, input_lat, reported_at, state, area_class, assignment, assignment_version, updated_at)
        select id, 'BENCH' || id, 'collector', 'matter', cat, 'bench', lon, lat, geom, 'wgs84', lon, lat, now(),
               st, 'C', '{}'::jsonb, 0, now()
        from bench_pts;
      update assignment_version set version = version + 1, updated_at = now() where id = 1;`);
    await sql`vacuum analyze bench_pts`.execute(database.db);
    await sql`vacuum analyze case_record`.execute(database.db);
    const insertMs = Date.now() - t0;
    log(`inserted ${nPoints} cases in ${secs(insertMs)} s`);

    log('anchor: hand-written spatial join');
    t0 = Date.now();
    await sql`create table bench_anchor as
      select distinct on (p.id) p.id, g.code from bench_pts p
      join unit_grid g on g.termination_date is null and ST_Intersects(g.geom, p.geom)
      order by p.id, g.code`.execute(database.db);
    const anchorMs = Date.now() - t0;
    log(`anchor: ${secs(anchorMs)} s; reassignOpenCases()`);
    t0 = Date.now();
    const steps: Record<string, number> = {};
    const res = await reassignOpenCases(database.db, {
      onStep: (s, ms) => {
        steps[s] = (steps[s] ?? 0) + ms;
      },
    });
    const reassignMs = Date.now() - t0;
    const stepList = Object.entries(steps)
      .map(([k, v]) => `${k} ${secs(v)}`)
      .join(', ');
    log(`reassignOpenCases: ${secs(reassignMs)} s (examined ${res.examined}, changed ${res.changed}; ${stepList})`);
    const check = (
      await sql<{ covered: number; differ: number; outside: number }>`
      select (select count(*)::int from bench_anchor) as covered,
             (select count(*)::int from bench_anchor a join case_record c on c.id = a.id where c.grid_code is distinct from a.code) as differ,
             (select count(*)::int from bench_pts p where not exists (select 1 from bench_anchor a where a.id = p.id)) as outside`.execute(
        database.db,
      )
    ).rows[0];

    // -- report -----------------------------------------------------------------------------------------------------
    console.log(
      `\nAssignment on ${grids.toLocaleString('en-US')} grids (${city.stats.streets} streets, ${city.stats.communities} communities), ` +
        `${lib.rules} rules, ${lib.departments} departments, ${lib.areas} collector areas; PostgreSQL ${pgv.v} / PostGIS ${pgv.g}\n`,
    );
    printTable(['intake', 'in flight', 'requests', 'per s', 'p50 ms', 'p99 ms', 'vs anchor'], intakeRows);
    console.log('');
    printTable(
      ['batch re-assignment', 'points', 'seconds', 'rows/s', 'vs anchor'],
      [
        [
          'hand-written spatial join, lowest covering grid (anchor)',
          nPoints.toLocaleString('en-US'),
          secs(anchorMs),
          Math.round(nPoints / (anchorMs / 1000)).toLocaleString('en-US'),
          '1×',
        ],
        [
          'reassignOpenCases() (grid, area class, collector area, rule precedence, fallback, write-back, events)',
          res.examined.toLocaleString('en-US'),
          secs(reassignMs),
          Math.round(res.examined / (reassignMs / 1000)).toLocaleString('en-US'),
          `${(reassignMs / anchorMs).toFixed(1)}× the time`,
        ],
      ],
    );
    console.log(
      `\nfixture: ${nPoints.toLocaleString('en-US')} open cases inserted set-based in ${secs(insertMs)} s; ` +
        `${check.covered.toLocaleString('en-US')} inside a grid, ${check.outside.toLocaleString('en-US')} outside every grid; ` +
        `reassignOpenCases changed ${res.changed.toLocaleString('en-US')}, moved the department of ${res.department_changed.toLocaleString('en-US')}; ` +
        `grids differing from the anchor: ${check.differ}; re-assignment steps (s): ${stepList} (write: summed over ` +
        'the parallel write transactions)',
    );
    console.log(
      `\nsummary: ${summaryBits.join('; ')}; re-assignment of ${res.examined.toLocaleString('en-US')} open cases in ${secs(reassignMs)} s ` +
        `(${Math.round(res.examined / (reassignMs / 1000)).toLocaleString('en-US')} rows/s) vs ${secs(anchorMs)} s for the bare spatial join (${(reassignMs / anchorMs).toFixed(1)}×)`,
    );
    console.log(`\n${clock.footer()}`);
    if (check.differ > 0) {
      console.error(`bench-assign: ${check.differ} cases got a different grid than the anchor's lowest covering grid`);
      process.exitCode = 1;
    }
  } finally {
    await server?.close();
    await anchorPool.end();
    await database.close();
    if (!opts.keep) {
      // Wait for the pools' backends to leave before the forced drop (see test/helpers/db.ts).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await admin(url, [`drop database if exists ${BENCH_DB} with (force)`]).catch((e) =>
        log(`could not drop ${BENCH_DB}: ${(e as Error).message}`),
      );
    } else {
      log(`kept the database ${BENCH_DB}`);
    }
  }
}

main().catch((e) => {
  console.error(`bench-assign: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
