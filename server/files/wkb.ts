/**
 * Well-Known Binary (OGC Simple Features / ISO 13249-3) and the GeoPackage geometry blob ("GeoPackageBinary":
 * a header with magic "GP", version, flags, srs_id and an optional envelope, then WKB; OGC 12-128r18 §2.1.3).
 *
 * Reading: Point, LineString, Polygon and their Multi forms and GeometryCollection, either byte order, 2D or with
 * Z and/or M (ISO type codes +1000/+2000/+3000 and the EWKB high bits), which are dropped. Writing: Polygon and
 * MultiPolygon, 2D, little-endian — all the region layers hold. Small on purpose: no library read both the GeoPackage
 * header and ISO Z/M codes without bringing a geometry model of its own.
 */
import type { Geometry, MultiPolygon, Polygon, Position } from 'geojson';

export class WkbError extends Error {}

const TYPES = [
  undefined,
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
  'GeometryCollection',
] as const;

class Reader {
  private view: DataView;
  pos: number;
  constructor(
    private bytes: Uint8Array,
    start = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }
  left(): number {
    return this.bytes.byteLength - this.pos;
  }
  need(n: number): void {
    if (this.pos + n > this.bytes.byteLength)
      throw new WkbError(`the geometry ends early (byte ${this.pos} of ${this.bytes.byteLength})`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  u32(le: boolean): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, le);
    this.pos += 4;
    return v;
  }
  f64(le: boolean): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, le);
    this.pos += 8;
    return v;
  }
}

function readGeometry(r: Reader, depth = 0): Geometry {
  if (depth > 8) throw new WkbError('the geometry is nested too deeply');
  const order = r.u8();
  if (order > 1) throw new WkbError(`byte order ${order} is neither 0 (big-endian) nor 1 (little-endian)`);
  const le = order === 1;
  const raw = r.u32(le);
  // EWKB flags (Z 0x80000000, M 0x40000000, SRID 0x20000000) or ISO thousands (Z +1000, M +2000, ZM +3000).
  let hasZ = (raw & 0x80000000) !== 0,
    hasM = (raw & 0x40000000) !== 0;
  if (raw & 0x20000000) r.u32(le); // an EWKB SRID: not ours to interpret
  const iso = raw & 0x0fffffff;
  const base = iso % 1000;
  const dims = Math.floor(iso / 1000);
  if (dims === 1 || dims === 3) hasZ = true;
  if (dims === 2 || dims === 3) hasM = true;
  const type = TYPES[base];
  if (!type || dims > 3) throw new WkbError(`WKB geometry type ${raw} is not a simple feature type`);
  const extra = (hasZ ? 1 : 0) + (hasM ? 1 : 0);
  const point = (): Position => {
    const x = r.f64(le),
      y = r.f64(le);
    for (let i = 0; i < extra; i++) r.f64(le);
    return [x, y];
  };
  const count = (what: string, min: number): number => {
    const n = r.u32(le);
    // Each item takes at least `min` bytes: a count larger than the bytes left means damage, not a reason to allocate.
    if (n * min > r.left()) throw new WkbError(`the ${what} count ${n} runs past the end of the geometry`);
    return n;
  };
  const points = (): Position[] => {
    const n = count('point', 16);
    return Array.from({ length: n }, point);
  };
  const rings = (): Position[][] => Array.from({ length: count('ring', 4) }, points);
  const parts = <T>(): T[] =>
    Array.from({ length: count('part', 5) }, () => readGeometry(r, depth + 1) as unknown as T);
  switch (type) {
    case 'Point':
      return { type, coordinates: point() };
    case 'LineString':
      return { type, coordinates: points() };
    case 'Polygon':
      return { type, coordinates: rings() };
    case 'MultiPoint':
      return { type, coordinates: parts<{ coordinates: Position }>().map((g) => g.coordinates) };
    case 'MultiLineString':
      return { type, coordinates: parts<{ coordinates: Position[] }>().map((g) => g.coordinates) };
    case 'MultiPolygon':
      return { type, coordinates: parts<{ coordinates: Position[][] }>().map((g) => g.coordinates) };
    case 'GeometryCollection':
      return { type, geometries: parts<Geometry>() };
  }
}

