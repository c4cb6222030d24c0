/**
 * npm run bench:census — the component census at a million rows, on PostgreSQL + PostGIS (needs DATABASE_URL).
 *
 * In a scratch database `wangge_bench_census` (created and dropped): a generated city of ~--grids unit grids and a
 * census CSV of --rows components over it (scripts/bench/census-file.ts: ~30 classes, half coded, departments from
 * a small table). Parts (--only import,tiles; all by default):
 *   import  anchor: PostgreSQL's own COPY of the same CSV (every column text) into an unindexed table;
 *           import: `npm run import:components -- FILE` in a child process (openCensusFile + importCensus, the full
 *           validation), its rows/s as the CLI reports them and its peak RSS (VmHWM of /proc/PID/status, read
 *           every 100 ms); then the re-import of the same file (everything unchanged).
 *   tiles   the components layer at z15 on the imported census: raw ST_AsMVT of the same layer (the anchor), then
 *           GET /tiles/components/15/x/y.mvt through the app, cold and warm (needs the part import first).
 *   geocode forward geocoding on --doorplates generated doorplates against a plain pg_trgm query on the same table
 *           (scripts/bench/census-geocode.ts): exact, partial, typo and missing-number queries at 1 and 8 in flight.
 *
 * Options: --rows N (1000000)  --grids N (10000)  --sample N (200)  --concurrency N (4)  --doorplates N (500000)
 *          --only LIST  --keep
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate, openDatabase, redact, type Database } from '../server/db/index.js';
import { CENSUS_CSV_COLUMNS, insertDepartments, writeCensusCsv } from './bench/census-file.js';
import { benchGeocode } from './bench/census-geocode.js';
import { benchTiles } from './bench/census-tiles.js';
import {
  admin,
  benchArgs,
  loadCity,
  logger,
  printTable,
  requireDatabaseUrl,
  secs,
  stopwatch,
  withDatabase,
} from './bench/harness.js';

// BENCH_DB lets two runs share a server (e.g. one part while another runs elsewhere).
const BENCH_DB = process.env.BENCH_DB ?? 'wangge_bench_census';
const PARTS = ['import', 'tiles', 'geocode'] as const;
type Part = (typeof PARTS)[number];
const USAGE =
  'usage: npm run bench:census -- [--rows N (1000000)] [--grids N (10000)] [--sample N (200)] ' +
  `[--concurrency N (4)] [--doorplates N (500000)] [--only ${PARTS.join(',')}] [--keep (keep the database and the CSV)]`;
const log = logger('bench:census');

const opts = benchArgs(
  'bench:census',
  USAGE,
  () =>
    parseArgs({
      options: {
        rows: { type: 'string', default: '1000000' },
        grids: { type: 'string', default: '10000' },
        sample: { type: 'string', default: '200' },
        concurrency: { type: 'string', default: '4' },
        doorplates: { type: 'string', default: '500000' },
        only: { type: 'string', default: 'import,tiles,geocode' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  ['rows', 'grids', 'sample', 'concurrency', 'doorplates'],
);
const parts = opts.only.split(',').map((p) => p.trim()) as Part[];
for (const p of parts)
  if (!PARTS.includes(p)) {
    console.error(`bench:census: --only: unknown part "${p}" (${PARTS.join(', ')})\n${USAGE}`);
    process.exit(2);
  }
if (parts.includes('tiles') && !parts.includes('import')) {
  console.error(`bench:census: the tiles part benches the census the import part loads: --only import,tiles\n${USAGE}`);
  process.exit(2);
}

interface ChildRun {
  code: number | null;
  wallMs: number;
  peakRssKb: number;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx script args` with `env`; samples its peak resident set (VmHWM) every 100 ms. */
function runChild(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '',
      peak = 0;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, wallMs: performance.now() - t, peakRssKb: peak, stdout, stderr });
    });
  });
}

/** The CLI's own figure: "FILE: N rows in S s (R rows/s; …)". */
function cliFigures(out: string): { rows: number; secs: number } {
  const m = /: (\d+) rows in ([\d.]+) s/.exec(out);
  if (!m) throw new Error(`the import printed no figures:\n${out}`);
  return { rows: Number(m[1]), secs: Number(m[2]) };
}

/** PostgreSQL's COPY of the CSV, every column text, into an unindexed table: rows/s. */
async function copyAnchor(url: string, file: string): Promise<{ rows: number; ms: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = CENSUS_CSV_COLUMNS.map((h) => `"${h}" text`).join(', ');
    await c.query(`drop table if exists bench_copy`);
    await c.query(`create table bench_copy (${cols})`);
    const t = performance.now();
    await pipeline(
      fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
      c.query(copyFrom(`COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)`)),
    );
    const ms = performance.now() - t;
    const n = (await c.query(`select count(*)::int as n from bench_copy`)).rows[0].n as number;
    await c.query(`drop table bench_copy`);
    return { rows: n, ms };
  } finally {
    await c.end();
  }
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const thousands = (v: number) => v.toLocaleString('en');

