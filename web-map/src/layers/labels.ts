/**
 * Labels: street and community names, and grid codes (with names from z17).
 *
 * A symbol layer on a polygon vector-tile layer puts one label on every tile piece of a polygon, so a grid cut by
 * a tile edge would be labelled twice, off-centre. Instead the grid codes hang on a GeoJSON source of points, one
 * per grid code, rebuilt from the loaded grid tiles whenever the map settles at a zoom where codes show: the tile
 * pieces of one grid are merged along scan lines and the label goes in the middle of the widest inside stretch.
 * Street and community names use the full region geometries from the API (a handful of polygons).
 */
import type { Map as MaplibreMap, GeoJSONSource } from 'maplibre-gl';
import type { Feature, Geometry, Position } from 'geojson';
import { fetchRegions } from '../api.js';
import { insideStretches, labelPoints } from '../geo.js';
import {
  COLORS,
  emptyFc,
  FONT,
  FONT_BOLD,
  inGroup,
  type LayerGroup,
  type StyleContext,
  type StylePart,
} from './common.js';

/** Grid codes show from this zoom (a choice of the map, not a server fact), never below the grid tiles. */
export const GRID_LABEL_MINZOOM = 16;
/** deck.gl layers are inserted below this layer (under the labels, above the boundaries). */
export const DECK_BEFORE_ID = 'grid-label';

/** A region-name layer; `sizes` are the text-size curve's zoom/size stops. */
function nameLayer(
  id: string,
  group: LayerGroup,
  zoom: [number, number],
  font: string[],
  sizes: number[],
  color: string,
  halo: number,
) {
  return {
    band: 'label' as const,
    layer: {
      id,
      type: 'symbol' as const,
      source: `${id}s`,
      minzoom: zoom[0],
      maxzoom: zoom[1],
      ...inGroup(group),
      layout: {
        'text-field': ['get', 'name'] as never,
        'text-font': font,
        'text-size': ['interpolate', ['linear'], ['zoom'], ...sizes] as never,
        ...(group === 'streets' ? { 'text-letter-spacing': 0.1 } : { 'text-max-width': 8 }),
      },
      paint: { 'text-color': color, 'text-halo-color': COLORS.halo, 'text-halo-width': halo },
    },
  };
}

export function labelsStyle(ctx: StyleContext): StylePart {
  const gridMin = Math.max(GRID_LABEL_MINZOOM, ctx.tiles.grids?.minzoom ?? 0);
  const streetMin = ctx.tiles.streets?.minzoom ?? 0;
  return {
    sources: {
      'street-labels': { type: 'geojson', data: emptyFc },
      'community-labels': { type: 'geojson', data: emptyFc },
      'grid-labels': { type: 'geojson', data: emptyFc },
    },
    layers: [
      {
        band: 'label',
        layer: {
          id: DECK_BEFORE_ID,
          type: 'symbol',
          source: 'grid-labels',
          minzoom: gridMin,
          ...inGroup('grids'),
          layout: {
            // The 15-digit code; its name on a second line one zoom level later.
            'text-field': [
              'step',
              ['zoom'],
              ['get', 'code'],
              gridMin + 1,
              ['concat', ['get', 'code'], '\n', ['get', 'name']],
            ],
            'text-font': FONT,
            'text-size': ['interpolate', ['linear'], ['zoom'], gridMin, 10, gridMin + 2, 13],
            'text-line-height': 1.3,
            'text-max-width': 20,
            'text-padding': 1,
          },
          paint: { 'text-color': '#1d3f66', 'text-halo-color': COLORS.halo, 'text-halo-width': 1.4 },
        },
      },
      nameLayer('community-label', 'communities', [12, 16], FONT, [12, 12, 16, 15], '#0f5c4a', 1.6),
      nameLayer('street-label', 'streets', [streetMin, 14], FONT_BOLD, [9, 13, 13, 17], '#4d2368', 2),
    ],
  };
}

/** Merges overlapping stretches (tile pieces overlap by the tile buffer) and returns the widest. */
function widest(stretches: [number, number][]): [number, number] | null {
  if (stretches.length === 0) return null;
  stretches.sort((a, b) => a[0] - b[0]);
  let best: [number, number] | null = null;
  let cur: [number, number] = [...stretches[0]];
  const consider = (s: [number, number]) => {
    if (!best || s[1] - s[0] > best[1] - best[0]) best = s;
  };
  for (const s of stretches.slice(1)) {
    if (s[0] <= cur[1] + 1e-9) cur[1] = Math.max(cur[1], s[1]);
    else {
      consider(cur);
      cur = [...s];
    }
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
    if (!entry) pieces.set(code, (entry = { name: String(f.properties?.name ?? ''), polygons: [] }));
    entry.polygons.push(...polys);
  }
  const out: Feature[] = [];
  for (const [code, { name, polygons }] of pieces) {
    let s = Infinity,
      n = -Infinity;
    for (const p of polygons)
      for (const [, y] of p[0]) {
        if (y < s) s = y;
        if (y > n) n = y;
      }
    if (!Number.isFinite(s)) continue;
    let best: Position | null = null;
    let bestWidth = -1;
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      const y = s + (n - s) * t;
      const w = widest(insideStretches(polygons, y));
      if (w && w[1] - w[0] > bestWidth) {
        bestWidth = w[1] - w[0];
        best = [(w[0] + w[1]) / 2, y];
      }
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
      const layer = map.getLayer(DECK_BEFORE_ID);
      if (!layer || map.getZoom() < layer.minzoom - 0.5 || !map.getSource('grids')) return false;
      const features = gridLabelPoints(map);
      // Skip the upload when nothing changed (idle fires after every hover repaint too).
      const key = features
        .map((f) => {
          const [x, y] = (f.geometry as { coordinates: number[] }).coordinates;
          return `${(f.properties as { code: string }).code}@${x.toFixed(6)},${y.toFixed(6)}`;
        })
        .sort()
        .join(';');
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
