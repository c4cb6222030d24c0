/**
 * The registry of vector-tile layers. Everything the tile builders, the cache and TileJSON need to know about a
 * layer is here; adding a layer (e.g. `cases` points) is one entry.
 *
 * A layer reads live rows of one table with a geometry column in EPSG:4326 that has a GIST index. Both encoders
 * (ST_AsMVT on PostgreSQL, geojson-vt + vt-pbf on PGlite) build the same SELECT from these declarations:
 *
 *   select <properties>, <featureId> from <table> where <where> and <geom> && <tile envelope in 4326, buffered>
 *
 * An aggregate layer (e.g. component counts per grid) reads a virtual table instead: `aggregate(envelope)` is a
 * SELECT of its rows near the tile (it filters its own base tables by the envelope, through their indexes), and
 * `<table>` above becomes `(<that select>) as <table>`; the rest is the same.
 *
 * Zoom rules: below `minzoom` a tile request answers 204 (empty: the map shows a coarser layer there);
 * from `minzoom` to 22 tiles are built exactly. TileJSON advertises `maxzoom`, so clients overzoom beyond it.
 */
import { sql, type RawBuilder } from 'kysely';
import { componentCatalog } from '../components/catalog.js';

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
  /**
   * Rows of tile_layer_version whose bumps invalidate this layer's tiles (a write to the table bumps its row). The
   * layer's version is their sum: each only grows, so the sum grows with every bump and names one state of them all.
   */
  versionKeys: readonly string[];
  /** 'mixed': mostly points, with lines or polygons where a feature is one (each keeps its own geometry type). */
  geometryType: 'polygon' | 'line' | 'point' | 'mixed';
  /** Table (or view) holding the features; for an aggregate layer, the name its virtual table goes by. */
  table: string;
  /**
   * An aggregate (virtual) source: the SELECT producing the layer's rows for a tile, given the tile's buffered
   * envelope (EPSG:4326). It must filter its base tables by the envelope itself (the outer `geom &&` only trims).
   */
  aggregate?: (envelope: RawBuilder<unknown>) => RawBuilder<unknown>;
  /** Where TileJSON `bounds` come from when not from the layer's own rows (an aggregate layer). */
  extent?: { table: string; geom: string; where: RawBuilder<unknown> };
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
    versionKeys: [id],
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
    versionKeys: ['grids'],
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
    versionKeys: ['cases'],
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
  {
    id: 'components',
    description:
      'Census components (部件), every live row with a position: points, or the real line or polygon where the ' +
      'component is one; below z15 the map shows component_counts instead',
    versionKeys: ['components'],
    geometryType: 'mixed',
    table: 'component',
    geom: 'geom',
    where: sql`true`,
    properties: {
      code: { sql: sql`code`, type: 'String', description: '16- or 17-digit component code' },
      class: { sql: sql`category_code::text`, type: 'String', description: '5-digit class (GB/T 47678.5 表A.1)' },
      major: { sql: sql`left(category_code, 2)`, type: 'String', description: '2-digit major class' },
      status: { sql: sql`status`, type: 'String', description: '完好, 破损, 丢失, 废弃 or 移除' },
      name: { sql: sql`nullif(name, '')`, type: 'String', description: 'component name (left out when empty)' },
    },
    // No feature id: 16–17-digit codes exceed 2^53, which is all an MVT id survives in JavaScript (use the code).
    minzoom: 15,
    maxzoom: 18,
    tolerance: (z) => (z < 16 ? 1 : 0),
  },
  componentCountsLayer(),
];

/** The 2-digit major classes of the component catalog (01 市政公用设施 … 05 其他管理部件). */
export function componentMajors(): string[] {
  return [...new Set(componentCatalog().entries.map((e) => e.code.slice(0, 2)))].sort();
}

/**
 * Components per unit grid, for the zooms where single components would be too many: one point per live grid that
 * holds components (ST_PointOnSurface of the grid, so it lies in the grid even for a ring or a multipolygon) with
 * the count of its components (by their derived grid_code) in all and per major class (`major_01` …; a major with
 * none is left out). Grids without components have no point.
 *
 * From z13, where the grids layer starts: a z12 tile of a dense city holds ~8,000 grids (bubbles a few pixels apart
 * and a tile near the 500 KB limit). The count is a lateral index lookup per grid (component_grid): a join against
 * an aggregate of the tile's components was planned as a nested loop over the aggregate (the grids' row estimate
 * under the pushed-down point filter is 1) and took seconds at z12.
 */
function componentCountsLayer(): TileLayer {
  const majors = componentMajors();
  const perMajor = sql.join(
    majors.map(
      (m) => sql`nullif(count(*) filter (where c.category_code like ${m + '%'}), 0)::int as ${sql.id(`major_${m}`)}`,
    ),
  );
  return {
    id: 'component_counts',
    description:
      'Components per unit grid (部件数量): a point in each live grid that holds components, with their count in ' +
      'all and per major class; for z13–14, where the components layer has no tiles',
    versionKeys: ['components', 'grids'],
    geometryType: 'point',
    table: 'component_counts',
    geom: 'geom',
    where: sql`true`,
    aggregate: (envelope) => sql`
      select g.code::text as grid_code, n.count, ${sql.join(majors.map((m) => sql.ref(`n.major_${m}`)))},
        ST_PointOnSurface(g.geom) as geom
      from unit_grid g
      cross join lateral (
        select count(*)::int as count, ${perMajor} from component c where c.grid_code = g.code::text
      ) n
      where g.termination_date is null and g.geom && ${envelope} and n.count > 0`,
    extent: { table: 'component', geom: 'geom', where: sql`grid_code is not null` },
    properties: {
      grid_code: { sql: sql`grid_code`, type: 'String', description: '15-digit unit-grid code' },
      count: { sql: sql`count`, type: 'Number', description: 'components in the grid' },
      ...Object.fromEntries(
        majors.map((m) => [
          `major_${m}`,
          {
            sql: sql.ref(`major_${m}`),
            type: 'Number' as const,
            description: `components of major class ${m} (left out when none)`,
          },
        ]),
      ),
    },
    featureId: sql`grid_code::bigint`,
    minzoom: 13,
    maxzoom: 14,
    tolerance: () => 0,
  };
}

/** The FROM item of a layer for a tile whose buffered envelope is `envelope`: its table or its aggregate. */
export function layerSource(layer: TileLayer, envelope: RawBuilder<unknown>): RawBuilder<unknown> {
  return layer.aggregate
    ? sql`(${layer.aggregate(envelope)}) as ${sql.id(layer.table)}`
    : sql`${sql.table(layer.table)}`;
}

/** The version of a layer given the versions of tile_layer_version's rows (a missing row counts as 1). */
export function layerVersion(layer: TileLayer, versions: ReadonlyMap<string, number>): number {
  return layer.versionKeys.reduce((sum, k) => sum + (versions.get(k) ?? 1), 0);
}

const byId = new Map(TILE_LAYERS.map((l) => [l.id, l]));

export function findLayer(id: string): TileLayer | undefined {
  return byId.get(id);
}

export function layerIds(): string[] {
  return TILE_LAYERS.map((l) => l.id);
}
