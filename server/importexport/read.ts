/**
 * Reading a regions-and-grids file of any supported format into the features the import stages: GeoJSON, a zipped
 * Shapefile (every layer in the archive, or the one named) or a GeoPackage (every feature table, or the one named).
 * The format is told by the file's first bytes, never by a name: "PK\x03\x04" is a zip, "SQLite format 3" a
 * GeoPackage, anything else JSON text.
 *
 * Every position is converted to lon/lat from the file's CRS: `crs` when given, else what the file says (the .prj;
 * the GeoPackage layer's gpkg_spatial_ref_sys row; GeoJSON's legacy "crs" member), else WGS84 lon/lat. Attributes
 * are found by name whatever their case, in English or Chinese (validate.ts); then the same structure checks as a
 * GeoJSON import run over all layers together, with the feature's index across the file as its reference (and, for
 * Shapefile and GeoPackage, its layer and row there).
 */
import type { Geometry, Position } from 'geojson';
import { FileProblem } from '../files/common.js';
import { isSqlite, openGeoPackage, type GpkgLayer } from '../files/gpkg.js';
import { openShapefile, shapefileLayers } from '../files/shapefile.js';
import type { Encoding } from '../files/text.js';
import { isZip } from '../files/zip.js';
import { crsFromPrj, describeCrs, parseCensusCrs, toLonLat, type CensusCrs } from '../geo/file-crs.js';
import { checkStructure, type ImportIssue, type StagedFeature } from './validate.js';

export type RegionFileFormat = 'geojson' | 'shapefile' | 'geopackage';

export interface ReadOptions {
  /** The file's CRS, overriding what the file says. */
  crs?: CensusCrs;
  /** Shapefile: the .dbf encoding, overriding the .cpg (default GBK). */
  encoding?: Encoding;
  /** Shapefile: one layer (.shp name) of the archive; GeoPackage: one feature table. */
  layer?: string;
}

export interface FileInfo {
  format: RegionFileFormat;
  /** The CRS of each layer read, e.g. { grids: 'EPSG:4547' }. */
  crs: Record<string, string>;
  /** Layers read, in order, with their feature counts. */
  layers: { name: string; features: number }[];
  /** Shapefile: the .dbf encoding used and where it came from. */
  encoding?: string;
}

export interface ReadResult {
  file: FileInfo;
  features: StagedFeature[];
  issues: ImportIssue[];
}

/** One feature as read, before the checks. */
interface RawFeature {
  layer?: string;
  row?: number;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
  problem?: string;
}

const WGS84: CensusCrs = { kind: 'lonlat', name: 'wgs84' };

export function detectRegionFormat(head: Uint8Array): RegionFileFormat {
  if (isZip(head)) return 'shapefile';
  if (isSqlite(head)) return 'geopackage';
  return 'geojson';
}

/** Reads a zipped Shapefile or a GeoPackage (GeoJSON goes through regionsFromGeoJson). Throws FileProblem. */
export async function readBinaryRegions(bytes: Uint8Array, opts: ReadOptions = {}): Promise<ReadResult> {
  const format = detectRegionFormat(bytes);
  if (format === 'shapefile') return readShapefile(bytes, opts);
  if (format === 'geopackage') return readGeoPackage(bytes, opts);
  throw new FileProblem('the file is neither a zip archive (a zipped Shapefile) nor a GeoPackage');
}

