/**
 * Loads the generated demo city through the ordinary import path when the database has no unit grids, then (by
 * default) its dispatch data: departments, rules, collectors and a year of cases replayed through the real intake
 * and workflow code (server/demo/dispatch.ts).
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/open.js';
import { importRegions, type ImportSummary } from '../importexport/import.js';
import { loadDemoDispatch, type DemoDispatchOptions, type DemoDispatchSummary } from './dispatch.js';

export async function isEmpty(database: Database): Promise<boolean> {
  const r = await sql<{ n: number }>`select count(*)::int as n from (select 1 from unit_grid limit 1) x`.execute(
    database.db,
  );
  return r.rows[0].n === 0;
}

export interface DemoLoadOptions {
  seed?: number;
  targetGrids?: number;
  log?: Logger;
  /**
   * The demo dispatch data after the grids: true (default) with the parameters of data/demo-dispatch.json, an
   * options object (e.g. { cases: 300 }), or false for the regions and grids only.
   */
  dispatch?: boolean | DemoDispatchOptions;
}

export async function loadDemoCity(
  database: Database,
  opts: DemoLoadOptions = {},
): Promise<ImportSummary & { dispatch?: DemoDispatchSummary }> {
  const { generateCity } = await import('./city/generate.js');
  const city = generateCity({ seed: opts.seed, targetGrids: opts.targetGrids });
  const fc = { type: 'FeatureCollection', features: city.features };
  let lastPct = -1;
  const summary = await importRegions(database, fc, {
    actor: { id: null, name: 'demo-city' },
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 10) * 10;
      if (total > 20_000 && pct !== lastPct) {
        lastPct = pct;
        opts.log?.info(`demo city: staged ${done}/${total}`);
      }
    },
  });
  if (opts.dispatch === false) return summary;
  const dispatch = await loadDemoDispatch(database, {
    log: opts.log,
    roads: city.roads,
    ...(typeof opts.dispatch === 'object' ? opts.dispatch : {}),
  });
  return { ...summary, dispatch };
}
