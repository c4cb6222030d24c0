/** Loads the generated demo city through the ordinary import path when the database has no unit grids. */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/open.js';
import { importRegions, type ImportSummary } from '../importexport/import.js';

export async function isEmpty(database: Database): Promise<boolean> {
  const r = await sql<{ n: number }>`select count(*)::int as n from (select 1 from unit_grid limit 1) x`.execute(database.db);
  return r.rows[0].n === 0;
}

export async function loadDemoCity(database: Database, opts: { seed?: number; targetGrids?: number; log?: Logger } = {}): Promise<ImportSummary> {
  const { generateCity } = await import('../../scripts/demo-city/generate.js');
  const city = generateCity({ seed: opts.seed, targetGrids: opts.targetGrids });
  const fc = { type: 'FeatureCollection', features: city.features };
  let lastPct = -1;
  return importRegions(database, fc, {
    actor: { id: null, name: 'demo-city' },
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 10) * 10;
      if (total > 20_000 && pct !== lastPct) { lastPct = pct; opts.log?.info(`demo city: staged ${done}/${total}`); }
    },
  });
}
