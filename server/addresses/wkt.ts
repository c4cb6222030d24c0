/**
 * Well-known text (OGC WKT, 2D) of the six simple geometry types to a GeoJSON geometry, and back: the `wkt` column
 * of a gazetteer CSV or XLSX file (roads and landmark polygons, which lon/lat cannot carry; QGIS reads and writes the
 * same column). Z and M values are dropped. Pure.
 */
import type { Geometry, Position } from 'geojson';

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const POSITION = new RegExp(String.raw`(${NUM})\s+(${NUM})(?:\s+${NUM}){0,2}`, 'g');
/** Nesting depth of the position arrays of each type (a Point's coordinates are one position). */
const DEPTH = {
  POINT: 0,
  LINESTRING: 1,
  MULTIPOINT: 1,
  POLYGON: 2,
  MULTILINESTRING: 2,
  MULTIPOLYGON: 3,
} as const;
type WktType = keyof typeof DEPTH;
const GEOJSON_TYPE: Record<WktType, Geometry['type']> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  MULTIPOINT: 'MultiPoint',
  POLYGON: 'Polygon',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
};

/** Arrays nested `depth` levels above positions (a position: an array of 2 numbers), none empty. */
function nested(v: unknown, depth: number): boolean {
  if (!Array.isArray(v)) return false;
  if (depth === 0) return v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length > 0 && v.every((x) => nested(x, depth - 1));
}

/** The geometry of a WKT text, or a problem saying what is wrong with it. */
export function parseWkt(text: string): { geometry: Geometry } | { problem: string } {
  const m = /^\s*([A-Za-z]+)\s*(?:ZM|Z|M)?\s*(\(.*\)|EMPTY)\s*$/is.exec(text);
  const type = m?.[1].toUpperCase() as WktType | undefined;
  const bad = { problem: `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not WKT (e.g. POINT(116.9 31))` };
  if (!m || !type || !(type in DEPTH)) return bad;
  if (/^EMPTY$/i.test(m[2])) return { problem: `the WKT ${type} is empty` };
  const json = m[2]
    .replace(POSITION, (_, x: string, y: string) => `[${Number(x)},${Number(y)}]`)
    .replace(/\(/g, '[')
    .replace(/\)/g, ']');
  if (!/^[[\],\s\d.eE+-]*$/.test(json)) return bad;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return bad;
  }
  // POINT(x y) reads as [[x, y]]; MULTIPOINT((x y), (x y)) as [[[x, y]], …] — the other form is MULTIPOINT(x y, x y).
  if (type === 'POINT' && Array.isArray(v)) v = v.length === 1 ? v[0] : undefined;
  if (type === 'MULTIPOINT' && Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 1))
    v = v.map((p: unknown[]) => p[0]);
  if (!nested(v, DEPTH[type])) return bad;
  // Lines need two positions, rings four.
  const lines = type === 'LINESTRING' ? [v] : type === 'MULTILINESTRING' ? v : [];
  const rings = type === 'POLYGON' ? v : type === 'MULTIPOLYGON' ? (v as unknown[][]).flat() : [];
  if ((lines as unknown[][]).some((l) => l.length < 2)) return { problem: `a line of the WKT ${type} has one point` };
  if ((rings as unknown[][]).some((r) => r.length < 4))
    return { problem: `a ring of the WKT ${type} has fewer than 4 points` };
  return { geometry: { type: GEOJSON_TYPE[type], coordinates: v } as Geometry };
}

const pos = (p: Position) => `${p[0]} ${p[1]}`;
const list = (ps: Position[]) => `(${ps.map(pos).join(',')})`;

/** WKT of a GeoJSON geometry (no GeometryCollection), coordinates as given. */
export function toWkt(g: Geometry): string {
  switch (g.type) {
    case 'Point':
      return `POINT(${pos(g.coordinates)})`;
    case 'LineString':
      return `LINESTRING${list(g.coordinates)}`;
    case 'MultiPoint':
      return `MULTIPOINT${list(g.coordinates)}`;
    case 'Polygon':
      return `POLYGON(${g.coordinates.map(list).join(',')})`;
    case 'MultiLineString':
      return `MULTILINESTRING(${g.coordinates.map(list).join(',')})`;
    case 'MultiPolygon':
      return `MULTIPOLYGON(${g.coordinates.map((r) => `(${r.map(list).join(',')})`).join(',')})`;
    default:
      throw new Error(`toWkt: ${g.type} is not supported`);
  }
}
