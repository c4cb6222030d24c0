/**
 * The coordinate system of a data file (component census, address gazetteer, regions and grids): WGS84/CGCS2000
 * lon/lat, GCJ-02 or BD-09 lon/lat, or CGCS2000 3° Gauss–Krüger easting/northing (EPSG:4513–4554). Named by
 * `--crs` / `?crs=`, or read from a Shapefile's .prj or a GeoPackage's gpkg_spatial_ref_sys. Every position is
 * converted to WGS84 lon/lat (crs.ts; CGCS2000 is taken as WGS84 at the metre level), and back for exports, whose
 * .prj and GeoPackage definitions are written here too.
 */
import { fromWgs84, isCrsName, toWgs84, type CrsName } from './crs.js';
import { GK_EPSG_FIRST, gaussKrugerToLonLat, lonLatToGaussKruger, parseGaussKruger } from './gauss-kruger.js';

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
  // The OGC/EPSG names (a GeoPackage's gpkg_spatial_ref_sys): "CGCS2000 / 3-degree Gauss-Kruger CM 114E", "… zone 38".
  const ogcCm = /CGCS[_ ]?2000 \/ 3-degree Gauss-Kruger CM (\d{2,3})E/i.exec(prj);
  if (ogcCm) return crsFromPrj(`CGCS2000_3_Degree_GK_CM_${ogcCm[1]}E`);
  const ogcZone = /CGCS[_ ]?2000 \/ 3-degree Gauss-Kruger zone (\d{2})/i.exec(prj);
  if (ogcZone) return crsFromPrj(`CGCS2000_3_Degree_GK_Zone_${ogcZone[1]}`);
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

/** [lon, lat] (WGS84 / CGCS2000) → the CRS's coordinates: the inverse of toLonLat. */
export function fromLonLat(crs: CensusCrs, lon: number, lat: number): [number, number] {
  if (crs.kind === 'gk') return lonLatToGaussKruger(crs.epsg, lon, lat);
  if (crs.name === 'wgs84' || crs.name === 'cgcs2000') return [lon, lat];
  const p = fromWgs84(lon, lat, crs.name);
  return [p.lon, p.lat];
}

/** The EPSG code of a CRS, when it has one (GCJ-02 and BD-09 have none). */
export function epsgOf(crs: CensusCrs): number | undefined {
  if (crs.kind === 'gk') return crs.epsg;
  return crs.name === 'wgs84' ? 4326 : crs.name === 'cgcs2000' ? 4490 : undefined;
}

/** Central meridian, false easting and zone number of a CGCS2000 3° Gauss–Krüger EPSG code (4513–4554). */
function gkParameters(epsg: number): { cm: number; falseEasting: number; zone?: number } {
  const prefixed = epsg < GK_EPSG_FIRST + 21;
  const zone = prefixed ? epsg - GK_EPSG_FIRST + 25 : epsg - GK_EPSG_FIRST - 21 + 25;
  return prefixed ? { cm: zone * 3, falseEasting: zone * 1e6 + 5e5, zone } : { cm: zone * 3, falseEasting: 5e5 };
}

const ESRI_GCS_CGCS2000 =
  'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';
const ESRI_GCS_WGS84 =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';

/** The ESRI WKT1 of a CRS, as ArcGIS and GDAL write it into a Shapefile's .prj (and crsFromPrj reads it back). */
export function esriWkt(crs: CensusCrs): string {
  if (crs.kind === 'lonlat') {
    if (crs.name === 'wgs84') return ESRI_GCS_WGS84;
    if (crs.name === 'cgcs2000') return ESRI_GCS_CGCS2000;
    throw new RangeError(`${crs.name} has no WKT`);
  }
  const { cm, falseEasting, zone } = gkParameters(crs.epsg);
  const name = zone ? `CGCS2000_3_Degree_GK_Zone_${zone}` : `CGCS2000_3_Degree_GK_CM_${cm}E`;
  return (
    `PROJCS["${name}",${ESRI_GCS_CGCS2000},PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",${falseEasting.toFixed(1)}],` +
    `PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",${cm.toFixed(1)}],PARAMETER["Scale_Factor",1.0],` +
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
  );
}

const OGC_GCS_CGCS2000 =
  'GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]]';
const OGC_GCS_WGS84 =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

/** The OGC WKT1 (with EPSG authorities) and name of a CRS, as a GeoPackage's gpkg_spatial_ref_sys holds it. */
export function ogcWkt(crs: CensusCrs): { name: string; wkt: string } {
  if (crs.kind === 'lonlat') {
    if (crs.name === 'wgs84') return { name: 'WGS 84', wkt: OGC_GCS_WGS84 };
    if (crs.name === 'cgcs2000')
      return {
        name: 'China Geodetic Coordinate System 2000',
        wkt: `${OGC_GCS_CGCS2000},AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]`,
      };
    throw new RangeError(`${crs.name} has no WKT`);
  }
  const { cm, falseEasting, zone } = gkParameters(crs.epsg);
  const name = `CGCS2000 / 3-degree Gauss-Kruger ${zone ? `zone ${zone}` : `CM ${cm}E`}`;
  return {
    name,
    wkt:
      `PROJCS["${name}",${OGC_GCS_CGCS2000},AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],` +
      `PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",${cm}],PARAMETER["scale_factor",1],` +
      `PARAMETER["false_easting",${falseEasting}],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],` +
      `AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","${crs.epsg}"]]`,
  };
}
