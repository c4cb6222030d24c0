/**
 * Coordinate reference systems of incoming reports and conversion to the stored one (WGS84 / CGCS2000).
 *
 * - `wgs84`: GPS. Stored as is.
 * - `cgcs2000`: China Geodetic Coordinate System 2000 (天地图, surveying). Treated as identical to WGS84: the two
 *   realisations differ by well under a metre, below the precision of any report location.
 * - `gcj02`: GCJ-02 "火星坐标" (Amap/高德, Tencent/腾讯, Google China). WGS84 plus a deliberate, non-linear offset of
 *   a few hundred metres, applied only inside a box around China (outside it GCJ-02 = WGS84). The forward formula
 *   is the widely used public reconstruction (Krasovsky ellipsoid, transformlat/transformlng polynomials around
 *   lng 105, lat 35).
 * - `bd09`: BD-09 (Baidu/百度), a further rotation/scale-like offset on top of GCJ-02.
 *
 * The forward directions (WGS84 → GCJ-02 → BD-09) are exact by definition. The inverses are not closed-form: the
 * usual one-step formula (2p − f(p)) is off by up to about a metre, so `gcj02ToWgs84` and `bd09ToWgs84` iterate
 * p ← p + (g − f(p)) against the forward chain until the residual is below 1e-11° (~1 µm); the round-trip error is
 * then far below a millimetre. The offset's Jacobian is within a few percent of the identity, so this converges in
 * a handful of steps (capped at 30; the iterate with the smallest residual is returned). Along the edges of the China
 * box, where the forward map jumps, the inverses prefer the preimage inside the box (see `gcj02ToWgs84`).
 */

export const CRS_NAMES = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;
export type CrsName = (typeof CRS_NAMES)[number];

export function isCrsName(value: unknown): value is CrsName {
  return typeof value === 'string' && (CRS_NAMES as readonly string[]).includes(value);
}

/** Box (degrees, inclusive) inside which GCJ-02 differs from WGS84. */
export const GCJ_BOX = { west: 73.66, south: 3.86, east: 135.05, north: 53.55 } as const;

/** Earth radius (m) of the mean sphere used by `distanceMetres` (IUGG mean radius R1). */
export const EARTH_RADIUS_M = 6371008.8;

const PI = Math.PI;
const X_PI = (PI * 3000.0) / 180.0;
/** Krasovsky 1940 semi-major axis and first eccentricity squared, as in the GCJ-02 reconstruction. */
const A = 6378245.0;
// eslint-disable-next-line no-loss-of-precision
const EE = 0.00669342162296594323;

/** Residual (degrees) at which the iterated inverses stop; 1e-11° ≈ 1 µm. */
const INVERSE_TOLERANCE_DEG = 1e-11;
const INVERSE_MAX_ITERATIONS = 30;

export function inGcjBox(lon: number, lat: number): boolean {
  return lon >= GCJ_BOX.west && lon <= GCJ_BOX.east && lat >= GCJ_BOX.south && lat <= GCJ_BOX.north;
}

