/**
 * The coordinate system of a census or address file: WGS84/CGCS2000 lon/lat, GCJ-02 or BD-09 lon/lat, or CGCS2000 3°
 * Gauss–Krüger easting/northing (EPSG:4513–4554). Named by `--crs` / `?crs=`, or read from a Shapefile's .prj.
 * Every position is converted to WGS84 lon/lat (crs.ts; CGCS2000 is taken as WGS84 at the metre level).
 */
import { isCrsName, toWgs84, type CrsName } from './crs.js';
import { GK_EPSG_FIRST, gaussKrugerToLonLat, parseGaussKruger } from './gauss-kruger.js';

export type CensusCrs = { kind: 'lonlat'; name: CrsName } | { kind: 'gk'; epsg: number };

export const CRS_HELP =
  'wgs84, cgcs2000 (EPSG:4326, EPSG:4490), gcj02, bd09, or a CGCS2000 3° Gauss–Krüger projection EPSG:4513–4554';

/** `--crs` as given; undefined when it names nothing we convert. */
export function parseCensusCrs(value: string): CensusCrs | undefined {
  const v = value.trim().toLowerCase().replace(/[-_ ]/g, '');
  if (v === 'epsg:4326' || v === '4326') return { kind: 'lonlat', name: 'wgs84' };
  if (v === 'epsg:4490' || v === '4490') return { kind: 'lonlat', name: 'cgcs2000' };
  if (isCrsName(v)) return { kind: 'lonlat', name: v };
  const epsg = parseGaussKruger(value);
  return epsg === undefined ? undefined : { kind: 'gk', epsg };
}

export const describeCrs = (c: CensusCrs) => (c.kind === 'gk' ? `EPSG:${c.epsg}` : c.name);

/**
 * The CRS of an ESRI .prj (WKT1): the CGCS2000 3° Gauss–Krüger names ArcGIS writes ("CGCS2000_3_Degree_GK_CM_114E",
 * "CGCS2000_3_Degree_GK_Zone_38"), the CGCS2000 and WGS84 geographic systems. Undefined for anything else.
 */
export function crsFromPrj(prj: string): CensusCrs | undefined {
  // A GeoJSON's legacy crs member: urn:ogc:def:crs:EPSG::4547, EPSG:4490, urn:ogc:def:crs:OGC:1.3:CRS84.
  const epsg = /^(?:urn:ogc:def:crs:)?EPSG:+(\d{4,5})$/i.exec(prj.trim());
  if (epsg) return parseCensusCrs(`EPSG:${epsg[1]}`);
  if (/^urn:ogc:def:crs:OGC:1\.3:CRS84$/i.test(prj.trim())) return { kind: 'lonlat', name: 'wgs84' };
  const cm = /CGCS[_ ]?2000[_ ]3[_ ]Degree[_ ]GK[_ ]CM[_ ](\d{2,3})E/i.exec(prj);
  if (cm) {
    const meridian = Number(cm[1]);
    if (meridian % 3 === 0 && meridian >= 75 && meridian <= 135)
      return { kind: 'gk', epsg: GK_EPSG_FIRST + 21 + (meridian - 75) / 3 };
  }
  const zone = /CGCS[_ ]?2000[_ ]3[_ ]Degree[_ ]GK[_ ]Zone[_ ](\d{2})/i.exec(prj);
  if (zone) {
    const z = Number(zone[1]);
    if (z >= 25 && z <= 45) return { kind: 'gk', epsg: GK_EPSG_FIRST + (z - 25) };
  }
  if (/PROJCS/i.test(prj)) return undefined;
  if (/China[_ ]Geodetic[_ ]Coordinate[_ ]System[_ ]2000|CGCS[_ ]?2000/i.test(prj))
    return { kind: 'lonlat', name: 'cgcs2000' };
  if (/WGS[_ ]?(19)?84/i.test(prj)) return { kind: 'lonlat', name: 'wgs84' };
  return undefined;
}

/** Converts one position of the file's CRS to WGS84 [lon, lat]. */
export function toLonLat(crs: CensusCrs, x: number, y: number): [number, number] {
  if (crs.kind === 'gk') return gaussKrugerToLonLat(crs.epsg, x, y);
  if (crs.name === 'wgs84' || crs.name === 'cgcs2000') return [x, y];
  const p = toWgs84(x, y, crs.name);
  return [p.lon, p.lat];
}