/** A parsed GeoJSON document: its features converted to lon/lat and checked. Throws FileProblem for a bad crs. */
export function regionsFromGeoJson(value: unknown, opts: ReadOptions = {}): ReadResult {
  if (opts.layer !== undefined) {
    throw new FileProblem(`layer=${opts.layer} names a layer, but a GeoJSON file is a single layer`);
  }
  const legacy = (value as { crs?: { properties?: { name?: unknown } } } | null)?.crs?.properties?.name;
  let crs = opts.crs;
  if (!crs && typeof legacy === 'string') {
    crs = crsFromPrj(legacy);
    if (!crs) throw unknownCrs(`the GeoJSON's "crs" member names ${legacy}`);
  }
  crs ??= WGS84;
  const fc = value as { features?: unknown };
  if (crs !== WGS84 && fc && Array.isArray(fc.features)) {
    for (const f of fc.features as { geometry?: Geometry | null }[]) {
      if (f && typeof f === 'object' && f.geometry) f.geometry = converted(f.geometry, crs, false);
    }
  }
  const { features, issues } = checkStructure(value);
  const count = fc && Array.isArray(fc.features) ? fc.features.length : 0;
  return {
    file: { format: 'geojson', crs: { geojson: describe(crs) }, layers: [{ name: 'geojson', features: count }] },
    features,
    issues,
  };
}

const describe = (crs: CensusCrs) => {
  const d = describeCrs(crs);
  return d === 'wgs84' ? 'EPSG:4326' : d === 'cgcs2000' ? 'EPSG:4490' : d;
};

function unknownCrs(what: string): FileProblem {
  return new FileProblem(
    `${what}, a coordinate system this import does not convert; name the file's CRS with crs= (--crs): ` +
      'EPSG:4326, EPSG:4490, gcj02, bd09 or a CGCS2000 3° Gauss–Krüger zone EPSG:4513–4554',
  );
}

async function readShapefile(bytes: Uint8Array, opts: ReadOptions): Promise<ReadResult> {
  const names = opts.layer !== undefined ? [opts.layer] : shapefileLayers(bytes);
  if (names.length === 0) throw new FileProblem('the zip archive has no .shp file');
  const raw: RawFeature[] = [];
  const file: FileInfo = { format: 'shapefile', crs: {}, layers: [] };
  for (const name of names) {
    const opened = await openShapefile(bytes, { layer: name, encoding: opts.encoding });
    let crs = opts.crs;
    if (!crs && opened.prj) {
      crs = crsFromPrj(opened.prj);
      if (!crs) throw unknownCrs(`the .prj of layer ${name} names ${opened.prj.slice(0, 120)}`);
    }
    crs ??= WGS84;
    file.crs[name] = describe(crs);
    file.encoding = `${opened.encoding} (${opened.encodingSource})`;
    let n = 0;
    for await (const r of opened.records()) {
      const row = (r.where as { feature: number }).feature;
      const geometry = r.geometry ? converted(r.geometry, crs) : null;
      raw.push({ layer: name, row, properties: r.values as Record<string, unknown>, geometry });
      n++;
    }
    file.layers.push({ name, features: n });
  }
  return { file, ...checkRaw(raw) };
}

/** The CRS of a GeoPackage layer's srs row: an EPSG code we convert, or a definition crsFromPrj knows. */
function layerCrs(layer: GpkgLayer): CensusCrs | undefined {
  const srs = layer.srs;
  if (!srs) throw new FileProblem(`the feature table ${layer.table} names srs_id that gpkg_spatial_ref_sys lacks`);
  if (srs.srsId === 0 || srs.srsId === -1) return undefined; // "undefined geographic / cartesian"
  const byCode = srs.organization.toUpperCase() === 'EPSG' ? parseCensusCrs(`EPSG:${srs.organizationId}`) : undefined;
  const crs = byCode ?? crsFromPrj(srs.definition);
  if (!crs) {
    throw unknownCrs(
      `the feature table ${layer.table} is in ${srs.organization}:${srs.organizationId} (${srs.name || 'no name'})`,
    );
  }
  return crs;
}

