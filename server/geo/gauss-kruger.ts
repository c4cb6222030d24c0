/**
 * CGCS2000 3° Gauss–Krüger projections (EPSG:4513–4554), as census and survey files use them, through proj4.
 *
 * - EPSG:4513–4533: "3-degree Gauss-Kruger zone 25–45": the zone number stands in front of the easting
 *   (false easting zone × 1,000,000 + 500,000), central meridian 3° × zone (75°E–135°E).
 * - EPSG:4534–4554: "3-degree Gauss-Kruger CM 75E–135E": the same meridians, false easting 500,000 without the zone.
 * Transverse Mercator, scale 1, on the CGCS2000 ellipsoid (GRS80's a and 1/f to the precision that matters here).
 * Eastings are X, northings Y. Results are CGCS2000 lon/lat, stored as WGS84 (see crs.ts).
 */
import proj4 from 'proj4';

export const GK_EPSG_FIRST = 4513;
export const GK_EPSG_LAST = 4554;

/** The proj4 definition of an EPSG code in 4513–4554, or undefined for another code. */
export function gaussKrugerDefinition(epsg: number): string | undefined {
  if (!Number.isInteger(epsg) || epsg < GK_EPSG_FIRST || epsg > GK_EPSG_LAST) return undefined;
  const prefixed = epsg <= 4533;
  const zone = prefixed ? epsg - 4513 + 25 : epsg - 4534 + 25;
  const falseEasting = prefixed ? zone * 1_000_000 + 500_000 : 500_000;
  return `+proj=tmerc +lat_0=0 +lon_0=${zone * 3} +k=1 +x_0=${falseEasting} +y_0=0 +ellps=GRS80 +units=m +no_defs`;
}

/** Reads `EPSG:4547` (any case, with or without the prefix) into its number; undefined when it is not one of ours. */
export function parseGaussKruger(name: string): number | undefined {
  const m = /^(?:epsg:)?(\d{4})$/i.exec(name.trim());
  const epsg = m ? Number(m[1]) : NaN;
  return gaussKrugerDefinition(epsg) ? epsg : undefined;
}

const converters = new Map<number, proj4.Converter>();

function converter(epsg: number): proj4.Converter {
  let c = converters.get(epsg);
  if (!c) {
    const def = gaussKrugerDefinition(epsg);
    if (!def) throw new Error(`EPSG:${epsg} is not a CGCS2000 3° Gauss–Krüger projection (EPSG:4513–4554)`);
    c = proj4(def, 'EPSG:4326');
    converters.set(epsg, c);
  }
  return c;
}

/** Easting/northing in EPSG:`epsg` → [lon, lat] degrees. */
export function gaussKrugerToLonLat(epsg: number, x: number, y: number): [number, number] {
  const [lon, lat] = converter(epsg).forward([x, y]);
  return [lon, lat];
}

/** [lon, lat] degrees → easting/northing in EPSG:`epsg`. */
export function lonLatToGaussKruger(epsg: number, lon: number, lat: number): [number, number] {
  const [x, y] = converter(epsg).inverse([lon, lat]);
  return [x, y];
}
