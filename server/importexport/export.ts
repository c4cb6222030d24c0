/** Whole-layer GeoJSON export, streamed page by page so a province-size layer never sits in memory. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export const EXPORT_LAYERS = ['districts', 'streets', 'communities', 'grids', 'all'] as const;
export type ExportLayer = (typeof EXPORT_LAYERS)[number];
const LEVEL: Record<Exclude<ExportLayer, 'all' | 'grids'>, string> = {
  districts: 'district',
  streets: 'street',
  communities: 'community',
};
const PAGE = 2000;

interface Row {
  code: string;
  name: string;
  level: string;
  area_m2: number;
  initial_date: string;
  geometry: string;
}

async function* regionRows(db: Kysely<DB>, level: string): AsyncGenerator<Row> {
  let after = '';
  for (;;) {
    const r = await sql<Row>`
      select code, name, level, area_m2, initial_date, ST_AsGeoJSON(geom, 7) as geometry from region
      where termination_date is null and level = ${level} and code > ${after} order by code limit ${PAGE}`.execute(db);
    yield* r.rows;
    if (r.rows.length < PAGE) return;
    after = r.rows[r.rows.length - 1].code;
  }
}

async function* gridRows(db: Kysely<DB>, prefix: string): AsyncGenerator<Row> {
  let after = '';
  for (;;) {
    const r = await sql<Row>`
      select code, name, 'grid' as level, area_m2, initial_date, ST_AsGeoJSON(geom, 7) as geometry from unit_grid
      where termination_date is null and code > ${after} and left(code, ${prefix.length}) = ${prefix}
      order by code limit ${PAGE}`.execute(db);
    yield* r.rows;
    if (r.rows.length < PAGE) return;
    after = r.rows[r.rows.length - 1].code;
  }
}

/** Yields the text of a FeatureCollection in chunks: `{"type":"FeatureCollection","features":[` … `]}`. */
export async function* exportGeoJson(db: Kysely<DB>, layer: ExportLayer, prefix = ''): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  const sources: AsyncGenerator<Row>[] = [];
  for (const l of ['districts', 'streets', 'communities'] as const) {
    if (layer === l || layer === 'all') sources.push(regionRows(db, LEVEL[l]));
  }
  if (layer === 'grids' || layer === 'all') sources.push(gridRows(db, prefix));
  let first = true;
  for (const src of sources) {
    for await (const r of src) {
      if (prefix && !r.code.startsWith(prefix) && !prefix.startsWith(r.code)) continue;
      const props = JSON.stringify({
        code: r.code,
        name: r.name,
        level: r.level,
        area_m2: Math.round(r.area_m2 * 10) / 10,
        initial_date: r.initial_date,
      });
      yield `${first ? '' : ',\n'}{"type":"Feature","id":"${r.code}","properties":${props},"geometry":${r.geometry}}`;
      first = false;
    }
  }
  yield '\n]}\n';
}
