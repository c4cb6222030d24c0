/**
 * Tile-layer versions: a write to a layer bumps its version (the write path, server/db/write.ts), so cached tiles and
 * TileJSON URLs change at once.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export async function layerVersions(db: Kysely<DB>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('tile_layer_version').select(['layer', 'version']).execute();
  return new Map(rows.map((r) => [r.layer, r.version]));
}