/** A WKB geometry as GeoJSON (coordinates untouched, Z and M dropped). Throws WkbError on damaged bytes. */
export function wkbToGeoJson(bytes: Uint8Array, start = 0): Geometry {
  return readGeometry(new Reader(bytes, start));
}

/** Envelope sizes (bytes) by the flags' envelope indicator (0: none, 1: xy, 2: xyz, 3: xym, 4: xyzm). */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/**
 * A GeoPackage geometry blob as GeoJSON, or null for an empty geometry. Throws WkbError when the blob is not a
 * GeoPackageBinary (or an ExtendedGeoPackageBinary it cannot read).
 */
export function gpkgToGeoJson(blob: Uint8Array): { geometry: Geometry | null; srsId: number } {
  if (blob.byteLength < 8 || blob[0] !== 0x47 || blob[1] !== 0x50)
    throw new WkbError('the geometry is not a GeoPackage geometry blob (no "GP" magic)');
  if (blob[2] !== 0) throw new WkbError(`GeoPackage geometry version ${blob[2]} is not 0 (1.x)`);
  const flags = blob[3];
  if (flags & 0x20) throw new WkbError('an ExtendedGeoPackageBinary geometry cannot be read');
  const le = (flags & 1) === 1;
  const envelope = (flags >> 1) & 7;
  if (envelope > 4) throw new WkbError(`GeoPackage envelope indicator ${envelope} is invalid`);
  const srsId = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getInt32(4, le);
  if (flags & 0x10) return { geometry: null, srsId };
  return { geometry: wkbToGeoJson(blob, 8 + ENVELOPE_BYTES[envelope]), srsId };
}

export type Polygonal = Polygon | MultiPolygon;

/** The polygons of a Polygon or MultiPolygon. */
export const polygonsOf = (g: Polygonal): Position[][][] => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates);

/** A MultiPolygon as little-endian 2D WKB (a Polygon is written as a MultiPolygon of one, as the layers store it). */
export function multiPolygonWkb(polygons: Position[][][]): Uint8Array {
  let size = 9;
  for (const rings of polygons) {
    size += 9;
    for (const ring of rings) size += 4 + ring.length * 16;
  }
  const out = new Uint8Array(size);
  writeMultiPolygon(new DataView(out.buffer), 0, polygons);
  return out;
}

function writeMultiPolygon(v: DataView, at: number, polygons: Position[][][]): number {
  v.setUint8(at, 1);
  v.setUint32(at + 1, 6, true);
  v.setUint32(at + 5, polygons.length, true);
  at += 9;
  for (const rings of polygons) {
    v.setUint8(at, 1);
    v.setUint32(at + 1, 3, true);
    v.setUint32(at + 5, rings.length, true);
    at += 9;
    for (const ring of rings) {
      v.setUint32(at, ring.length, true);
      at += 4;
      for (const p of ring) {
        v.setFloat64(at, p[0], true);
        v.setFloat64(at + 8, p[1], true);
        at += 16;
      }
    }
  }
  return at;
}

/** The 2D bounding box [minX, minY, maxX, maxY] of polygons. */
export function boundsOf(polygons: Position[][][]): [number, number, number, number] {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const rings of polygons)
    for (const ring of rings)
      for (const p of ring) {
        if (p[0] < x0) x0 = p[0];
        if (p[0] > x1) x1 = p[0];
        if (p[1] < y0) y0 = p[1];
        if (p[1] > y1) y1 = p[1];
      }
  return [x0, y0, x1, y1];
}

/** A GeoPackage geometry blob: little-endian header with an xy envelope, then the MultiPolygon's WKB. */
export function gpkgMultiPolygon(polygons: Position[][][], srsId: number): Uint8Array {
  const wkb = multiPolygonWkb(polygons);
  const out = new Uint8Array(8 + 32 + wkb.byteLength);
  const v = new DataView(out.buffer);
  out[0] = 0x47; // G
  out[1] = 0x50; // P
  out[2] = 0; // version 1
  out[3] = (1 << 1) | 1; // envelope [minx, maxx, miny, maxy], little-endian
  v.setInt32(4, srsId, true);
  const [x0, y0, x1, y1] = boundsOf(polygons);
  v.setFloat64(8, x0, true);
  v.setFloat64(16, x1, true);
  v.setFloat64(24, y0, true);
  v.setFloat64(32, y1, true);
  out.set(wkb, 40);
  return out;
}
