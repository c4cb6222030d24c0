/**
 * A quick measurement of the case exchange on PostgreSQL (needs DATABASE_URL): a generated city of --grids grids
 * with the demo responsibility library, --cases cases at random points of it with their histories (most worked to
 * closure, some dispatched, some only reported) written to an NDJSON file, then timed:
 *   import     npm run import:cases's importCases() over the file into the empty database (cases/s)
 *   re-import  the same file again (every case compared with its stored export, all unchanged)
 *   export     GET /api/exchange/cases's exportLines() over every case
 * Usage: npx tsx scripts/bench/exchange-rate.ts [--grids 20000] [--cases 200000] [--keep]
 * A scratch database wangge_bench_exchange is created (dropped at the end unless --keep, which keeps the file too).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { migrate, openDatabase, redact } from '../../server/db/index.js';
import { loadDemoLibrary } from '../../server/demo/dispatch.js';
import { mulberry32 } from '../../server/demo/prng.js';
import { importCases } from '../../server/exchange/import.js';
import { exportLines } from '../../server/exchange/export.js';
import { chinaTime } from '../../server/exchange/format.js';
import { admin, benchArgs, cpuMeter, loadCity, logger, requireDatabaseUrl, secs, withDatabase } from './harness.js';

const BENCH_DB = 'wangge_bench_exchange';
const USAGE = 'usage: npx tsx scripts/bench/exchange-rate.ts [--grids N (20000)] [--cases N (200000)] [--keep]';
const CATEGORIES = ['matter:06010', 'matter:09006', 'matter:07001', 'matter:06036', 'component:01003'];
const log = logger('exchange-rate');

const MIN = 60_000;

async function main(): Promise<void> {
  const opts = benchArgs(
    'exchange-rate',
    USAGE,
    () =>
      parseArgs({
        options: {
          grids: { type: 'string', default: '20000' },
          cases: { type: 'string', default: '200000' },
          keep: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    ['grids', 'cases'],
  );
  const url = requireDatabaseUrl('exchange-rate', `It creates a scratch database ${BENCH_DB} on that server.`);
  const n = Number(opts.cases);
  log(`server ${redact(url)}, scratch database ${BENCH_DB}`);
  await admin(url, [`drop database if exists ${BENCH_DB} with (force)`, `create database ${BENCH_DB}`]);
  const database = await openDatabase({
    databaseUrl: withDatabase(url, BENCH_DB),
    timeouts: { statementMs: 0, queryMs: 0 },
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-exchange-')), 'cases.ndjson');
  try {
    await migrate(database);
    const city = await loadCity(database, Number(opts.grids), 'exchange-rate', log);
    await loadDemoLibrary(database, { collectorAreas: Math.round(city.stats.grids / 100) });
    await sql`vacuum analyze`.execute(database.db);
    const per = Math.ceil(n / city.stats.grids);
    const points = (
      await sql<{ lon: number; lat: number }>`
        select ST_X(p) as lon, ST_Y(p) as lat from (
          select (ST_Dump(ST_GeneratePoints(geom, ${per}, id::int))).geom as p
          from unit_grid where termination_date is null) q order by md5(ST_AsText(p)) limit ${n}`.execute(database.db)
    ).rows;
    const departments = (await sql<{ code: string }>`select code from department order by code`.execute(database.db))
      .rows;
    const collectors = (await sql<{ code: string }>`select code from collector order by code`.execute(database.db))
      .rows;
    const rnd = mulberry32(7);
    const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
    const start = new Date('2025-01-01T08:00:00+08:00').getTime();
    const out = fs.createWriteStream(file);
    let events = 0;
    for (const [i, p] of points.entries()) {
      const t = start + Math.floor((i / n) * 360 * 24 * 60) * MIN;
      const at = (m: number) => chinaTime(new Date(t + m * MIN));
      const fate = rnd();
      const list: Record<string, unknown>[] = [{ action: 'accept', at: at(5), actor: '受理员' }];
      if (fate > 0.1) {
        list.push({ action: 'file', at: at(10), actor: '值班长' });
        list.push({ action: 'dispatch', at: at(15), actor: '派遣员', department_code: pick(departments).code });
      }
      if (fate > 0.2)
        list.push(
          { action: 'dispose', at: at(120), note: '已处置' },
          { action: 'check', at: at(180), actor: pick(collectors)?.code },
          { action: 'close', at: at(190), actor: '值班长' },
        );
      events += list.length;
      const line = {
        case_no: `BX${String(i + 1).padStart(8, '0')}`,
        channel: 'collector',
        category: pick(CATEGORIES),
        condition: null,
        description: '巡查发现的问题',
        location: { lon: Math.round(p.lon * 1e7) / 1e7, lat: Math.round(p.lat * 1e7) / 1e7, crs: 'wgs84' },
        address: '',
        reported_at: at(0),
        collector_code: pick(collectors)?.code ?? null,
        events: list,
      };
      if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const size = fs.statSync(file).size;
    log(`${points.length} cases, ${events} events, ${(size / 1e6).toFixed(1)} MB in ${file}`);
    const actor = { id: null, name: 'bench' };
    const read = () => fs.createReadStream(file, { highWaterMark: 1 << 20 });
    const load = () => os.loadavg()[0].toFixed(1);
    log(`load average before the import: ${load()} (${os.cpus().length} CPUs)`);
    let cpu = cpuMeter(BENCH_DB);
    let t0 = Date.now();
    const s = await importCases(database, read(), { actor });
    const imp = Date.now() - t0;
    const used = cpu();
    log(
      `import: ${s.inserted} inserted in ${secs(imp)} s = ${Math.round(s.cases / (imp / 1000))} cases/s (load average ${load()}); ` +
        `CPU: Node ${used.node.toFixed(1)} s, PostgreSQL ${used.pg.toFixed(1)} s = ${Math.round(((used.node + used.pg) / s.cases) * 1e6)} µs a case`,
    );
    log(
      `  checked and staged ${secs(s.timings.read_ms)} s, published ${secs(s.timings.publish_ms)} s (${JSON.stringify(s.timings.steps)})`,
    );
    cpu = cpuMeter(BENCH_DB);
    t0 = Date.now();
    const again = await importCases(database, read(), { actor });
    const re = Date.now() - t0;
    const reUsed = cpu();
    log(
      `re-import: ${again.unchanged} unchanged in ${secs(re)} s = ${Math.round(again.cases / (re / 1000))} cases/s; ` +
        `CPU: Node ${reUsed.node.toFixed(1)} s, PostgreSQL ${reUsed.pg.toFixed(1)} s`,
    );
    t0 = Date.now();
    let bytes = 0;
    for await (const chunk of exportLines(database.db, { scope: '' })) bytes += Buffer.byteLength(chunk);
    const ex = Date.now() - t0;
    log(`export: ${(bytes / 1e6).toFixed(1)} MB in ${secs(ex)} s = ${Math.round(points.length / (ex / 1000))} cases/s`);
  } finally {
    await database.close();
    if (!opts.keep) fs.rmSync(path.dirname(file), { recursive: true, force: true });
    if (!opts.keep) await admin(url, [`drop database if exists ${BENCH_DB} with (force)`]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