function transformLat(x: number, y: number): number {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0;
  ret += ((160.0 * Math.sin((y / 12.0) * PI) + 320 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
  return ret;
}

function transformLng(x: number, y: number): number {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0;
  ret += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
  return ret;
}

/** WGS84 → GCJ-02 (identity outside `GCJ_BOX`). */
export function wgs84ToGcj02(lon: number, lat: number): [number, number] {
  return inGcjBox(lon, lat) ? gcjFormula(lon, lat) : [lon, lat];
}

/** The GCJ-02 offset formula without the box test. */
function gcjFormula(lon: number, lat: number): [number, number] {
  let dLat = transformLat(lon - 105.0, lat - 35.0);
  let dLng = transformLng(lon - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * PI);
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * PI);
  return [lon + dLng, lat + dLat];
}

/** GCJ-02 → BD-09 (exact, by definition). */
export function gcj02ToBd09(lon: number, lat: number): [number, number] {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/**
 * BD-09 → GCJ-02, the customary closed-form approximation (evaluates the perturbation at the BD point instead of
 * the GCJ point; a few centimetres to decimetres off). Use `bd09ToWgs84` for an accurate result.
 */
export function bd09ToGcj02(lon: number, lat: number): [number, number] {
  const x = lon - 0.0065;
  const y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  return [z * Math.cos(theta), z * Math.sin(theta)];
}

/** WGS84 → BD-09 (exact, by definition: WGS84 → GCJ-02 → BD-09). */
export function wgs84ToBd09(lon: number, lat: number): [number, number] {
  const [gLon, gLat] = wgs84ToGcj02(lon, lat);
  return gcj02ToBd09(gLon, gLat);
}

/**
 * Solves forward(p) = target by the fixed-point iteration p ← p + (target − forward(p)), starting from `start`.
 * Stops when the residual is below INVERSE_TOLERANCE_DEG (or after INVERSE_MAX_ITERATIONS) and returns the
 * iterate with the smallest residual seen.
 */
function invert(
  forward: (lon: number, lat: number) => [number, number],
  targetLon: number,
  targetLat: number,
  start: [number, number],
): [number, number] {
  let [lon, lat] = start;
  let best: [number, number] = [lon, lat];
  let bestResidual = Infinity;
  for (let i = 0; i < INVERSE_MAX_ITERATIONS; i++) {
    const [fLon, fLat] = forward(lon, lat);
    const dLon = targetLon - fLon;
    const dLat = targetLat - fLat;
    const residual = Math.max(Math.abs(dLon), Math.abs(dLat));
    if (residual < bestResidual) {
      bestResidual = residual;
      best = [lon, lat];
    }
    if (!(residual >= INVERSE_TOLERANCE_DEG)) break; // also stops on NaN
    lon += dLon;
    lat += dLat;
  }
  return best;
}

/**
 * Whether the in-box branch of an inverse applies: the preimage can only lie in `GCJ_BOX` when the input is within
 * the largest offset (well under 0.01°) of it.
 */
function nearGcjBox(lon: number, lat: number): boolean {
  const m = 0.05;
  return lon >= GCJ_BOX.west - m && lon <= GCJ_BOX.east + m && lat >= GCJ_BOX.south - m && lat <= GCJ_BOX.north + m;
}

/**
 * GCJ-02 → WGS84, iterated to ~1 µm (see the module comment). Outside `GCJ_BOX` GCJ-02 is WGS84, but along the
 * box's edges the forward map is not one-to-one (a point just inside may be moved just outside, onto the image of
 * an outside point) and leaves small gaps; this inverse prefers the preimage inside the box whenever one exists, so
 * `gcj02ToWgs84(...wgs84ToGcj02(p))` returns p for every p in the box, and is the identity otherwise.
 */
export function gcj02ToWgs84(lon: number, lat: number): [number, number] {
  if (nearGcjBox(lon, lat)) {
    const p = invert(gcjFormula, lon, lat, [lon, lat]);
    if (inGcjBox(p[0], p[1])) return p;
  }
  return [lon, lat];
}

/**
 * BD-09 → WGS84, iterated against the exact forward chain WGS84 → GCJ-02 → BD-09 (same edge rule as
 * `gcj02ToWgs84`: the preimage inside `GCJ_BOX` is preferred).
 */
export function bd09ToWgs84(lon: number, lat: number): [number, number] {
  // Start from the closed-form approximation; the iteration then removes its error and the GCJ-02 inverse's.
  const start = bd09ToGcj02(lon, lat);
  if (nearGcjBox(start[0], start[1])) {
    const p = invert(
      (x, y) => {
        const g = gcjFormula(x, y);
        return gcj02ToBd09(g[0], g[1]);
      },
      lon,
      lat,
      start,
    );
    if (inGcjBox(p[0], p[1])) return p;
  }
  return invert(gcj02ToBd09, lon, lat, start);
}

type Convert = (lon: number, lat: number) => [number, number];
const same: Convert = (lon, lat) => [lon, lat];
const TO_WGS84: Record<CrsName, Convert> = { wgs84: same, cgcs2000: same, gcj02: gcj02ToWgs84, bd09: bd09ToWgs84 };
const FROM_WGS84: Record<CrsName, Convert> = { wgs84: same, cgcs2000: same, gcj02: wgs84ToGcj02, bd09: wgs84ToBd09 };

function convert(
  table: Record<CrsName, Convert>,
  lon: number,
  lat: number,
  crs: CrsName,
): { lon: number; lat: number } {
  const f = Object.hasOwn(table, crs) ? table[crs] : undefined;
  if (!f) throw unknownCrs(crs as never);
  const p = f(lon, lat);
  return { lon: p[0], lat: p[1] };
}

/** A point given in `crs` → WGS84 / CGCS2000 (the stored system). */
export const toWgs84 = (lon: number, lat: number, crs: CrsName) => convert(TO_WGS84, lon, lat, crs);

/** A WGS84 / CGCS2000 point → `crs` (for showing a stored point on an Amap or Baidu map). */
export const fromWgs84 = (lon: number, lat: number, crs: CrsName) => convert(FROM_WGS84, lon, lat, crs);

function unknownCrs(crs: never): RangeError {
  return new RangeError(
    `unknown coordinate reference system: ${String(crs)} (expected one of ${CRS_NAMES.join(', ')})`,
  );
}

/** Great-circle distance in metres (haversine on a sphere of radius EARTH_RADIUS_M). */
export function distanceMetres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const rad = PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** How far (m) GCJ-02 moves a WGS84 point (0 outside `GCJ_BOX`). */
export function gcjOffsetMetres(lon: number, lat: number): number {
  const [gLon, gLat] = wgs84ToGcj02(lon, lat);
  return distanceMetres(lon, lat, gLon, gLat);
}
