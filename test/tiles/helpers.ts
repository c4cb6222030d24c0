/** Decoding tiles and asking PostGIS which features a tile must / may hold. */
import { VectorTile } from '@mapbox/vector-tile';
import { sql, type Kysely } from 'kysely';
import { PbfReader } from 'pbf';
import type { DB } from '../../server/db/schema.js';

export interface DecodedFeature {
  id: number | undefined;
  type: number;
  properties: Record<string, string | number | boolean>;
  /** lon/lat bbox of the decoded geometry. */
  bbox: [number, number, number, number];
}
export interface DecodedLayer {
  version: number;
  extent: number;
  features: DecodedFeature[];
}

export function decode(bytes: Uint8Array, z: number, x: number, y: number): Record<string, DecodedLayer> {
  const tile = new VectorTile(new PbfReader(bytes));
  const out: Record<string, DecodedLayer> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const features: DecodedFeature[] = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      const gj = f.toGeoJSON(x, y, z);
      const coords: number[][] = [];
      const walk = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === 'number') coords.push(c as number[]);
        else if (Array.isArray(c)) c.forEach(walk);
      };
      walk((gj.geometry as { coordinates: unknown }).coordinates);
      const xs = coords.map((c) => c[0]),
        ys = coords.map((c) => c[1]);
      features.push({
        id: f.id,
        type: f.type,
        properties: f.properties,
        bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      });
    }
    out[name] = { version: layer.version, extent: layer.extent, features };
  }
  return out;
}

export function codesOf(bytes: Uint8Array, layer: string, z: number, x: number, y: number): string[] {
  if (bytes.length === 0) return [];
  const l = decode(bytes, z, x, y)[layer];
  return l ? l.features.map((f) => String(f.properties.code)).sort() : [];
}

/** The rows a layer shows, written independently of the server's registry. */
export const SOURCES: Record<string, string> = {
  grids: `select code::text as code, geom from unit_grid where termination_date is null`,
  communities: `select code, geom from region where level = 'community' and termination_date is null`,
  streets: `select code, geom from region where level = 'street' and termination_date is null`,
  components: `select code, geom from component where geom is not null`,
};

/**
 * must: codes whose interior meets the tile's interior (ST_Relate 'T********' with the tile envelope in 4326);
 * may: codes that intersect the envelope grown by the 64/4096 buffer.
 */
export async function expectedCodes(
  db: Kysely<DB>,
  layer: string,
  z: number,
  x: number,
  y: number,
): Promise<{ must: string[]; may: string[] }> {
  const r = await sql<{ code: string; must: boolean; may: boolean }>`
    with env as (
      select ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int), 4326) as e,
             ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => 64.0 / 4096), 4326) as b)
    select s.code, ST_Relate(s.geom, env.e, 'T********') as must, ST_Intersects(s.geom, env.b) as may
    from (${sql.raw(SOURCES[layer])}) s, env
    where ST_Intersects(s.geom, env.b)
    order by s.code`.execute(db);
  return { must: r.rows.filter((x) => x.must).map((x) => x.code), may: r.rows.filter((x) => x.may).map((x) => x.code) };
}
