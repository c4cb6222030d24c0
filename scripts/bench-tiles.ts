/**
 * npm run bench:tiles — vector tiles on a 100k-grid city in PostgreSQL + PostGIS (needs DATABASE_URL).
 *
 * 1. Loads the generated city (generateCity({ targetGrids })) into a database of its own, `wangge_bench` on the
 *    DATABASE_URL server, unless it already holds a city of that size, and a synthetic census of about
 *    --components points spread over its grids (scripts/bench/components.ts) for the census layers.
 * 2. For each (layer, zoom) picks a deterministic sample of tiles that hold data (tiles of grid centroids,
 *    seeded shuffle), then measures, in the same run and on the same connection pool settings:
 *      raw      the ST_AsMVT query Martin / pg_tileserv run for a table source (the anchor)
 *      cold     GET /tiles/… through the whole Koa app with an empty tile cache (ST_AsMVT encoder)
 *      warm     the same requests again (all from the tile cache)
 *      js cold  the app with TILE_ENCODER=geojson-vt (the encoder PGlite uses), on a smaller sample
 *    and prints tiles/s, p50/p95 latency, the ratios to raw, and the largest tile per zoom.
 * 3. Sweeps every tile of each layer at its minzoom (the heaviest tiles) and checks none exceeds 500 KB.
 *
 * Options: --grids N (100000)  --components N (1000000)  --sample N (200)  --js-sample N (50, 0 skips)
 *          --concurrency N (4)  --reload
 * The HTTP client runs in a worker thread of the same process (so it shares the machine's CPUs with the server and
 * PostgreSQL); the load average is printed, as other work on the machine skews the figures.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { migrate, openDatabase, redact, type Database } from '../server/db/index.js';
import { mulberry32 } from '../server/demo/prng.js';
import { ENCODERS } from '../server/tiles/encode.js';
import { findLayer, layerSource, type TileLayer } from '../server/tiles/layers.js';
import { BUFFER, EXTENT, tileOf, tilesCovering, type Bbox } from '../server/tiles/tilemath.js';
import {
  admin,
  benchArgs,
  f1,
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
import { ensureComponents } from './bench/components.js';

const BENCH_DB = 'wangge_bench';
const USAGE =
  'usage: npm run bench:tiles -- [--grids N (100000)] [--components N (1000000)] [--sample N (200)] ' +
  '[--js-sample N (50, 0 skips)] ' +
  '[--concurrency N (4)] [--reload]';
const PLAN: [layer: string, z: number][] = [
  ['grids', 13],
  ['grids', 14],
  ['grids', 16],
  ['communities', 12],
  ['communities', 14],
  ['communities', 16],
  ['streets', 12],
  ['streets', 14],
  ['streets', 16],
  ['component_counts', 13],
  ['component_counts', 14],
  ['components', 15],
  ['components', 17],
];
const MAX_TILE_BYTES = 500 * 1024;

type Tile = [z: number, x: number, y: number];

const log = logger('bench-tiles');

async function liveGridCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch {
    return -1; // no such database
  }
  try {
    const r = await c.query(`select count(*)::int as n from unit_grid where termination_date is null`);
    return r.rows[0].n as number;
  } catch {
    return 0; // not migrated
  } finally {
    await c.end();
  }
}

/** The bench database with a city of about `target` grids (reused when it already has one). */
async function prepare(url: string, target: number, reload: boolean): Promise<Database> {
  const benchUrl = withDatabase(url, BENCH_DB);
  const n = await liveGridCount(benchUrl);
  const fits = n >= target * 0.85 && n <= target * 1.15;
  if (reload || (n !== -1 && !fits)) {
    log(n > 0 ? `${BENCH_DB} holds ${n} grids, not ~${target}: recreating it` : `recreating ${BENCH_DB}`);
    await admin(url, [`drop database if exists ${BENCH_DB} with (force)`]);
  }
  if (reload || n === -1 || !fits) await admin(url, [`create database ${BENCH_DB}`]);
  const database = await openDatabase({ databaseUrl: benchUrl, poolSize: 10 });
  await migrate(database);
  if (!reload && fits) {
    log(`${BENCH_DB} already holds ${n} live grids: skipping the load (--reload to rebuild)`);
    return database;
  }
  const t0 = Date.now();
  const city = await loadCity(database, target, 'bench-tiles', log);
  await sql`analyze`.execute(database.db);
  log(`imported ${city.features.length} features in ${secs(Date.now() - t0)} s`);
  return database;
}

