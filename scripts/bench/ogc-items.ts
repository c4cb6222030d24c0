/**
 * bench:edit, part OGC API: pages of 1,000 live unit grids, `GET /ogc/collections/grids/items?limit=1000&after=…`
 * through the whole app (HTTP client in a worker thread, as bench:tiles does), against the anchor: the raw
 * `ST_AsGeoJSON` query of the same 1,000 rows (code, name and geometry, keyset by code) on a pg pool. Both run on an
 * existing database with a city in it (~100k grids for the issue's figure); prints a Markdown table with the ratio.
 */
import pg from 'pg';
import { openDatabase } from '../../server/db/index.js';
import { mulberry32 } from '../../server/demo/prng.js';
import { f1, f2, httpRun, measure, printTable, startServer, type Run } from './harness.js';

const PAGE = 1000;

export interface OgcItemsResult {
  grids: number;
  pages: number;
  app: Run;
  raw: Run;
  /** App requests/s over raw queries/s (1 = as fast as the bare query). */
  ratio: number;
}

/**
 * @param databaseUrl a database with the schema and a city (unit grids) in it
 * @param pages pages requested per run (default 50), picked at random (seeded) among all pages of the grids
 */
export async function benchOgcItems(opts: {
  databaseUrl: string;
  pages?: number;
  concurrency?: number;
}): Promise<OgcItemsResult> {
  const nPages = opts.pages ?? 50;
  const concurrency = opts.concurrency ?? 1;
  const database = await openDatabase({ databaseUrl: opts.databaseUrl, poolSize: concurrency + 4 });
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: concurrency });
  const server = await startServer(database);
  try {
    // The first code of every page: what a client walking the next links would have as its `after`.
    const starts = (
      await pool.query<{ code: string; version: number }>(
        `select code, version from (
           select code, version, row_number() over (order by code, version) - 1 as i
           from unit_grid where termination_date is null) s
         where i % ${PAGE} = 0 order by code`,
      )
    ).rows;
    const grids = Number(
      (await pool.query<{ n: string }>('select count(*) as n from unit_grid where termination_date is null')).rows[0].n,
    );
    // Page k starts after the last row of page k - 1: the row just before starts[k] (page 0 has no cursor).
    const before = await Promise.all(
      starts.map(async (s, k) =>
        k === 0
          ? null
          : (
              await pool.query<{ code: string; version: number }>(
                `select code, version from unit_grid where termination_date is null
                 and (code, version) < ($1, $2) order by code desc, version desc limit 1`,
                [s.code, s.version],
              )
            ).rows[0],
      ),
    );
    const rand = mulberry32(20261203);
    const picks = Array.from({ length: nPages }, () => Math.floor(rand() * starts.length));
    const requests = picks.map((k) => ({
      path: `/ogc/collections/grids/items?limit=${PAGE}${before[k] ? `&after=${before[k]!.code}-v${before[k]!.version}` : ''}`,
    }));
    // Warm both paths (plans, caches), then measure.
    await httpRun(server.url, requests.slice(0, 3), { concurrency: 1, ok: [200] });
    const app = await httpRun(server.url, requests, { concurrency, ok: [200] });
    const rawQuery = (k: number) =>
      pool.query(
        `select code, name, ST_AsGeoJSON(geom, 7) as geometry from unit_grid
         where termination_date is null and code > $1 order by code limit ${PAGE}`,
        [before[k]?.code ?? ''],
      );
    await measure(picks.slice(0, 3), 1, rawQuery);
    const raw = await measure(picks, concurrency, async (k) => {
      const r = await rawQuery(k);
      return r.rows.reduce((n, row: { geometry: string }) => n + row.geometry.length, 0);
    });
    return { grids, pages: nPages, app, raw, ratio: app.perS / raw.perS };
  } finally {
    await server.close();
    await pool.end();
    await database.close();
  }
}

/** The Markdown table of one or more results. */
export function printOgcItems(results: OgcItemsResult[], concurrency: number[]): void {
  printTable(
    [
      'OGC items page (1,000 grids)',
      'grids',
      'in flight',
      'app req/s',
      'app p50 ms',
      'app p99 ms',
      'page bytes',
      'raw ST_AsGeoJSON q/s',
      'raw p50 ms',
      'app / raw',
    ],
    results.map((r, i) => [
      `GET /ogc/collections/grids/items?limit=1000 (${r.pages} pages)`,
      r.grids.toLocaleString('en-US'),
      String(concurrency[i] ?? 1),
      f1(r.app.perS),
      f1(r.app.p50),
      f1(r.app.p99),
      r.app.maxBytes.toLocaleString('en-US'),
      f1(r.raw.perS),
      f1(r.raw.p50),
      `${f2(r.ratio)}×`,
    ]),
  );
}
