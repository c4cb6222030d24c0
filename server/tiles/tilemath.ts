/** Web-Mercator tile arithmetic (XYZ scheme, y down from the north), shared by the encoders, TileJSON and the bench. */

/** Tile extent (coordinate units per tile side) of every tile we write. */
export const EXTENT = 4096;
/** Extra units kept around each tile so lines and polygon edges continue past the tile border. */
export const BUFFER = 64;
/** Highest zoom served. */
export const MAX_ZOOM = 22;
/** Width of the whole Web-Mercator world in metres (2πR, R = 6378137). */
export const WORLD_M = 2 * Math.PI * 6378137;
/** Latitude limit of Web Mercator. */
export const MAX_LAT = 85.0511287798066;

export type Bbox = [west: number, south: number, east: number, north: number];

/** Why z/x/y is not a tile (z must already be an integer 0..MAX_ZOOM), or undefined when it is one. */
export function tileProblem(z: number, x: number, y: number): string | undefined {
  const n = 2 ** z;
  const bad = [
    ['x', x],
    ['y', y],
  ]
    .filter(([, v]) => (v as number) >= n)
    .map(([k]) => k);
  if (bad.length === 0) return undefined;
  return `${bad.join(' and ')} must be in 0..${n - 1} at zoom ${z} (got x=${x}, y=${y})`;
}

const lon = (tx: number, n: number) => (tx / n) * 360 - 180;
const lat = (ty: number, n: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / n))) * 180) / Math.PI;

/**
 * The tile's envelope in lon/lat (EPSG:4326), grown by `buffer` tile units on every side and clamped to the
 * world. A Mercator rectangle is a lon/lat rectangle, so this is exact (no ST_Transform of a polygon whose
 * buffered corners cross ±180°, which PROJ would wrap to the other side of the world).
 */
export function tileBbox(z: number, x: number, y: number, buffer = 0): Bbox {
  const n = 2 ** z;
  const b = buffer / EXTENT;
  return [
    Math.max(-180, lon(x - b, n)),
    Math.max(-90, lat(y + 1 + b, n)),
    Math.min(180, lon(x + 1 + b, n)),
    Math.min(90, lat(y - b, n)),
  ];
}

/** Width of a tile at zoom z in Web-Mercator metres. */
export function tileSizeM(z: number): number {
  return WORLD_M / 2 ** z;
}

/** The tile containing a lon/lat point at zoom z. */
export function tileOf(lonDeg: number, latDeg: number, z: number): [x: number, y: number] {
  const n = 2 ** z;
  const la = (Math.max(-MAX_LAT, Math.min(MAX_LAT, latDeg)) * Math.PI) / 180;
  const x = Math.floor(((lonDeg + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(la) + 1 / Math.cos(la)) / Math.PI) / 2) * n);
  return [Math.min(n - 1, Math.max(0, x)), Math.min(n - 1, Math.max(0, y))];
}

/** Every tile at zoom z that touches a lon/lat bbox, row by row from the north-west. */
export function tilesCovering(bbox: Bbox, z: number): [z: number, x: number, y: number][] {
  const [x0, y0] = tileOf(bbox[0], bbox[3], z);
  const [x1, y1] = tileOf(bbox[2], bbox[1], z);
  const out: [number, number, number][] = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out.push([z, x, y]);
  return out;
}

/** A zoom at which the bbox fills about two 512-px tiles (TileJSON `center` hint), clamped to [min, max]. */
export function fitZoom(bbox: Bbox, min: number, max: number): number {
  const dx = Math.max(bbox[2] - bbox[0], 1e-9);
  const merc = (la: number) =>
    Math.log(Math.tan(Math.PI / 4 + (Math.max(-MAX_LAT, Math.min(MAX_LAT, la)) * Math.PI) / 360));
  const dy = Math.max((merc(bbox[3]) - merc(bbox[1])) * (180 / Math.PI), 1e-9);
  const z = Math.floor(Math.log2((2 * 360) / Math.max(dx, dy)));
  return Math.max(min, Math.min(max, z));
}