/** Up to `n` tiles at zoom z that contain a grid centroid, in a seeded random order. */
function sampleTiles(points: [number, number][], z: number, n: number): Tile[] {
  const set = new Map<string, Tile>();
  for (const [lon, lat] of points) {
    const [x, y] = tileOf(lon, lat, z);
    set.set(`${x}/${y}`, [z, x, y]);
  }
  const all = [...set.values()].sort((a, b) => a[1] - b[1] || a[2] - b[2]);
  const rand = mulberry32(20240601 + z);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, n);
}

/**
 * The SQL Martin runs for a 4326 table source (no generalisation, no feature id), with our layer's columns; for an
 * aggregate layer, over the same aggregate (Martin would serve it as a function source).
 */
async function rawStAsMvt(database: Database, layer: TileLayer, [z, x, y]: Tile): Promise<number> {
  const props = sql.join(Object.entries(layer.properties).map(([k, p]) => sql`${p.sql} as ${sql.id(k)}`));
  const env = sql`ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => (${sql.lit(BUFFER)}.0 / ${sql.lit(EXTENT)})), 4326)`;
  const r = await sql<{ mvt: Buffer | null }>`
    select ST_AsMVT(tile, ${layer.id}::text, ${sql.lit(EXTENT)}, 'geom') as mvt from (
      select ST_AsMVTGeom(ST_Transform(${sql.ref(layer.geom)}, 3857), ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int),
                          ${sql.lit(EXTENT)}, ${sql.lit(BUFFER)}, true) as geom, ${props}
      from ${layerSource(layer, env)}
      where (${layer.where}) and ${sql.ref(layer.geom)} && ${env}
    ) as tile`.execute(database.tileDb);
  return r.rows[0]?.mvt?.length ?? 0;
}

const tileRun = (base: string, layer: string, tiles: Tile[], concurrency: number): Promise<Run> =>
  httpRun(
    base,
    tiles.map(([z, x, y]) => ({ path: `/tiles/${layer}/${z}/${x}/${y}.mvt` })),
    { concurrency, ok: [200, 204], headers: { 'accept-encoding': 'identity' } },
  );

const kb = (b: number) => `${(b / 1024).toFixed(1)}`;

