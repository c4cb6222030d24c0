/**
 * Standalone runner of the OGC API items bench (scripts/bench/ogc-items.ts; npm run bench:edit runs it too):
 *
 *   DATABASE_URL=… npx tsx scripts/bench-ogc.ts [--grids N (100000)] [--pages N (50)] [--concurrency 1,4] [--keep]
 *
 * Creates the scratch database wangge_bench_ogc on that server with a generated city of ~N grids (reused when it
 * is already there and --keep was given before), runs the bench at each concurrency, and drops it unless --keep.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { migrate, openDatabase, redact } from '../server/db/index.js';
import { admin, benchArgs, loadCity, logger, requireDatabaseUrl, stopwatch, withDatabase } from './bench/harness.js';
import { benchOgcItems, printOgcItems, type OgcItemsResult } from './bench/ogc-items.js';

const DB = 'wangge_bench_ogc';
const log = logger('bench-ogc');
const usage =
  'usage: npx tsx scripts/bench-ogc.ts [--grids N (100000)] [--pages N (50)] [--concurrency N,N (1,4)] [--keep]';

async function databaseExists(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('select 1 from pg_database where datname = $1', [DB])).rowCount === 1;
  } finally {
    await c.end();
  }
}

async function gridCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(
      "select case when to_regclass('unit_grid') is null then 0 else (select count(*) from unit_grid) end as n",
    );
    return Number(r.rows[0].n);
  } catch {
    return 0;
  } finally {
    await c.end();
  }
}

async function main() {
  const opts = benchArgs(
    'bench-ogc',
    usage,
    () =>
      parseArgs({
        options: {
          grids: { type: 'string', default: '100000' },
          pages: { type: 'string', default: '50' },
          concurrency: { type: 'string', default: '1,4' },
          keep: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    ['grids', 'pages', 'concurrency'],
  );
  const url = requireDatabaseUrl('bench-ogc', `It uses the scratch database ${DB} on that server.`);
  const dbUrl = withDatabase(url, DB);
  const clock = stopwatch();
  log(`server ${redact(url)}, scratch database ${DB}`);
  if (!(await databaseExists(url)) || (await gridCount(dbUrl)) === 0) {
    await admin(url, [`drop database if exists ${DB} with (force)`, `create database ${DB}`]);
    const database = await openDatabase({ databaseUrl: dbUrl, poolSize: 4 });
    try {
      await migrate(database);
      await loadCity(database, Number(opts.grids), 'bench-ogc', log);
      await sql`vacuum analyze`.execute(database.db);
    } finally {
      await database.close();
    }
  } else log(`reusing ${DB} (${await gridCount(dbUrl)} grid rows)`);
  try {
    const levels = opts.concurrency.split(',').map(Number);
    const results: OgcItemsResult[] = [];
    for (const concurrency of levels) {
      log(`running ${opts.pages} pages with ${concurrency} in flight`);
      results.push(await benchOgcItems({ databaseUrl: dbUrl, pages: Number(opts.pages), concurrency }));
    }
    printOgcItems(results, levels);
    console.log(`\n${clock.footer()}`);
  } finally {
    if (!opts.keep) await admin(url, [`drop database if exists ${DB} with (force)`]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
