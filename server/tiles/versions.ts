/** Tile-layer versions: a write to a layer bumps its version, so cached tiles and TileJSON URLs change at once. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export async function bumpLayerVersions(db: Kysely<DB>, layers: string[]): Promise<void> {
  if (layers.length === 0) return;
  await sql`
    insert into tile_layer_version (layer) select l from unnest(${layers}::text[]) as l
    on conflict (layer) do update set version = tile_layer_version.version + 1, updated_at = now()`.execute(db);
}

export async function layerVersions(db: Kysely<DB>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('tile_layer_version').select(['layer', 'version']).execute();
  return new Map(rows.map((r) => [r.layer, r.version]));
}