async function main(): Promise<void> {
  const opts = benchArgs(
    'bench-tiles',
    USAGE,
    () =>
      parseArgs({
        options: {
          grids: { type: 'string', default: '100000' },
          components: { type: 'string', default: '1000000' },
          sample: { type: 'string', default: '200' },
          'js-sample': { type: 'string', default: '50' },
          concurrency: { type: 'string', default: '4' },
          reload: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    ['grids', 'components', 'sample', 'concurrency'],
  );
  if (!/^\d+$/.test(opts['js-sample'])) {
    console.error(`bench-tiles: --js-sample must be an integer ≥ 0, got "${opts['js-sample']}"\n${USAGE}`);
    process.exit(2);
  }
  const url = requireDatabaseUrl(
    'bench:tiles',
    `It creates (or reuses) a database named ${BENCH_DB} on that server; the embedded PGlite has no ST_AsMVT to compare with.`,
  );
  const target = Number(opts.grids),
    sampleN = Number(opts.sample),
    jsN = Number(opts['js-sample']);
  const concurrency = Number(opts.concurrency);
  const clock = stopwatch();
  log(`server ${redact(url)}, database ${BENCH_DB}`);
  const database = await prepare(url, target, opts.reload);
  const components = await ensureComponents(database, Number(opts.components), log);
  let main: Server | undefined, js: Server | undefined;
  try {
    const pts = await sql<{ lon: number; lat: number }>`
      select ST_X(p) as lon, ST_Y(p) as lat
      from (select ST_PointOnSurface(geom) as p from unit_grid where termination_date is null) q`.execute(database.db);
    const points = pts.rows.map((r) => [r.lon, r.lat] as [number, number]);
    const versions = await sql<{ v: string }>`select postgis_lib_version() as v`.execute(database.db);
    const pgv = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db);
    log(`${points.length} live grids; PostgreSQL ${pgv.rows[0].v}, PostGIS ${versions.rows[0].v}`);

    const tileCacheBytes = 2 * 1024 ** 3;
    main = await startServer(database, { tileCacheBytes, tileEncoder: undefined });
    js = jsN > 0 ? await startServer(database, { tileCacheBytes, tileEncoder: 'geojson-vt' }) : undefined;
    // The app's floor: a tile request answered without the database (below minzoom → 204), many times.
    const floor = await tileRun(
      main.url,
      'grids',
      Array.from({ length: 2000 }, (): Tile => [0, 0, 0]),
      concurrency,
    );
    const rows: string[][] = [];
    for (const [layerId, z] of PLAN) {
      const layer = findLayer(layerId)!;
      const tiles = sampleTiles(points, z, sampleN);
      log(`${layerId} z${z}: ${tiles.length} tiles`);
      await measure(tiles, concurrency, (t) => rawStAsMvt(database, layer, t)); // warm PostgreSQL's buffers, untimed
      const raw = await measure(tiles, concurrency, (t) => rawStAsMvt(database, layer, t));
      const cold = await tileRun(main.url, layerId, tiles, concurrency);
      const warm = await tileRun(main.url, layerId, tiles, concurrency);
      const jsRun = js ? await tileRun(js.url, layerId, tiles.slice(0, jsN), concurrency) : undefined;
      rows.push([
        layerId,
        String(z),
        String(tiles.length),
        `${f1(raw.perS)} (${f1(raw.p50)}/${f1(raw.p95)})`,
        `${f1(cold.perS)} (${f1(cold.p50)}/${f1(cold.p95)})`,
        `${f1(warm.perS)} (${f1(warm.p50)}/${f1(warm.p95)})`,
        jsRun ? `${f1(jsRun.perS)} (${f1(jsRun.p50)}/${f1(jsRun.p95)})` : '–',
        `${(cold.perS / raw.perS).toFixed(2)}×`,
        `${(warm.perS / raw.perS).toFixed(1)}×`,
        jsRun ? `${(jsRun.perS / raw.perS).toFixed(2)}×` : '–',
        kb(cold.maxBytes),
        kb(raw.maxBytes),
      ]);
    }

    // Every tile at each layer's minzoom, through the server's encoder: the worst case for the 500 KB rule.
    const extent = await sql<{ w: number; s: number; e: number; n: number }>`
      select ST_XMin(b) as w, ST_YMin(b) as s, ST_XMax(b) as e, ST_YMax(b) as n
      from (select ST_Extent(geom)::box3d as b from unit_grid where termination_date is null) q`.execute(database.db);
    const bbox: Bbox = [extent.rows[0].w, extent.rows[0].s, extent.rows[0].e, extent.rows[0].n];
    const sweep: string[] = [];
    let over = 0;
    for (const id of ['grids', 'communities', 'streets', 'component_counts', 'components']) {
      const layer = findLayer(id)!;
      let max = 0,
        maxAt = '',
        total = 0,
        nonEmpty = 0;
      const all = tilesCovering(bbox, layer.minzoom);
      for (const t of all) {
        const b = (await ENCODERS.st_asmvt(database.tileDb, layer, ...t)).length;
        if (b) {
          nonEmpty++;
          total += b;
        }
        if (b > max) {
          max = b;
          maxAt = t.join('/');
        }
      }
      if (max > MAX_TILE_BYTES) over++;
      sweep.push(
        `  ${id} z${layer.minzoom}: ${all.length} tiles (${nonEmpty} with data), largest ${kb(max)} KB at ${maxAt}, mean ${kb(nonEmpty ? total / nonEmpty : 0)} KB`,
      );
    }

    const head = [
      'layer',
      'z',
      'tiles',
      'raw ST_AsMVT',
      'HTTP cold',
      'HTTP warm',
      `HTTP cold geojson-vt (${jsN})`,
      'cold/raw',
      'warm/raw',
      'js/raw',
      'max KB',
      'raw max KB',
    ];
    console.log(
      `\nTiles on ${points.length} grids and ${components} components, PostgreSQL ${pgv.rows[0].v} / PostGIS ${versions.rows[0].v}, ` +
        `${concurrency} concurrent requests; cells: tiles/s (p50/p95 ms); ratios are of tiles/s\n`,
    );
    printTable(head, rows);
    console.log(
      '\nraw = the ST_AsMVT query Martin / pg_tileserv run (no generalisation); HTTP = GET /tiles/… through the app,' +
        ' identity encoding; cold = empty tile cache; warm = every tile cached; max KB = largest tile the server sent.',
    );
    console.log(
      `HTTP floor of this machine: GET /tiles/grids/0/0/0.mvt (204 below minzoom, no database): ` +
        `${f1(floor.perS)} req/s (p50 ${floor.p50.toFixed(2)} / p95 ${floor.p95.toFixed(2)} ms).`,
    );
    console.log(
      `\nLargest tiles at each layer's minzoom (every tile over the city, server encoder; limit ${MAX_TILE_BYTES / 1024} KB):`,
    );
    console.log(sweep.join('\n'));
    console.log(`\n${clock.footer()}`);
    if (over) {
      console.error(`bench-tiles: ${over} layer(s) have a tile above ${MAX_TILE_BYTES / 1024} KB`);
      process.exitCode = 1;
    }
  } finally {
    await main?.close();
    await js?.close();
    await database.close();
  }
}

main().catch((e) => {
  console.error(`bench-tiles: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
