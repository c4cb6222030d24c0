/**
 * Exports of the region layers as a zipped Shapefile (one .shp/.shx/.dbf/.prj/.cpg set per level) and as a
 * GeoPackage (one feature table per level), in CGCS2000 lon/lat (EPSG:4490, the default), WGS84 (EPSG:4326) or a
 * CGCS2000 3° Gauss–Krüger zone (EPSG:4513–4554, reprojected with proj4).
 *
 * Attributes: code, name, level, area_m2 (m², one decimal) and the start date of the row — `initial_date` in the
 * GeoPackage, `init_date` in the .dbf, whose field names have at most 10 characters. The .dbf is in UTF-8 unless
 * GBK (or GB 18030) is asked for, as older desktop tools want; the .cpg says which.
 *
 * Memory: the Shapefile is streamed level by level (each level's .shp records spooled to a temporary file, the zip
 * written as it goes); a GeoPackage is an SQLite database built in memory (sql.js) and sent whole.
 */
import type { Position } from 'geojson';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { GeoPackageWriter, type GpkgField } from '../files/gpkg.js';
import { CPG_TEXT, PolygonShapefileWriter, dbfBytes, type DbfField, type DbfValue } from '../files/shp-write.js';
import type { Encoding } from '../files/text.js';
import { polygonsOf, wkbToGeoJson, type Polygonal } from '../files/wkb.js';
import { zipStream, type ZipEntry } from '../files/zip.js';
import { epsgOf, esriWkt, fromLonLat, ogcWkt, type CensusCrs } from '../geo/file-crs.js';
import { layerRows, levelsOf, type ExportFilter, type ExportLayer, type ExportRow } from './export.js';

export interface FileExportOptions extends ExportFilter {
  /** Default EPSG:4490. */
  crs?: CensusCrs;
}

const CGCS2000: CensusCrs = { kind: 'lonlat', name: 'cgcs2000' };

/** The rows' geometries as polygons in the export's CRS (Gauss–Krüger metres rounded to 0.1 mm). */
function projected(wkb: Uint8Array, crs: CensusCrs): Position[][][] {
  const polygons = polygonsOf(wkbToGeoJson(wkb) as Polygonal);
  if (crs.kind === 'lonlat' && (crs.name === 'wgs84' || crs.name === 'cgcs2000')) return polygons;
  return polygons.map((rings) =>
    rings.map((ring) =>
      ring.map(([lon, lat]) => {
        const [x, y] = fromLonLat(crs, lon, lat);
        return [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4];
      }),
    ),
  );
}

const round1 = (x: number) => Math.round(x * 10) / 10;

const DBF_FIELDS: DbfField[] = [
  { name: 'code', type: 'C' },
  { name: 'name', type: 'C' },
  { name: 'level', type: 'C' },
  { name: 'area_m2', type: 'N', width: 15, decimals: 1 },
  { name: 'init_date', type: 'D' },
];

const dbfRecord = (r: ExportRow<unknown>): DbfValue[] => [r.code, r.name, r.level, round1(r.area_m2), r.initial_date];

/**
 * The zipped Shapefile of a layer ('all': one Shapefile per level), as chunks of the archive. `encoding` is that of
 * the .dbf (default UTF-8).
 */
export async function* exportShapefileZip(
  db: Kysely<DB>,
  layer: ExportLayer,
  opts: FileExportOptions & { encoding?: Encoding } = {},
): AsyncGenerator<Uint8Array> {
  const crs = opts.crs ?? CGCS2000;
  const encoding = opts.encoding ?? 'utf8';
  const prj = new TextEncoder().encode(esriWkt(crs));
  const cpg = new TextEncoder().encode(CPG_TEXT[encoding]);
  async function* entries(): AsyncGenerator<ZipEntry> {
    for (const level of levelsOf(layer)) {
      const writer = await PolygonShapefileWriter.create();
      const records: DbfValue[][] = [];
      try {
        for await (const r of layerRows(db, level, opts, 'wkb')) {
          await writer.add(projected(r.geometry, crs));
          records.push(dbfRecord(r));
        }
      } catch (err) {
        await writer.abandon();
        throw err;
      }
      const shp = await writer.finish();
      try {
        yield { name: `${level}.shp`, parts: concat([shp.shpHeader], shp.body()) };
        yield { name: `${level}.shx`, parts: [shp.shx] };
        yield { name: `${level}.dbf`, parts: [dbfBytes(DBF_FIELDS, records, encoding)] };
        yield { name: `${level}.prj`, parts: [prj] };
        yield { name: `${level}.cpg`, parts: [cpg] };
      } finally {
        await shp.remove();
      }
    }
  }
  yield* zipStream(entries());
}

async function* concat(first: Uint8Array[], rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* first;
  yield* rest;
}

const GPKG_FIELDS: GpkgField[] = [
  { name: 'code', type: 'TEXT', notNull: true },
  { name: 'name', type: 'TEXT', notNull: true },
  { name: 'level', type: 'TEXT', notNull: true },
  { name: 'area_m2', type: 'REAL' },
  { name: 'initial_date', type: 'DATE' },
];

const DESCRIPTIONS: Record<string, string> = {
  districts: '区县 districts',
  streets: '街道 streets',
  communities: '社区 communities',
  grids: '单元网格 unit grids (GB/T 30428.1)',
};

/** The GeoPackage of a layer ('all': one feature table per level). */
export async function exportGeoPackage(
  db: Kysely<DB>,
  layer: ExportLayer,
  opts: FileExportOptions = {},
): Promise<Uint8Array> {
  const crs = opts.crs ?? CGCS2000;
  const srsId = epsgOf(crs);
  if (srsId === undefined) throw new RangeError(`a GeoPackage export needs an EPSG coordinate system`);
  const gpkg = await GeoPackageWriter.create();
  try {
    const { name, wkt } = ogcWkt(crs);
    if (srsId !== 4326) gpkg.addSrs(srsId, name, wkt);
    for (const level of levelsOf(layer)) {
      const table = gpkg.addLayer(level, GPKG_FIELDS, srsId, DESCRIPTIONS[level]);
      for await (const r of layerRows(db, level, opts, 'wkb')) {
        table.insert(projected(r.geometry, crs), [r.code, r.name, r.level, round1(r.area_m2), r.initial_date]);
      }
      table.finish();
    }
  } catch (err) {
    gpkg.close();
    throw err;
  }
  return gpkg.bytes();
}
