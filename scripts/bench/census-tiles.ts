/**
 * bench:census, part tiles: the components layer at z15 on the imported census. The anchor is the ST_AsMVT query
 * Martin / pg_tileserv run for a table source, with the layer's properties; then GET /tiles/components/15/x/y.mvt
 * through the whole app, cold (empty tile cache) and warm (all cached), as bench:tiles does.
 */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { mulberry32 } from '../../server/demo/prng.js';
import { findLayer } from '../../server/tiles/layers.js';
import { BUFFER, EXTENT, tileOf } from '../../server/tiles/tilemath.js';
import { f1, httpRun, measure, printTable, startServer, type Run } from './harness.js';

type Tile = [z: number, x: number, y: number];
const Z = 15;

/** The layer's properties when the app has a components layer, else the issue's: code, class, major, status. */
function layerSql() {
  const layer = findLayer('components');
  if (layer)
    return {
      layer,
      props: sql.join(Object.entries(layer.properties).map(([k, p]) => sql`${p.sql} as ${sql.id(k)}`)),
      where: layer.where,
    };
  return {
    layer: undefined,
    props: sql`code, category_code as class, left(category_code, 2) as major, status`,
    where: sql`true`,
  };
}

async function rawStAsMvt(database: Database, [z, x, y]: Tile): Promise<number> {
  const { props, where } = layerSql();
  const r = await sql<{ mvt: Buffer | null }>`
    select ST_AsMVT(tile, 'components', ${sql.lit(EXTENT)}, 'geom') as mvt from (
      select ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int),
                          ${sql.lit(EXTENT)}, ${sql.lit(BUFFER)}, true) as geom, ${props}
      from component
      where (${where})
        and geom && ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => (${sql.lit(BUFFER)}.0 / ${sql.lit(EXTENT)})), 4326)
    ) as tile`.execute(database.tileDb);
  return r.rows[0]?.mvt?.length ?? 0;
}

/** Up to n z15 tiles holding components, in a seeded random order. */
async function sampleTiles(database: Database, n: number): Promise<{ tiles: Tile[]; all: number }> {
  const pts = await sql<{ lon: number; lat: number }>`
    select ST_X(geom) as lon, ST_Y(geom) as lat from component tablesample system (5) repeatable (15)`.execute(
    database.db,
  );
  const set = new Map<string, Tile>();
  for (const { lon, lat } of pts.rows) {
    const [x, y] = tileOf(lon, lat, Z);
    set.set(`${x}/${y}`, [Z, x, y]);
  }
  const all = [...set.values()].sort((a, b) => a[1] - b[1] || a[2] - b[2]);
  const rand = mulberry32(20261202);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return { tiles: all.slice(0, n), all: all.length };
}

const cell = (r: Run) => `${f1(r.perS)} (${f1(r.p50)}/${f1(r.p95)})`;
const kb = (b: number) => (b / 1024).toFixed(1);

export async function benchTiles(
  database: Database,
  opts: { sample: number; concurrency: number; log: (m: string) => void },
): Promise<void> {
  const { layer } = layerSql();
  const count = await sql<{ n: number }>`select count(*)::int as n from component`.execute(database.db);
  const { tiles, all } = await sampleTiles(database, opts.sample);
  opts.log(`tiles: ${tiles.length} of ~${all} z${Z} tiles holding components`);
  await measure(tiles, opts.concurrency, (t) => rawStAsMvt(database, t)); // warm PostgreSQL's buffers, untimed
  const raw = await measure(tiles, opts.concurrency, (t) => rawStAsMvt(database, t));
  let cold: Run | undefined, warm: Run | undefined;
  if (layer) {
    const server = await startServer(database, { tileCacheBytes: 2 * 1024 ** 3, tileEncoder: undefined });
    try {
      const run = () =>
        httpRun(
          server.url,
          tiles.map(([z, x, y]) => ({ path: `/tiles/components/${z}/${x}/${y}.mvt` })),
          { concurrency: opts.concurrency, ok: [200, 204], headers: { 'accept-encoding': 'identity' } },
        );
      cold = await run();
      warm = await run();
    } finally {
      await server.close();
    }
  }
  console.log(
    `\n## Components tile z${Z} on ${count.rows[0].n.toLocaleString('en')} components, ${opts.concurrency} concurrent ` +
      'requests; cells: tiles/s (p50/p95 ms); ratios are of tiles/s\n',
  );
  printTable(
    ['layer', 'z', 'tiles', 'raw ST_AsMVT', 'HTTP cold', 'HTTP warm', 'cold/raw', 'warm/raw', 'max KB', 'raw max KB'],
    [
      [
        'components',
        String(Z),
        String(tiles.length),
        cell(raw),
        cold ? cell(cold) : '–',
        warm ? cell(warm) : '–',
        cold ? `${(cold.perS / raw.perS).toFixed(2)}×` : '–',
        warm ? `${(warm.perS / raw.perS).toFixed(1)}×` : '–',
        cold ? kb(cold.maxBytes) : '–',
        kb(raw.maxBytes),
      ],
    ],
  );
  if (!layer)
    console.log(
      '\nThis build has no components tile layer: only the raw ST_AsMVT of the component points (code, class, ' +
        'major, status) is measured.',
    );
}