async function readGeoPackage(bytes: Uint8Array, opts: ReadOptions): Promise<ReadResult> {
  const gpkg = await openGeoPackage(bytes);
  try {
    let layers = gpkg.layers;
    if (opts.layer !== undefined) {
      const wanted = opts.layer.toLowerCase();
      layers = layers.filter((l) => l.table.toLowerCase() === wanted);
      if (!layers.length) {
        throw new FileProblem(
          `the GeoPackage has no feature table ${JSON.stringify(opts.layer)}; its feature tables: ${gpkg.layers.map((l) => l.table).join(', ')}`,
        );
      }
    }
    const raw: RawFeature[] = [];
    const file: FileInfo = { format: 'geopackage', crs: {}, layers: [] };
    for (const layer of layers) {
      const crs = opts.crs ?? layerCrs(layer) ?? WGS84;
      file.crs[layer.table] = describe(crs);
      file.layers.push({ name: layer.table, features: layer.count });
      for (const r of gpkg.records(layer)) {
        raw.push({
          layer: layer.table,
          row: r.row,
          properties: r.properties,
          geometry: r.geometry ? converted(r.geometry, crs) : null,
          problem: r.problem,
        });
      }
    }
    return { file, ...checkRaw(raw) };
  } finally {
    gpkg.close();
  }
}

/**
 * Adds the layer and row to issues of a Shapefile or GeoPackage import (the PostGIS checks' issues and warnings know
 * only the feature's index across the file): the layers' features follow each other in `file.layers` order.
 */
export function locateIssues<T extends ImportIssue>(file: FileInfo, issues: T[]): T[] {
  if (file.format === 'geojson') return issues;
  for (const i of issues) {
    if (i.index < 0 || i.layer !== undefined) continue;
    let first = 0;
    for (const l of file.layers) {
      if (i.index < first + l.features) {
        Object.assign(i, { layer: l.name, row: i.index - first });
        break;
      }
      first += l.features;
    }
  }
  return issues;
}

/** The structure checks over every layer's features; issues carry the layer and row. */
function checkRaw(raw: RawFeature[]): { features: StagedFeature[]; issues: ImportIssue[] } {
  const fc = {
    type: 'FeatureCollection',
    features: raw.map((r) => ({ type: 'Feature', properties: r.properties, geometry: r.geometry })),
  };
  if (raw.length === 0) return { features: [], issues: [{ index: -1, problem: 'the file has no features' }] };
  const { features, issues } = checkStructure(fc);
  for (const i of issues) {
    const r = raw[i.index];
    if (!r) continue;
    if (r.problem) i.problem = r.problem;
    if (r.layer !== undefined) Object.assign(i, { layer: r.layer, row: r.row });
    if (i.location === undefined) delete i.location;
  }
  return { features, issues };
}

const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

/** Twice the signed area of a ring (positive: counter-clockwise). */
function signedArea2(ring: Position[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a;
}

/**
 * A geometry's positions converted from `crs` to lon/lat. Positions from a projected CRS are rounded to 1e-9°
 * (0.1 mm): the float noise of the inverse projection would otherwise make every vertex "changed". With `orient`
 * (Shapefile, GeoPackage) the rings are put in GeoJSON's right-hand order (RFC 7946: outer rings counter-clockwise,
 * holes clockwise; a Shapefile stores them the other way round), so that re-importing an export changes nothing.
 * Only polygonal geometries are converted: the others are refused by the checks anyway.
 */
function converted(g: Geometry, crs: CensusCrs, orient = true): Geometry {
  const identity = crs.kind === 'lonlat' && (crs.name === 'wgs84' || crs.name === 'cgcs2000');
  if (identity && !orient) return g;
  const position = (p: Position): Position => {
    if (identity) return p;
    const [lon, lat] = toLonLat(crs, p[0], p[1]);
    return [round9(lon), round9(lat)];
  };
  const valid = (r: unknown): r is Position[] =>
    Array.isArray(r) && r.every((p) => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number');
  const polygon = (rings: unknown) =>
    Array.isArray(rings)
      ? rings.map((r: unknown, i) => {
          if (!valid(r)) return r;
          const ring = r.map(position);
          const clockwise = signedArea2(ring) < 0;
          return orient && (i === 0) === clockwise ? ring.reverse() : ring;
        })
      : rings;
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: polygon(g.coordinates) as Position[][] };
  if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates))
    return { type: 'MultiPolygon', coordinates: g.coordinates.map(polygon) as Position[][][] };
  return g;
}
