/** Small geometry helpers: bounding boxes and a label point inside a polygon. */
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';

export type BBox = [number, number, number, number];

function eachPosition(g: Geometry | null, fn: (p: Position) => void): void {
  if (!g) return;
  switch (g.type) {
    case 'Point':
      fn(g.coordinates);
      break;
    case 'MultiPoint':
    case 'LineString':
      g.coordinates.forEach(fn);
      break;
    case 'MultiLineString':
    case 'Polygon':
      g.coordinates.forEach((l) => l.forEach(fn));
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((p) => p.forEach((l) => l.forEach(fn)));
      break;
    case 'GeometryCollection':
      g.geometries.forEach((x) => eachPosition(x, fn));
      break;
  }
}

/** [west, south, east, north] of a geometry, feature or collection; null when it has no coordinates. */
export function bboxOf(x: Geometry | Feature | FeatureCollection): BBox | null {
  const b: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (p: Position) => {
    if (p[0] < b[0]) b[0] = p[0];
    if (p[1] < b[1]) b[1] = p[1];
    if (p[0] > b[2]) b[2] = p[0];
    if (p[1] > b[3]) b[3] = p[1];
  };
  if (x.type === 'FeatureCollection') x.features.forEach((f) => eachPosition(f.geometry, add));
  else if (x.type === 'Feature') eachPosition(x.geometry, add);
  else eachPosition(x, add);
  return Number.isFinite(b[0]) ? b : null;
}

function ringArea(ring: Position[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return Math.abs(a / 2);
}

/** Inside stretches [x0, x1] of a set of polygons on the horizontal line at y (even-odd rule per polygon). */
export function insideStretches(polygons: Position[][][], y: number): [number, number][] {
  const out: [number, number][] = [];
  for (const poly of polygons) {
    const xs: number[] = [];
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [x1, y1] = ring[j],
          [x2, y2] = ring[i];
        if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) out.push([xs[k], xs[k + 1]]);
  }
  return out;
}

/**
 * A point well inside a (multi)polygon to hang its label on: on the horizontal line through the centre of the
 * largest part's bounding box, the midpoint of the widest stretch that lies inside the polygon (holes excluded).
 * Cheap, deterministic and never outside the shape, unlike a centroid.
 */
export function labelPoint(g: Geometry | null): Position | null {
  if (!g) return null;
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  if (polygons.length === 0) return null;
  const poly = polygons.reduce((best, p) => (ringArea(p[0]) > ringArea(best[0]) ? p : best));
  const b = bboxOf({ type: 'Polygon', coordinates: poly });
  if (!b) return null;
  let best: Position | null = null;
  let bestWidth = -1;
  // Try a few scan lines around the middle; keep the widest inside stretch.
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
    const y = b[1] + (b[3] - b[1]) * t;
    for (const [x0, x1] of insideStretches([poly], y)) {
      if (x1 - x0 > bestWidth) {
        bestWidth = x1 - x0;
        best = [(x0 + x1) / 2, y];
      }
    }
  }
  return best ?? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

/** One labelled point per region feature, for the street and community name layers. */
export function labelPoints<P extends { code: string; name: string }>(
  fc: FeatureCollection<Geometry, P>,
): FeatureCollection {
  const features: Feature[] = [];
  for (const f of fc.features) {
    const p = labelPoint(f.geometry);
    if (p)
      features.push({
        type: 'Feature',
        properties: { code: f.properties.code, name: f.properties.name },
        geometry: { type: 'Point', coordinates: p },
      });
  }
  return { type: 'FeatureCollection', features };
}
