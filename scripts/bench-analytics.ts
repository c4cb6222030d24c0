/**
 * npm run bench:analytics — the analytics of issue 10 on a 100k-grid city with 1,000,000 cases over two years, in
 * PostgreSQL + PostGIS (needs DATABASE_URL), each part against an anchor in the same run (issue 10 §5).
 *
 * The fixture (scripts/bench/analytics-fixture.ts), generated once in a database `wangge_bench_analytics` (BENCH_DB
 * to change) and its twin `<name>_import` (the same city, no cases): the generated city of --grids grids, the demo
 * responsibility library at that scale, --cases cases over 2024–2025 with their histories. With --keep both stay
 * and a later run that finds them at the same size reuses them; without, both are dropped at the end. Parts (--only
 * gistar,evaluation,exchange; all by default), each printing Markdown tables:
 *   gistar      Gi* (hotspots(), contiguity and distance --distance m) and emerging hot spots (emerging(), months),
 *               in-process and over HTTP, cold and warm, wall / CPU / peak memory; anchor: R spdep localG on the same
 *               counts and neighbour lists, max |Δz| (scripts/bench/analytics-gistar.ts, analytics-spdep.R);
 *   evaluation  summary, departments, regions by grid, collectors, posts against hand-written GROUP BY anchors,
 *               checked to agree (scripts/bench/analytics-evaluation.ts);
 *   exchange    NDJSON import of --import exported cases into an empty database in cases/s; anchor: COPY of the
 *               same rows (scripts/bench/analytics-exchange.ts).
 * Targets (issue 10): Gi* < 1 s, evaluation < 2 s, import ≥ 5,000 cases/s.
 *
 * Options: --grids N (100000)  --cases N (1000000)  --import N (100000)  --runs N (3)  --distance M (500)
 *          --only LIST  --keep
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { redact } from '../server/db/index.js';
import { ensureFixture, type Fixture } from './bench/analytics-fixture.js';
import { benchEvaluation } from './bench/analytics-evaluation.js';
import { benchExchange } from './bench/analytics-exchange.js';
import { benchGiStar } from './bench/analytics-gistar.js';
import { spdepMissing } from './bench/analytics-measure.js';
import { admin, benchArgs, logger, requireDatabaseUrl, stopwatch, withDatabase } from './bench/harness.js';

const BENCH_DB = process.env.BENCH_DB ?? 'wangge_bench_analytics';
const FROM = '2024-01-01';
const TO = '2026-01-01';
const log = logger('bench:analytics');

interface PartContext {
  fixture: Fixture;
  opts: { runs: number; distance: number; import: number };
}

/** The parts, in the order they run. */
const PARTS: Record<string, (c: PartContext) => Promise<void>> = {
  gistar: ({ fixture, opts }) =>
    benchGiStar({
      database: fixture.database,
      dbName: BENCH_DB,
      runs: opts.runs,
      distanceM: opts.distance,
      from: FROM,
      to: TO,
      log,
    }),
  evaluation: ({ fixture, opts }) =>
    benchEvaluation({ database: fixture.database, dbName: BENCH_DB, runs: opts.runs, from: FROM, to: TO, log }),
  exchange: ({ fixture, opts }) =>
    benchExchange({
      database: fixture.database,
      dbName: BENCH_DB,
      importUrl: withDatabase(fixture.url, fixture.importName),
      importName: fixture.importName,
      cases: opts.import,
      log,
    }),
};
const USAGE =
  'usage: npm run bench:analytics -- [--grids N (100000)] [--cases N (1000000)] [--import N (100000)] ' +
  `[--runs N (3)] [--distance M (500)] [--only ${Object.keys(PARTS).join(',')}] [--keep]`;

/** R and spdep versions, or why not. */
async function rVersion(): Promise<string> {
  const missing = await spdepMissing();
  if (missing) return `spdep: not installed (${missing})`;
  try {
    return execFileSync(
      process.env.RSCRIPT ?? '/usr/bin/Rscript',
      ['-e', 'cat(R.version$version.string, "/ spdep", format(packageVersion("spdep")))'],
      { encoding: 'utf8' },
    ).trim();
  } catch {
    return 'R (version unknown)';
  }
}

async function main(): Promise<void> {
  const opts = benchArgs(
    'bench:analytics',
    USAGE,
    () =>
      parseArgs({
        options: {
          grids: { type: 'string', default: '100000' },
          cases: { type: 'string', default: '1000000' },
          import: { type: 'string', default: '100000' },
          runs: { type: 'string', default: '3' },
          distance: { type: 'string', default: '500' },
          only: { type: 'string', default: Object.keys(PARTS).join(',') },
          keep: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    ['grids', 'cases', 'import', 'runs', 'distance'],
  );
  const parts = opts.only.split(',').map((p) => p.trim());
  for (const p of parts)
    if (!PARTS[p]) {
      console.error(`bench:analytics: --only: unknown part "${p}" (${Object.keys(PARTS).join(', ')})\n${USAGE}`);
      process.exit(2);
    }
  const server = requireDatabaseUrl(
    'bench:analytics',
    `It creates the databases ${BENCH_DB} and ${BENCH_DB}_import on that server (dropped at the end unless --keep, ` +
      'reused when kept); the role needs CREATE DATABASE.',
  );
  const clock = stopwatch();
  log(`server ${redact(server)}, fixture database ${BENCH_DB}`);
  const fixture = await ensureFixture({
    server,
    name: BENCH_DB,
    grids: Number(opts.grids),
    cases: Number(opts.cases),
    log,
  });
  try {
    const v = (
      await sql<{ v: string; g: string }>`select current_setting('server_version') as v,
        postgis_lib_version() as g`.execute(fixture.database.db)
    ).rows[0];
    const n = (x: number) => x.toLocaleString('en-US');
    console.log(
      `\nbench:analytics on ${n(fixture.grids)} grids (${n(fixture.communities)} communities), ${n(fixture.cases)} cases ` +
        `(${n(fixture.events)} events) reported ${FROM} – ${TO}, ${fixture.departments} departments, ` +
        `${fixture.collectors} collectors (fixture ${fixture.generated ? 'generated in this run' : 'kept from an earlier run'}); ` +
        `PostgreSQL ${v.v} / PostGIS ${v.g}; ${await rVersion()}; fastest of ${opts.runs} runs. ` +
        'Targets: Gi* < 1 s, evaluation < 2 s, import ≥ 5,000 cases/s.',
    );
    const context: PartContext = {
      fixture,
      opts: { runs: Number(opts.runs), distance: Number(opts.distance), import: Number(opts.import) },
    };
    for (const p of Object.keys(PARTS).filter((k) => parts.includes(k))) {
      log(`part ${p}`);
      await PARTS[p](context);
    }
    console.log(`\n${clock.footer()}`);
  } finally {
    await fixture.database.close();
    if (!opts.keep) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await admin(server, [
        `drop database if exists ${fixture.importName} with (force)`,
        `drop database if exists ${BENCH_DB} with (force)`,
      ]).catch((e) => log(`could not drop ${BENCH_DB}: ${(e as Error).message}`));
    } else {
      log(`kept the databases ${BENCH_DB} and ${fixture.importName}`);
    }
  }
}

main().catch((e) => {
  console.error(`bench:analytics: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
