/**
 * The registry of vector-tile layers. Everything the tile builders, the cache and TileJSON need to know about a
 * layer is here; adding a layer (e.g. `cases` points) is one entry.
 *
 * A layer reads live rows of one table with a geometry column in EPSG:4326 that has a GIST index. Both encoders
 * (ST_AsMVT on PostgreSQL, geojson-vt + vt-pbf on PGlite) build the same SELECT from these declarations:
 *
 *   select <properties>, <featureId> from <table> where <where> and <geom> && <tile envelope in 4326, buffered>
 *
 * Zoom rules: below `minzoom` a tile request answers 204 (empty: the map shows a coarser layer there);
 * from `minzoom` to 22 tiles are built exactly. TileJSON advertises `maxzoom`, so clients overzoom beyond it.
 */
import { sql, type RawBuilder } from 'kysely';

/** TileJSON field types (the tippecanoe / Mapbox convention for vector_layers[].fields). */
export type FieldType = 'String' | 'Number' | 'Boolean';

export interface LayerProperty {
  /** SQL expression over the layer's table producing the value (null values are left out of the tile). */
  sql: RawBuilder<unknown>;
  type: FieldType;
  description: string;
}

export interface TileLayer {
  /** URL segment, TileJSON id and the MVT layer name inside the tile. */
  id: string;
  description: string;
  /** Row of tile_layer_version whose bump invalidates this layer's tiles (a write to the table bumps it). */
  versionKey: string;
  geometryType: 'polygon' | 'line' | 'point';
  /** Table (or view) holding the features. */
  table: string;
  /** Geometry column: EPSG:4326 with a GIST index (the tile's bbox filter uses it). */
  geom: string;
  /** Which rows are shown, e.g. live rows only. */
  where: RawBuilder<unknown>;
  /** Properties written into each feature, in this order. */
  properties: Record<string, LayerProperty>;
  /** Integer expression used as the MVT feature id (lets MapLibre use feature-state); none when undefined. */
  featureId?: RawBuilder<unknown>;
  /** Below this zoom tiles are empty (204). */
  minzoom: number;
  /** Highest zoom advertised in TileJSON; clients overzoom beyond it. Tiles up to z22 are still served. */
  maxzoom: number;
  /**
   * Generalisation: Douglas–Peucker tolerance at zoom z, in tile units (1/4096 of the tile's width; 0 = none).
   * Both encoders also snap to the 4096 grid, so anything below ~0.5 is invisible anyway.
   */
  tolerance(z: number): number;
}

const live = sql`termination_date is null`;

/** A layer of the `region` table at one level (communities, streets): code and name. */
function regionLayer(
  id: string,
  level: 'community' | 'street',
  description: string,
  digits: number,
  minzoom: number,
  tolerance: (z: number) => number,
): TileLayer {
  return {
    id,
    description,
    versionKey: id,
    geometryType: 'polygon',
    table: 'region',
    geom: 'geom',
    where: sql`level = ${level} and termination_date is null`,
    properties: {
      code: { sql: sql`code`, type: 'String', description: `${digits}-digit ${level} code` },
      name: { sql: sql`name`, type: 'String', description: `${level} name` },
    },
    featureId: sql`code::bigint`,
    minzoom,
    maxzoom: 18,
    tolerance,
  };
}

export const TILE_LAYERS: readonly TileLayer[] = [
  {
    id: 'grids',
    description: 'Unit grids (单元网格), live rows; below z13 the map shows communities instead',
    versionKey: 'grids',
    geometryType: 'polygon',
    table: 'unit_grid',
    geom: 'geom',
    where: live,
    properties: {
      code: { sql: sql`code`, type: 'String', description: '15-digit unit-grid code (GB/T 30428.1)' },
      name: { sql: sql`name`, type: 'String', description: 'grid name' },
      area_m2: { sql: sql`round(area_m2::numeric, 1)::float8`, type: 'Number', description: 'area in m², to 0.1 m²' },
    },
    featureId: sql`code::bigint`,
    minzoom: 13,
    maxzoom: 18,
    // z13–z15 show thousands of grids per tile: drop vertices that move the outline by less than a tile unit.
    tolerance: (z) => (z < 16 ? 1 : 0),
  },
  regionLayer('communities', 'community', 'Communities (社区/村), live rows', 12, 10, (z) =>
    z < 13 ? 2 : z < 16 ? 1 : 0,
  ),
  regionLayer('streets', 'street', 'Streets / towns (街道/镇), live rows', 9, 8, (z) => (z < 12 ? 2 : z < 16 ? 1 : 0)),
  {
    id: 'cases',
    description: 'Open cases (案件) by state; overdue = the current stage is past its deadline when the tile was built',
    versionKey: 'cases',
    geometryType: 'point',
    table: 'case_record',
    geom: 'geom',
    where: sql`closed_at is null and state <> 'voided'`,
    properties: {
      id: { sql: sql`id::float8`, type: 'Number', description: 'case id' },
      case_no: { sql: sql`case_no`, type: 'String', description: 'case number' },
      state: { sql: sql`state`, type: 'String', description: 'workflow state' },
      overdue: {
        sql: sql`coalesce(stage_deadline < now(), false)`,
        type: 'Boolean',
        description: 'past the current stage deadline',
      },
      category: {
        sql: sql`category_kind || ':' || category_code`,
        type: 'String',
        description: 'kind:code (GB/T 47678.5)',
      },
      department_code: { sql: sql`department_code`, type: 'String', description: 'responsible department' },
      channel: { sql: sql`channel`, type: 'String', description: 'report channel' },
      outside_coverage: { sql: sql`outside_coverage`, type: 'Boolean', description: 'outside every unit grid' },
    },
    featureId: sql`id`,
    minzoom: 10,
    maxzoom: 16,
    tolerance: () => 0,
  },
];

const byId = new Map(TILE_LAYERS.map((l) => [l.id, l]));

export function findLayer(id: string): TileLayer | undefined {
  return byId.get(id);
}

export function layerIds(): string[] {
  return TILE_LAYERS.map((l) => l.id);
}
