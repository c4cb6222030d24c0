/**
 * Values of a census row: its class from a name, its position from coordinates (any of the import's CRSs) or a
 * GeoJSON geometry, its photo references. Pure. Used by the row checker (row.ts) and the address gazetteer's import.
 */
import type { Geometry, Position } from 'geojson';
import { describeCrs, toLonLat, type CensusCrs } from '../geo/file-crs.js';
import { FIELDS, swappedAxes, swappedLonLat, type Field } from './fields.js';

/** The class a name column names: the catalog name itself, or the longest class name it begins with. */
export function classOfName(name: string, classNames: [string, string][]): string | undefined {
  const n = name.trim();
  if (!n) return undefined;
  return (classNames.find(([c]) => c === n) ?? classNames.find(([c]) => n.startsWith(c)))?.[1];
}

export type Err = (field: Field | null, message: string) => void;

export function convert(
  x: number,
  y: number,
  crs: CensusCrs,
  err: (m: string) => void,
  xName = 'x',
  yName = 'y',
): [number, number] | undefined {
  if (crs.kind === 'gk') {
    if (Math.abs(x) <= 180 && Math.abs(y) <= 90) {
      err(
        `${xName} ${x}, ${yName} ${y} look like degrees, but the file's CRS is ${describeCrs(crs)} (metres): name its CRS (--crs wgs84, gcj02, bd09…)`,
      );
      return undefined;
    }
    const swapped = swappedAxes(x, y);
    if (swapped) {
      err(swapped);
      return undefined;
    }
    const [lon, lat] = toLonLat(crs, x, y);
    if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90) || !Number.isFinite(lon)) {
      err(`${xName} ${x}, ${yName} ${y} are not a position of ${describeCrs(crs)}`);
      return undefined;
    }
    return [round7(lon), round7(lat)];
  }
  if (Math.abs(x) > 180 || Math.abs(y) > 90) {
    const swapped = swappedLonLat(x, y);
    if (swapped) err(swapped);
    else if (Math.abs(x) > 1000 && Math.abs(y) > 1000)
      err(
        `${xName} ${x}, ${yName} ${y} are metres, not degrees: name the projection (--crs EPSG:4513–4554, CGCS2000 3° Gauss–Krüger)`,
      );
    else err(`${xName} ${x}, ${yName} ${y} are not a longitude and latitude`);
    return undefined;
  }
  const [lon, lat] = toLonLat(crs, x, y);
  return [round7(lon), round7(lat)];
}

/** Degrees to 1e-7 (about a centimetre), as positions are stored. */
export const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

export function fromGeometry(
  g: Geometry,
  crs: CensusCrs,
  err: Err,
): { geom: string; lon: number; lat: number; point: boolean } | undefined {
  const fail = (m: string) => {
    err(null, m);
    return undefined;
  };
  if (!GEOMETRY_TYPES.includes(g.type))
    return fail(`a component is a point, line or polygon; the geometry is ${JSON.stringify(String(g.type))}`);
  let coords = (g as { coordinates?: unknown }).coordinates;
  let type = g.type as 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';
  if (type === 'MultiPoint' && Array.isArray(coords) && coords.length === 1) {
    type = 'Point';
    coords = coords[0];
  }
  if (type === 'MultiPoint') return fail('a component is one point; the geometry is a MultiPoint of several');
  const depth = { Point: 0, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 }[type]!;
  let first: [number, number] | undefined;
  let problem: string | undefined;
  const walk = (c: unknown, d: number): string | undefined => {
    if (problem) return undefined;
    if (!Array.isArray(c) || (d > 0 && c.length === 0)) {
      problem = `the ${type}'s coordinates are malformed`;
      return undefined;
    }
    if (d > 0) {
      const parts = c.map((x) => walk(x, d - 1));
      return `(${parts.join(',')})`;
    }
    const [x, y] = c as Position;
    if (c.length < 2 || typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x + y)) {
      problem = `the ${type}'s coordinates are malformed`;
      return undefined;
    }
    const p = convert(x, y, crs, (m) => (problem = m));
    if (!p) return undefined;
    first ??= p;
    return `${p[0]} ${p[1]}`;
  };
  const body = walk(coords, depth);
  if (problem || body === undefined || !first) return fail(problem ?? `the ${type}'s coordinates are malformed`);
  const wktType = type.toUpperCase();
  return {
    geom: `SRID=4326;${wktType}${type === 'Point' ? `(${body})` : body}`,
    lon: first[0],
    lat: first[1],
    point: type === 'Point',
  };
}

/** Standard names of the fields (the 表2 abbreviation first) — for messages about a missing column. */
export const standardName = (f: Field) => FIELDS[f][0];

/** Photo references: separated by ';' (or '；'), or a JSON array of strings as the export writes them. */
export function readPhotos(v: string | null): string[] {
  if (v === null) return [];
  if (v.startsWith('[')) {
    try {
      const a: unknown = JSON.parse(v);
      if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a.map((x) => x.trim()).filter(Boolean);
    } catch {
      // not JSON: read as a list
    }
  }
  return v
    .split(/[;；]/)
    .map((p) => p.trim())
    .filter(Boolean);
}
