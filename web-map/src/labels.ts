/**
 * Label points.
 *
 * A symbol layer on a polygon vector-tile layer puts one label on every tile piece of a polygon, so a grid cut by
 * a tile edge would be labelled twice, off-centre. Instead the grid codes hang on a GeoJSON source of points, one
 * per grid code, rebuilt from the loaded grid tiles whenever the map settles at a zoom where codes show: the tile
 * pieces of one grid are merged along scan lines and the label goes in the middle of the widest inside stretch.
 * Street and community names use the full region geometries from the API (a handful of polygons).
 */
import type { Map as MaplibreMap, GeoJSONSource } from 'maplibre-gl';
import type { Feature, Geometry, Position } from 'geojson';
import { fetchRegions } from './api.js';
import { insideStretches, labelPoints } from './geo.js';
import { MINZOOM } from './style.js';

/** Merges overlapping stretches (tile pieces overlap by the tile buffer) and returns the widest. */
function widest(stretches: [number, number][]): [number, number] | null {
  if (stretches.length === 0) return null;
  stretches.sort((a, b) => a[0] - b[0]);
  let best: [number, number] | null = null;
  let cur: [number, number] = [...stretches[0]];
  const consider = (s: [number, number]) => { if (!best || s[1] - s[0] > best[1] - best[0]) best = s; };
  for (const s of stretches.slice(1)) {
    if (s[0] <= cur[1] + 1e-9) cur[1] = Math.max(cur[1], s[1]);
    else { consider(cur); cur = [...s]; }
  }
  consider(cur);
  return best;
}

/** One label point per grid code from the grid tiles the map has loaded. */
export function gridLabelPoints(map: MaplibreMap): Feature[] {
  const pieces = new Map<string, { name: string; polygons: Position[][][] }>();
  for (const f of map.querySourceFeatures('grids', { sourceLayer: 'grids' })) {
    const code = f.properties?.code as string | undefined;
    const g = f.geometry as Geometry;
    if (!code) continue;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    let entry = pieces.get(code);
    if (!entry) pieces.set(code, entry = { name: String(f.properties?.name ?? ''), polygons: [] });
    entry.polygons.push(...polys);
  }
  const out: Feature[] = [];
  for (const [code, { name, polygons }] of pieces) {
    let s = Infinity, n = -Infinity;
    for (const p of polygons) for (const [, y] of p[0]) { if (y < s) s = y; if (y > n) n = y; }
    if (!Number.isFinite(s)) continue;
    let best: Position | null = null;
    let bestWidth = -1;
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      const y = s + (n - s) * t;
      const w = widest(insideStretches(polygons, y));
      if (w && w[1] - w[0] > bestWidth) { bestWidth = w[1] - w[0]; best = [(w[0] + w[1]) / 2, y]; }
    }
    if (best) out.push({ type: 'Feature', properties: { code, name }, geometry: { type: 'Point', coordinates: best } });
  }
  return out;
}

/**
 * Keeps the grid-code label points in step with the loaded grid tiles: call `update()` whenever the map is idle.
 * It returns true when it changed the points (the map then loads them and goes idle once more).
 */
export function gridLabelTracker(map: MaplibreMap): { update(): boolean } {
  let last = '';
  return {
    update() {
      if (map.getZoom() < MINZOOM.gridLabels - 0.5 || !map.getSource('grids')) return false;
      const features = gridLabelPoints(map);
      // Skip the upload when nothing changed (idle fires after every hover repaint too).
      const key = features.map((f) => {
        const [x, y] = (f.geometry as { coordinates: number[] }).coordinates;
        return `${(f.properties as { code: string }).code}@${x.toFixed(6)},${y.toFixed(6)}`;
      }).sort().join(';');
      if (key === last) return false;
      last = key;
      (map.getSource('grid-labels') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
      return true;
    },
  };
}

/** Loads the street and community name points (once; the region set is small). Resolves to their counts. */
export async function loadRegionLabels(map: MaplibreMap): Promise<{ streets: number; communities: number }> {
  const [streets, communities] = await Promise.all([fetchRegions('street'), fetchRegions('community')]);
  (map.getSource('street-labels') as GeoJSONSource).setData(labelPoints(streets));
  (map.getSource('community-labels') as GeoJSONSource).setData(labelPoints(communities));
  return { streets: streets.features.length, communities: communities.features.length };
}
