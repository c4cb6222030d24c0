/**
 * Whole-layer exports, streamed page by page so a province-size layer never sits in memory: the rows of each level
 * (live districts, streets, communities, unit grids), filtered by a region-code prefix and a lon/lat box, and the
 * GeoJSON writer. The Shapefile and GeoPackage writers are in export-files.ts.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import { fromLonLat, type CensusCrs } from '../geo/file-crs.js';

export const EXPORT_LAYERS = ['districts', 'streets', 'communities', 'grids', 'all'] as const;
export type ExportLayer = (typeof EXPORT_LAYERS)[number];
export type LevelLayer = Exclude<ExportLayer, 'all'>;
export const LEVEL_LAYERS: LevelLayer[] = ['districts', 'streets', 'communities', 'grids'];
const LEVEL: Record<Exclude<LevelLayer, 'grids'>, string> = {
  districts: 'district',
  streets: 'street',
  communities: 'community',
};
const PAGE = 2000;

/** [minLon, minLat, maxLon, maxLat]. */
export type BBox = [number, number, number, number];

export interface ExportFilter {
  /** Only codes under this region-code prefix (and, for regions, their ancestors). */
  prefix?: string;
  /** Only features whose geometry intersects this lon/lat box. */
  bbox?: BBox;
}

export interface ExportRow<G> {
  code: string;
  name: string;
  level: string;
  area_m2: number;
  initial_date: string;
  geometry: G;
}

/** The levels a layer name covers, in order. */
export const levelsOf = (layer: ExportLayer): LevelLayer[] => (layer === 'all' ? LEVEL_LAYERS : [layer]);

function inBox(bbox: BBox | undefined): RawBuilder<unknown> {
  if (!bbox) return sql`true`;
  const box = sql`ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326)`;
  return sql`geom && ${box} and ST_Intersects(geom, ${box})`;
}

/**
 * The live rows of one level in code order, page by page; `geometry` is the GeoJSON text (7 decimals) or, with
 * 'wkb', the geometry's WKB at full precision.
 */
export async function* layerRows<F extends 'geojson' | 'wkb'>(
  db: Kysely<DB>,
  layer: LevelLayer,
  filter: ExportFilter,
  form: F,
): AsyncGenerator<ExportRow<F extends 'wkb' ? Uint8Array : string>> {
  const prefix = filter.prefix ?? '';
  const geometry = form === 'wkb' ? sql`ST_AsBinary(geom)` : sql`ST_AsGeoJSON(geom, 7)`;
  let after = '';
  for (;;) {
    const r =
      layer === 'grids'
        ? await sql<ExportRow<F extends 'wkb' ? Uint8Array : string>>`
      select code, name, 'grid' as level, area_m2, initial_date::text as initial_date, ${geometry} as geometry
      from unit_grid
      where termination_date is null and code > ${after} and left(code, ${prefix.length}) = ${prefix}
        and ${inBox(filter.bbox)}
      order by code limit ${PAGE}`.execute(db)
        : await sql<ExportRow<F extends 'wkb' ? Uint8Array : string>>`
      select code, name, level, area_m2, initial_date::text as initial_date, ${geometry} as geometry from region
      where termination_date is null and level = ${LEVEL[layer]} and code > ${after} and ${inBox(filter.bbox)}
      order by code limit ${PAGE}`.execute(db);
    for (const row of r.rows) {
      if (prefix && !row.code.startsWith(prefix) && !prefix.startsWith(row.code)) continue;
      yield row;
    }
    if (r.rows.length < PAGE) return;
    after = r.rows[r.rows.length - 1].code;
  }
}

const isLonLat = (crs: CensusCrs | undefined) =>
  !crs || (crs.kind === 'lonlat' && (crs.name === 'wgs84' || crs.name === 'cgcs2000'));

/** A GeoJSON geometry's positions converted from lon/lat into `crs`. */
function projectGeoJson(text: string, crs: CensusCrs): string {
  return text.replace(/\[(-?[\d.e+-]+),(-?[\d.e+-]+)\]/g, (_, x: string, y: string) => {
    const [e, n] = fromLonLat(crs, Number(x), Number(y));
    return `[${Math.round(e * 1000) / 1000},${Math.round(n * 1000) / 1000}]`;
  });
}

/**
 * Yields the text of a FeatureCollection in chunks: `{"type":"FeatureCollection","features":[` … `]}`. In a
 * Gauss–Krüger `crs` the coordinates are metres (to the millimetre) and the legacy "crs" member names the EPSG code,
 * which GDAL and QGIS read (RFC 7946 itself knows only lon/lat).
 */
export async function* exportGeoJson(
  db: Kysely<DB>,
  layer: ExportLayer,
  prefixOrFilter: string | ExportFilter = '',
  crs?: CensusCrs,
): AsyncGenerator<string> {
  const filter = typeof prefixOrFilter === 'string' ? { prefix: prefixOrFilter } : prefixOrFilter;
  const named =
    crs?.kind === 'gk' ? `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::${crs.epsg}"}},` : '';
  yield `{"type":"FeatureCollection",${named}"features":[\n`;
  let first = true;
  for (const level of levelsOf(layer)) {
    for await (const r of layerRows(db, level, filter, 'geojson')) {
      const props = JSON.stringify({
        code: r.code,
        name: r.name,
        level: r.level,
        area_m2: Math.round(r.area_m2 * 10) / 10,
        initial_date: r.initial_date,
      });
      const geometry = isLonLat(crs) ? r.geometry : projectGeoJson(r.geometry, crs!);
      yield `${first ? '' : ',\n'}{"type":"Feature","id":"${r.code}","properties":${props},"geometry":${geometry}}`;
      first = false;
    }
  }
  yield '\n]}\n';
}
