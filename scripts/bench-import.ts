/**
 * npm run bench:import — a 50 MB regions import while other requests go on (issue 7: never down).
 *
 * On the embedded database (or DATABASE_URL's server, in a scratch database): generates a district of ~32,400
 * surveyed-looking unit grids (scripts/bench/regions-file.ts, ≈ 53 MB of GeoJSON), then, while a reader sends
 * GET /api/departments every --every ms through the whole Koa app:
 *   anchor   the same features inserted by ONE statement (ST_GeomFromGeoJSON, ST_Multi, area) into a scratch
 *            table — what an import in one transaction costs at the least, and what readers wait for meanwhile;
 *   import   POST /api/import of the file (parse, checks, staging in short steps, one publishing transaction).
 * Prints, for each, its duration and the readers' latencies (p50/p99/max) while it ran, and the ratio of the import's
 * duration to the anchor's.
 *
 * Options: --side N (180 → 32,400 grids; a multiple of 60)  --per-edge N (14 vertices per grid edge)  --every N (50)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createUser } from '../server/auth/tokens.js';
import { migrate, openDatabase, redact, type Database } from '../server/db/index.js';
import {
  admin,
  benchArgs,
  f1,
  logger,
  printTable,
  secs,
  startServer,
  stopwatch,
  withDatabase,
} from './bench/harness.js';
import { regionsFile } from './bench/regions-file.js';

const BENCH_DB = 'wangge_bench_import';
const USAGE = 'usage: npm run bench:import -- [--side N (180)] [--per-edge N (14)] [--every MS (50)]';
const log = logger('bench:import');

const opts = benchArgs(
  'bench:import',
  USAGE,
  () =>
    parseArgs({
      options: {
        side: { type: 'string', default: '180' },
        'per-edge': { type: 'string', default: '14' },
        every: { type: 'string', default: '50' },
        help: { type: 'boolean' },
      },
    }),
  ['side', 'per-edge', 'every'],
);
const side = Number(opts.side);
if (side % 60 !== 0) {
  console.error(`bench:import: --side must be a multiple of 60\n${USAGE}`);
  process.exit(2);
}

/** Sends GET path every `every` ms until stopped; returns the latencies. */
function reader(base: string, every: number) {
  const ms: number[] = [];
  let errors = 0;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t = performance.now();
      try {
        const r = await fetch(`${base}/api/departments`);
        await r.arrayBuffer();
        if (r.status !== 200) errors++;
      } catch {
        errors++;
      }
      ms.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, every));
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      ms.sort((a, b) => a - b);
      const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
      return { n: ms.length, errors, p50: q(0.5), p99: q(0.99), max: ms.at(-1) ?? 0 };
    },
  };
}

async function main() {
  const watch = stopwatch();
  const url = process.env.DATABASE_URL;
  let database: Database;
  let tmp: string | undefined;
  if (url) {
    await admin(url, [`drop database if exists ${BENCH_DB}`, `create database ${BENCH_DB}`]);
    database = await openDatabase({ databaseUrl: withDatabase(url, BENCH_DB) });
    log(`PostgreSQL ${redact(withDatabase(url, BENCH_DB))}`);
  } else {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-bench-import-'));
    database = await openDatabase({ dataDir: path.join(tmp, 'db') });
    log(`embedded database in ${tmp}`);
  }
  try {
    await migrate(database);
    const token = (await createUser(database.db, 'bench', 'admin')).token;
    const server = await startServer(database);
    const file = regionsFile({ side, perEdge: Number(opts['per-edge']), district: '990101', origin: [101, 21] });
    const body = JSON.stringify(file);
    const features = file.features as Array<{ properties: { code: string; name: string }; geometry: unknown }>;
    log(`${features.length} features, ${(body.length / 1e6).toFixed(1)} MB of GeoJSON`);
    const every = Number(opts.every);

    // Anchor: one statement inserting every feature (no checks), readers waiting meanwhile.
    await sql`create table bench_raw (code text, name text, geom geometry, area_m2 double precision)`.execute(
      database.db,
    );
    let r = reader(server.url, every);
    let t = performance.now();
    await sql`insert into bench_raw select c, n, ST_Multi(g), ST_Area(g::geography)
      from (select c, n, ST_SetSRID(ST_GeomFromGeoJSON(j), 4326) as g
            from unnest(${features.map((f) => f.properties.code)}::text[], ${features.map((f) => f.properties.name)}::text[],
                        ${features.map((f) => JSON.stringify(f.geometry))}::text[]) as s(c, n, j)) x`.execute(
      database.db,
    );
    const anchorMs = performance.now() - t;
    const anchorReads = await r.stop();
    await sql`drop table bench_raw`.execute(database.db);

    r = reader(server.url, every);
    t = performance.now();
    const res = await fetch(`${server.url}/api/import`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    const answer = (await res.json()) as {
      counts?: { grid: { inserted: number } };
      timings?: { checked_ms: number; published_ms: number };
      detail?: string;
    };
    const importMs = performance.now() - t;
    const importReads = await r.stop();
    if (res.status !== 200) throw new Error(`import answered ${res.status}: ${answer.detail}`);
    if (answer.counts?.grid.inserted !== side * side) throw new Error(`imported ${answer.counts?.grid.inserted} grids`);
    await server.close();

    console.log(
      `\n## Import of ${features.length} features (${(body.length / 1e6).toFixed(1)} MB) on ${database.driver}, ` +
        `a reader every ${every} ms\n`,
    );
    const row = (what: string, ms: number, x: typeof anchorReads) => [
      what,
      secs(ms),
      String(x.n),
      String(x.errors),
      f1(x.p50),
      f1(x.p99),
      f1(x.max),
    ];
    printTable(
      ['', 'duration s', 'reads', 'failed', 'read p50 ms', 'read p99 ms', 'read max ms'],
      [row('anchor: one INSERT statement', anchorMs, anchorReads), row('POST /api/import', importMs, importReads)],
    );
    console.log(`\nimport / anchor duration: ${(importMs / anchorMs).toFixed(2)}×`);
    const { checked_ms, published_ms } = answer.timings!;
    console.log(
      `import: body read, parsed and checked in JS ${secs(importMs - checked_ms - published_ms)} s, ` +
        `staged and checked in short steps ${secs(checked_ms)} s, published in one transaction ${secs(published_ms)} s`,
    );
    console.log(watch.footer());
  } finally {
    await database.close();
    if (url) await admin(url, [`drop database if exists ${BENCH_DB}`]);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
