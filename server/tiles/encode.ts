/**
 * The two tile encoders. Both read the same rows (a layer's live features whose bbox meets the tile envelope
 * grown by the buffer, through the GIST index on the 4326 geometry) and return the encoded tile, or an empty
 * buffer when the tile has no features.
 *
 * - `st_asmvt` (PostgreSQL): ST_AsMVT + ST_AsMVTGeom in the database — the query Martin / pg_tileserv run, plus
 *   per-zoom ST_Simplify for generalisation.
 * - `geojson-vt` (PGlite, whose PostGIS lacks protobuf-c; or TILE_ENCODER=geojson-vt): PostGIS returns the
 *   features pre-clipped to a slightly larger box as GeoJSON; geojson-vt projects, simplifies and clips them into
 *   one tile and vt-pbf writes it.
 */
import GeoJSONVT, { type LegacyTile } from 'geojson-vt';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import vtpbf from 'vt-pbf';
import type { Driver } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { layerSource, type TileLayer } from './layers.js';
import { BUFFER, EXTENT, tileBbox, tileSizeM, type Bbox } from './tilemath.js';

export type EncoderName = 'st_asmvt' | 'geojson-vt';
export type TileEncoder = (db: Kysely<DB>, layer: TileLayer, z: number, x: number, y: number) => Promise<Buffer>;

const EMPTY = Buffer.alloc(0);

/** `p1 as "code", p2 as "name", …` */
function propertyColumns(layer: TileLayer): RawBuilder<unknown> {
  return sql.join(Object.entries(layer.properties).map(([name, p]) => sql`${p.sql} as ${sql.id(name)}`));
}

export function envelopeSql([w, s, e, n]: Bbox): RawBuilder<unknown> {
  return sql`ST_MakeEnvelope(${w}::float8, ${s}::float8, ${e}::float8, ${n}::float8, 4326)`;
}

/** ST_AsMVT in PostgreSQL. */
export const encodeWithStAsMvt: TileEncoder = async (db, layer, z, x, y) => {
  const geom = sql.ref(layer.geom);
  const merc = sql`ST_Transform(${geom}, 3857)`;
  const tolM = (layer.tolerance(z) * tileSizeM(z)) / EXTENT;
  const shape = tolM > 0 ? sql`ST_Simplify(${merc}, ${tolM}::float8, true)` : merc;
  const env = envelopeSql(tileBbox(z, x, y, BUFFER));
  const r = await sql<{ mvt: Buffer | null }>`
    select ST_AsMVT(t, ${layer.id}::text, ${sql.lit(EXTENT)}, '__geom'${layer.featureId ? sql`, '__fid'` : sql``}) as mvt
    from (
      select ${propertyColumns(layer)}${layer.featureId ? sql`, ${layer.featureId} as "__fid"` : sql``},
        ST_AsMVTGeom(${shape}, ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int), ${sql.lit(EXTENT)}, ${sql.lit(BUFFER)}, true) as "__geom"
      from ${layerSource(layer, env)}
      where (${layer.where}) and ${geom} && ${env}
    ) t`.execute(db);
  // No "where __geom is not null" outside: PostgreSQL would pull the subquery up and run ST_AsMVTGeom twice per
  // row. ST_AsMVT skips rows whose geometry clipped away, and returns '' when none is left.
  const mvt = r.rows[0]?.mvt;
  return mvt && mvt.length ? (Buffer.isBuffer(mvt) ? mvt : Buffer.from(mvt)) : EMPTY;
};

interface GeoJsonRow {
  __fid?: number | null;
  __geojson: string;
  [property: string]: unknown;
}