async function main(): Promise<void> {
  const url = requireDatabaseUrl(
    'bench:census',
    `It creates a database named ${BENCH_DB} on that server (dropped at the end unless --keep).`,
  );
  const clock = stopwatch();
  const benchUrl = withDatabase(url, BENCH_DB);
  await admin(url, [`drop database if exists ${BENCH_DB} with (force)`, `create database ${BENCH_DB}`]);
  log(`PostgreSQL ${redact(benchUrl)}`);
  const database: Database = await openDatabase({ databaseUrl: benchUrl, poolSize: 10 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-bench-census-'));
  const file = path.join(tmp, 'census.csv');
  const rows = Number(opts.rows);
  try {
    await migrate(database);
    const city = await loadCity(database, Number(opts.grids), 'bench:census', log);
    await insertDepartments(database);
    await sql`analyze`.execute(database.db);
    const versions = await sql<{ pg: string; gis: string }>`
      select current_setting('server_version') as pg, postgis_lib_version() as gis`.execute(database.db);
    const { pg: pgv, gis } = versions.rows[0];

    if (parts.includes('import')) {
      const t = Date.now();
      const made = await writeCensusCsv(database, file, rows, log);
      log(
        `${thousands(made.rows)} components, ${made.classes} classes over ${thousands(made.grids)} grids ` +
          `(${city.features.length} features): ${(made.bytes / 1e6).toFixed(1)} MB of CSV in ${secs(Date.now() - t)} s`,
      );
      log('anchor: COPY of the CSV');
      const anchor = await copyAnchor(benchUrl, file);
      const env = { ...process.env, DATABASE_URL: benchUrl };
      const script = path.join(import.meta.dirname, 'import-components.ts');
      const runs: { what: string; run: ChildRun; figures: { rows: number; secs: number } }[] = [];
      for (const what of ['import (empty census)', 're-import (unchanged)']) {
        log(`${what}: npm run import:components -- ${file}`);
        const run = await runChild(script, [file], env);
        if (run.code !== 0)
          throw new Error(`${what} exited with ${run.code}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
        process.stderr.write(run.stdout.split('\n').slice(0, 2).join('\n') + '\n');
        runs.push({ what, run, figures: cliFigures(run.stdout) });
      }
      const stored = await sql<{ n: number }>`select count(*)::int as n from component`.execute(database.db);
      if (stored.rows[0].n !== made.rows) throw new Error(`${stored.rows[0].n} components stored, not ${made.rows}`);
      const anchorRate = rate(anchor.rows, anchor.ms);
      console.log(
        `\n## Component import: ${thousands(made.rows)} rows, ${(made.bytes / 1e6).toFixed(1)} MB of CSV, ` +
          `${thousands(made.grids)} unit grids; PostgreSQL ${pgv} / PostGIS ${gis}\n`,
      );
      printTable(
        ['', 'duration s', 'rows/s', '× COPY', 'peak RSS MB'],
        [
          [
            'anchor: `COPY` of the CSV into an unindexed table (all text)',
            secs(anchor.ms),
            thousands(anchorRate),
            '1',
            '–',
          ],
          ...runs.map(({ what, run, figures }) => [
            `\`import:components\`, ${what}`,
            figures.secs.toFixed(1),
            thousands(rate(figures.rows, figures.secs * 1000)),
            (rate(figures.rows, figures.secs * 1000) / anchorRate).toFixed(2),
            (run.peakRssKb / 1024).toFixed(0),
          ]),
        ],
      );
      console.log(
        '\nimport = the CLI in a child process (node + tsx): rows/s from its own clock (file opened to published); ' +
          'peak RSS = VmHWM of the child, read every 100 ms.',
      );
      const first = runs[0].figures;
      const r = rate(first.rows, first.secs * 1000);
      console.log(
        `targets: ≥ 0.25× COPY (${(r / anchorRate).toFixed(2)}×) and ≥ 50,000 rows/s (${thousands(r)}): ` +
          (r / anchorRate >= 0.25 && r >= 50_000 ? 'met' : 'NOT met'),
      );
      for (const { what, run } of runs) process.stderr.write(`${what}: ${run.stdout.split('\n')[1] ?? ''}\n`);
      // Where the time goes: the import's own steps (reading overlaps the segment work; see README).
      for (const { what, run } of runs)
        console.log(`${what}: ${(run.stdout.split('\n').find((l) => l.startsWith('  timings:')) ?? '').trim()}`);
    }

    if (parts.includes('tiles'))
      await benchTiles(database, { sample: Number(opts.sample), concurrency: Number(opts.concurrency), log });

    if (parts.includes('geocode'))
      await benchGeocode(database, { doorplates: Number(opts.doorplates), sample: Number(opts.sample), log });
    console.log(`\n${clock.footer()}`);
  } finally {
    await database.close();
    if (opts.keep) log(`kept ${BENCH_DB} and ${file}`);
    else {
      fs.rmSync(tmp, { recursive: true, force: true });
      await admin(url, [`drop database if exists ${BENCH_DB} with (force)`]);
    }
  }
}

main().catch((e) => {
  console.error(`bench:census: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
