/** SQL the tiles capability owns besides the encoders: the data extent of a layer (TileJSON bounds). */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { TileLayer } from './layers.js';
import type { Bbox } from './tilemath.js';

/** Lon/lat extent of the layer's shown rows (or of its declared `extent` source), or null when it has none. */
export async function layerExtent(db: Kysely<DB>, layer: TileLayer): Promise<Bbox | null> {
  const { table, geom, where } = layer.extent ?? layer;
  const r = await sql<{ w: number | null; s: number | null; e: number | null; n: number | null }>`
    select ST_XMin(b) as w, ST_YMin(b) as s, ST_XMax(b) as e, ST_YMax(b) as n
    from (select ST_Extent(${sql.ref(geom)})::box3d as b from ${sql.table(table)} where ${where}) q`.execute(db);
  const row = r.rows[0];
  if (!row || row.w == null || row.s == null || row.e == null || row.n == null) return null;
  return [row.w, row.s, row.e, row.n];
}