/** geojson-vt + vt-pbf in JavaScript over features read as GeoJSON. */
export const encodeWithGeojsonVt: TileEncoder = async (db, layer, z, x, y) => {
  const geom = sql.ref(layer.geom);
  // Clip in PostGIS to twice the tile buffer, so big polygons (a street at z16) arrive small, while geojson-vt's
  // own clip at BUFFER stays the one that shapes the tile.
  const env = envelopeSql(tileBbox(z, x, y, BUFFER));
  const r = await sql<GeoJsonRow>`
    select ${propertyColumns(layer)}${layer.featureId ? sql`, ${layer.featureId} as "__fid"` : sql``},
      ST_AsGeoJSON(c."__clip", 8) as "__geojson"
    from ${layerSource(layer, env)},
      lateral (select ST_ClipByBox2D(${geom}, ${envelopeSql(tileBbox(z, x, y, 2 * BUFFER))}) as "__clip") c
    where (${layer.where}) and ${geom} && ${env} and not ST_IsEmpty(c."__clip")`.execute(db);
  if (r.rows.length === 0) return EMPTY;
  const names = Object.keys(layer.properties);
  const features = r.rows.map((row) => {
    const properties: Record<string, unknown> = {};
    for (const n of names) properties[n] = row[n];
    return {
      type: 'Feature' as const,
      ...(row.__fid != null ? { id: Number(row.__fid) } : {}),
      properties,
      geometry: JSON.parse(row.__geojson),
    };
  });
  const tolerance = layer.tolerance(z);
  const index = new GeoJSONVT(
    { type: 'FeatureCollection', features },
    {
      // geojson-vt keeps every vertex at maxZoom and simplifies only above it: one zoom deeper when this zoom
      // generalises, so the tile gets Douglas–Peucker at `tolerance` tile units, as ST_Simplify does on PostgreSQL.
      maxZoom: tolerance > 0 ? z + 1 : z,
      indexMaxZoom: 0, // build nothing up front: getTile drills down from z0 to the one tile wanted
      tolerance,
      extent: EXTENT,
      buffer: BUFFER,
    },
  );
  const tile = index.getTile(z, x, y);
  const kept = tile ? withoutDegenerate(tile.features) : [];
  if (kept.length === 0) return EMPTY;
  const pbf = vtpbf.fromGeojsonVt({ [layer.id]: { features: kept } }, { version: 2, extent: EXTENT });
  return Buffer.from(pbf.buffer, pbf.byteOffset, pbf.byteLength); // a view: the cache copies what it keeps
};

type TileFeature = LegacyTile['features'][number];

/** Twice the signed area of an integer ring (shoelace). */
function ringArea2(ring: [number, number][]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return a;
}

/**
 * Drops what rounding to the tile grid collapsed: polygon rings without area and lines without length (a sliver
 * of a neighbour inside the buffer becomes one repeated point). ST_AsMVTGeom drops these too.
 */
function withoutDegenerate(features: readonly TileFeature[]): TileFeature[] {
  const out: TileFeature[] = [];
  for (const f of features) {
    if (f.type === 3) {
      const rings = f.geometry.filter((r) => ringArea2(r) !== 0);
      if (rings.length) out.push({ ...f, geometry: rings });
    } else if (f.type === 2) {
      const lines = f.geometry.filter((l) => l.some((p) => p[0] !== l[0][0] || p[1] !== l[0][1]));
      if (lines.length) out.push({ ...f, geometry: lines });
    } else {
      out.push(f);
    }
  }
  return out;
}

export const ENCODERS: Record<EncoderName, TileEncoder> = {
  st_asmvt: encodeWithStAsMvt,
  'geojson-vt': encodeWithGeojsonVt,
};

/** The encoder for a driver: ST_AsMVT on PostgreSQL, geojson-vt on PGlite; `override` is TILE_ENCODER. */
export function chooseEncoder(driver: Driver, override?: string): EncoderName {
  const o = (override ?? '').trim().toLowerCase();
  if (o === '' || o === 'auto') return driver === 'pg' ? 'st_asmvt' : 'geojson-vt';
  if (o === 'geojson-vt') return 'geojson-vt';
  if (o === 'st_asmvt') {
    if (driver !== 'pg') {
      throw new Error(
        'TILE_ENCODER=st_asmvt needs PostgreSQL: the embedded PGlite PostGIS has no protobuf-c, so ST_AsMVT fails there; unset TILE_ENCODER',
      );
    }
    return 'st_asmvt';
  }
  throw new Error(
    `TILE_ENCODER must be "geojson-vt", "st_asmvt" or unset (choose by database driver), got "${override}"`,
  );
}
