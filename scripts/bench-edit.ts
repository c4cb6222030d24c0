/**
 * npm run bench:edit — editing grids on a 100k-grid city in PostgreSQL + PostGIS (needs DATABASE_URL), issue 9 §4.
 *
 * In a scratch database `wangge_bench_edit` (BENCH_DB to change; dropped at the end unless --keep): the generated city
 * (generateCity({ targetGrids: --grids })) and the demo responsibility library (as bench:assign loads them). Parts
 * (--only reassign,edit,ogc; all by default), each printing a Markdown table with its ratio to an anchor:
 *   reassign  --cases open cases, then a draft changing --changed grids edited through draftEdit() (half split,
 *             half merged in pairs; scripts/bench/edit-reassign.ts), whatIf(), publish() and
 *             reassignOpenCases({ changes }) as the publish route runs it, against hand-written spatial joins of the
 *             cases to their lowest covering grid: those inside the changed area, and every open case;
 *   edit      one split, merge and shared-vertex move at a time with all checks (scripts/bench/edit-ops.ts),
 *             p50/p99 against the raw PostGIS operation;
 *   ogc       OGC API items pages of 1,000 grids against the raw ST_AsGeoJSON query (scripts/bench/ogc-items.ts).
 *
 * Options: --grids N (100000)  --cases N (100000)  --changed N (1000)  --edits N (50)  --pages N (50)  --only LIST
 *          --keep
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { migrate, openDatabase, redact, type Database } from '../server/db/index.js';
import { loadDemoLibrary } from '../server/demo/dispatch.js';
import { benchEditOps } from './bench/edit-ops.js';
import { benchEditReassign } from './bench/edit-reassign.js';
import { benchOgcItems, printOgcItems } from './bench/ogc-items.js';
import {
  admin,
  benchArgs,
  loadCity,
  logger,
  requireDatabaseUrl,
  secs,
  stopwatch,
  withDatabase,
} from './bench/harness.js';

const BENCH_DB = process.env.BENCH_DB ?? 'wangge_bench_edit';
const log = logger('bench:edit');

interface PartContext {
  database: Database;
  url: string;
  opts: { cases: number; changed: number; edits: number; pages: number };
}

/** The parts, in the order they run. */
const PARTS: Record<string, (c: PartContext) => Promise<void>> = {
  reassign: async ({ database, opts }) => {
    console.log(`\n### Re-assignment after a change of ${opts.changed.toLocaleString('en-US')} grids\n`);
    await benchEditReassign(database, { cases: opts.cases, grids: opts.changed, log });
  },
  edit: async ({ database, opts }) => {
    console.log('\n### One edit at a time (split, merge, vertex move)\n');
    await benchEditOps(database, { n: opts.edits, log });
  },
  ogc: async ({ url, opts }) => {
    console.log('\n### OGC API items, pages of 1,000 grids\n');
    const results = [];
    for (const concurrency of [1, 4])
      results.push(await benchOgcItems({ databaseUrl: url, pages: opts.pages, concurrency }));
    printOgcItems(results, [1, 4]);
  },
};
const USAGE =
  'usage: npm run bench:edit -- [--grids N (100000)] [--cases N (100000)] [--changed N (1000)] [--edits N (50)] ' +
  `[--pages N (50)] [--only ${Object.keys(PARTS).join(',')}] [--keep]`;

async function main(): Promise<void> {
  const opts = benchArgs(
    'bench:edit',
    USAGE,
    () =>
      parseArgs({
        options: {
          grids: { type: 'string', default: '100000' },
          cases: { type: 'string', default: '100000' },
          changed: { type: 'string', default: '1000' },
          edits: { type: 'string', default: '50' },
          pages: { type: 'string', default: '50' },
          only: { type: 'string', default: Object.keys(PARTS).join(',') },
          keep: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    ['grids', 'cases', 'changed', 'edits', 'pages'],
  );
  const parts = opts.only.split(',').map((p) => p.trim());
  for (const p of parts)
    if (!PARTS[p]) {
      console.error(`bench:edit: --only: unknown part "${p}" (${Object.keys(PARTS).join(', ')})\n${USAGE}`);
      process.exit(2);
    }
  const server = requireDatabaseUrl(
    'bench:edit',
    `It creates a scratch database ${BENCH_DB} on that server (dropped at the end unless --keep); the role needs CREATE DATABASE.`,
  );
  const clock = stopwatch();
  const url = withDatabase(server, BENCH_DB);
  log(`server ${redact(server)}, scratch database ${BENCH_DB}`);
  await admin(server, [`drop database if exists ${BENCH_DB} with (force)`, `create database ${BENCH_DB}`]);
  // Fixture statements and the anchors run longer than a request may: no statement timeout here.
  const database = await openDatabase({ databaseUrl: url, poolSize: 10, timeouts: { statementMs: 0, queryMs: 0 } });
  try {
    await migrate(database);
    const city = await loadCity(database, Number(opts.grids), 'bench:edit', log);
    const t0 = Date.now();
    const lib = await loadDemoLibrary(database, { collectorAreas: Math.round(city.stats.grids / 100) });
    await sql`vacuum analyze`.execute(database.db);
    log(`library loaded (${lib.rules} rules, ${lib.areas} collector areas) in ${secs(Date.now() - t0)} s`);
    const pgv = (
      await sql<{ v: string; g: string }>`select current_setting('server_version') as v,
        postgis_lib_version() as g`.execute(database.db)
    ).rows[0];
    console.log(
      `\nbench:edit on ${city.stats.grids.toLocaleString('en-US')} grids (${city.stats.communities} communities), ` +
        `${lib.rules} rules, ${lib.areas} collector areas; PostgreSQL ${pgv.v} / PostGIS ${pgv.g}`,
    );
    const context: PartContext = {
      database,
      url,
      opts: {
        cases: Number(opts.cases),
        changed: Number(opts.changed),
        edits: Number(opts.edits),
        pages: Number(opts.pages),
      },
    };
    for (const p of Object.keys(PARTS).filter((k) => parts.includes(k))) {
      log(`part ${p}`);
      await PARTS[p](context);
    }
    console.log(`\n${clock.footer()}`);
  } finally {
    await database.close();
    if (!opts.keep) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await admin(server, [`drop database if exists ${BENCH_DB} with (force)`]).catch((e) =>
        log(`could not drop ${BENCH_DB}: ${(e as Error).message}`),
      );
    } else {
      log(`kept the database ${BENCH_DB}`);
    }
  }
}

main().catch((e) => {
  console.error(`bench:edit: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
