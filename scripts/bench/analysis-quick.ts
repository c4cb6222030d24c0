/**
 * A quick measurement of the hot spot analysis on a city of ~100k grids with 1,000,000 cases over two years on
 * PostgreSQL (needs DATABASE_URL): `npx tsx scripts/bench/analysis-quick.ts [--grids N] [--cases N] [--runs N] [--keep]`.
 * Not the benchmark proper (npm run bench:analytics, later): no anchor, no ratios; timings of hotspots() and
 * emerging() in-process and over HTTP, cold (neighbour lists computed) and warm (from the cache): the fastest of
 * --runs runs (5), wall and CPU (this process and its PostgreSQL backend), and memory.
 *
 * The cases are a benchmark fixture inserted set-based (direct SQL): each in a random live grid (skewed, so that hot
 * spots exist), at that grid's bounding-box centre, reported at a random instant of 2024–2025, with the grid's code
 * and community as its assignment.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { emerging, hotspots, type AnalysisParams } from '../../server/analysis/analyse.js';
import { clearNeighbourCache } from '../../server/analysis/neighbours.js';
import { createUser } from '../../server/auth/tokens.js';
import { migrate, openDatabase } from '../../server/db/index.js';
import { admin, loadCity, logger, requireDatabaseUrl, startServer, withDatabase } from './harness.js';

const BENCH_DB = 'wangge_quick_analysis';
const log = logger('analysis-quick');

async function main() {
  const { values } = parseArgs({
    options: {
      grids: { type: 'string', default: '100000' },
      cases: { type: 'string', default: '1000000' },
      keep: { type: 'boolean', default: false },
      runs: { type: 'string', default: '5' },
    },
  });
  const url = requireDatabaseUrl('analysis-quick', 'It creates the scratch database wangge_quick_analysis there.');
  const c = await import('pg').then((m) => new m.default.Client({ connectionString: url }));
  await c.connect();
  const exists = (await c.query('select 1 from pg_database where datname = $1', [BENCH_DB])).rowCount;
  await c.end();
  if (!exists) await admin(url, [`create database ${BENCH_DB}`]);
  const database = await openDatabase({ databaseUrl: withDatabase(url, BENCH_DB), poolSize: 1 });
  const db = database.db;
  try {
    await migrate(database);
    const grids = (
      await sql<{ n: number }>`select count(*)::int as n from unit_grid where termination_date is null`.execute(db)
    ).rows[0].n;
    if (grids === 0) await loadCity(database, Number(values.grids), 'analysis-quick', log);
    const cases = (await sql<{ n: number }>`select count(*)::int as n from case_record`.execute(db)).rows[0].n;
    if (cases === 0) {
      log(`inserting ${values.cases} cases`);
      const t0 = Date.now();
      await database.exec(`
        select setseed(0.2026);
        create temp table qb as select row_number() over (order by code)::int as k, code::text as code, community_code,
          street_code, district_code, ST_X(ST_Centroid(Box2D(geom))) as x, ST_Y(ST_Centroid(Box2D(geom))) as y
          from unit_grid where termination_date is null;
        insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
            input_crs, input_lon, input_lat, reported_at, state, area_class, assignment, assignment_version, updated_at,
            grid_code, community_code, street_code, district_code)
          select 2000000000 + n, 'QB' || n, 'collector', 'matter', '06010', 'bench', b.x, b.y,
                 ST_SetSRID(ST_MakePoint(b.x, b.y), 4326), 'wgs84', b.x, b.y,
                 timestamptz '2024-01-01 00:00+08' + random() * interval '731 days', 'closed', 'C', '{}'::jsonb, 0, now(),
                 b.code, b.community_code, b.street_code, b.district_code
          from (select n, 1 + floor(power(random(), 3) * (select count(*) from qb))::int as k
                from generate_series(1, ${Number(values.cases)}) n) s
          join qb b on b.k = s.k;`);
      await sql`vacuum analyze case_record`.execute(db);
      log(`inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const n = (
      await sql<{
        g: number;
        c: number;
      }>`select (select count(*)::int from unit_grid where termination_date is null) as g,
        (select count(*)::int from case_record) as c`.execute(db)
    ).rows[0];
    console.log(`city: ${n.g} live grids, ${n.c} cases`);

    const base: AnalysisParams = {
      from: '2025-01-01',
      to: '2026-01-01',
      level: 'grid',
      weights: { kind: 'contiguity' },
      fdr: false,
      geometry: false,
      scope: '',
    };
    const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
    // CPU of this process and of the PostgreSQL backend that serves it (one connection: poolSize 1; read from /proc,
    // so this works when the server runs on this machine): the shared machine's load inflates wall times, CPU less so.
    const backend = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0].pid;
    const backendMs = () => {
      try {
        const f = fs.readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1].split(' ');
        return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks of 10 ms
      } catch {
        return NaN;
      }
    };
    const RUNS = Number(values.runs);
    const time = async (label: string, fn: () => Promise<unknown>, runs = RUNS) => {
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let k = 0; k < runs; k++) {
        const c0 = process.cpuUsage();
        const b0 = backendMs();
        const t0 = performance.now();
        await fn();
        walls.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpus.push((c.user + c.system) / 1000 + (backendMs() - b0));
      }
      const m = process.memoryUsage();
      const min = (a: number[]) =>
        Math.min(...a)
          .toFixed(0)
          .padStart(6);
      console.log(
        `${label.padEnd(58)} wall min ${min(walls)} ms, cpu min ${min(cpus)} ms (${runs} runs)   rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}`,
      );
    };
    await time(
      'hotspots grid contiguity, 1 year (cold: neighbour lists)',
      () => {
        clearNeighbourCache(db);
        return hotspots(db, base);
      },
      1,
    );
    await time('hotspots grid contiguity, 1 year (warm)', () => hotspots(db, base));
    await time('hotspots grid contiguity, 2 years, fdr (warm)', () =>
      hotspots(db, { ...base, from: '2024-01-01', fdr: true }),
    );
    await time('hotspots grid contiguity, 1 year, geometry (warm)', () => hotspots(db, { ...base, geometry: true }));
    const dist = { ...base, weights: { kind: 'distance' as const, distanceM: 250 } };
    await time('hotspots grid distance 250 m (cold)', () => hotspots(db, dist), 1);
    await time('hotspots grid distance 250 m (warm)', () => hotspots(db, dist));
    await time('hotspots community contiguity (cold)', () => hotspots(db, { ...base, level: 'community' }), 1);
    await time('emerging grid, 24 months, fdr (warm lists)', () =>
      emerging(db, { ...base, from: '2024-01-01', step: 'month', fdr: true }),
    );
    await time('emerging grid, 104 weeks, fdr (warm lists)', () =>
      emerging(db, { ...base, from: '2024-01-01', to: '2025-12-29', step: 'week', fdr: true }),
    );

    const server = await startServer(database);
    const { token } = await createUser(db, `quick-${Date.now()}`, 'viewer');
    const http = async (label: string, path: string) => {
      let best = Infinity;
      let size = 0;
      for (let k = 0; k < RUNS; k++) {
        const t0 = performance.now();
        const r = await fetch(server.url + path, { headers: { Authorization: `Bearer ${token}` } });
        size = (await r.arrayBuffer()).byteLength;
        best = Math.min(best, performance.now() - t0);
      }
      console.log(`${label.padEnd(58)} wall min ${best.toFixed(0).padStart(6)} ms (${RUNS} runs)   ${mb(size)}`);
    };
    const q = 'from=2025-01-01&to=2026-01-01';
    await http('HTTP hotspots geometry=false', `/api/analysis/hotspots?${q}&geometry=false`);
    await http('HTTP hotspots with geometry', `/api/analysis/hotspots?${q}`);
    await http('HTTP hotspots csv', `/api/analysis/hotspots?${q}&format=csv`);
    await http(
      'HTTP emerging 24 months geometry=false',
      '/api/analysis/emerging?from=2024-01-01&to=2026-01-01&geometry=false',
    );
    await server.close();
  } finally {
    await database.close();
    if (!values.keep) await admin(url, [`drop database if exists ${BENCH_DB} with (force)`]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
