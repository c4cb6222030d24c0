/**
 * The hot spot map layer: the analysis answers joined onto the grid and community vector tiles by code, as feature
 * state — no geometry travels with the answer (a city of 100k grids is 21 MB without geometries, 40 MB with), and
 * the colours follow the tiles at every zoom. Grids use the tile property `code` as their id (the `grids` source
 * promotes it), communities the tile's feature id (their code as a number).
 *
 * One state key, `analysis`, holds a number per unit: the Gi* bin (−3…3) or the emerging category's ArcGIS code
 * (−8…8); the fill colour is a `match` on it with the palette of the mode. Units without the key (outside the
 * reader's scope, or no analysis) stay uncoloured. A changed map only sets the keys that changed.
 *
 * Its style layers are added when the 分析 panel first opens, above the region and grid fills and under the grid mesh
 * and boundaries, with the zooms of the base layers they colour (grids from the `grids` TileJSON minzoom).
 */
import type { GeoJSONSource, Map as MaplibreMap } from 'maplibre-gl';
import type { Feature } from 'geojson';
import { emptyFc } from '../layers/common.js';
import type { Level } from './api.js';

/** The ArcGIS Hot Spot Analysis palette (Gi_Bin): red hot, pale yellow not significant, blue cold. */
export const BINS: { bin: number; color: string; label: string }[] = [
  { bin: 3, color: '#d62f27', label: '热点 · 99% 置信度' },
  { bin: 2, color: '#ed7551', label: '热点 · 95% 置信度' },
  { bin: 1, color: '#fab984', label: '热点 · 90% 置信度' },
  { bin: 0, color: '#ffffbf', label: '不显著' },
  { bin: -1, color: '#c0ccbe', label: '冷点 · 90% 置信度' },
  { bin: -2, color: '#849eba', label: '冷点 · 95% 置信度' },
  { bin: -3, color: '#4575b5', label: '冷点 · 99% 置信度' },
];

/**
 * Colours of the emerging categories by ArcGIS code (labels come from the server): hot reds, strongest for what is
 * hot now and rising, paler for what is fading; cold the same in blues; no pattern (0) uncoloured.
 */
export const CATEGORY_COLORS: Record<number, string> = {
  1: '#e31a1c', // new
  2: '#fc4e2a', // consecutive
  3: '#800026', // intensifying
  4: '#bd0026', // persistent
  5: '#fd8d3c', // diminishing
  6: '#feb24c', // sporadic
  7: '#fed976', // oscillating
  8: '#f2c6bd', // historical
  [-1]: '#1f78b4',
  [-2]: '#3f8fc9',
  [-3]: '#08306b',
  [-4]: '#08519c',
  [-5]: '#6baed6',
  [-6]: '#9ecae1',
  [-7]: '#c6dbef',
  [-8]: '#c9d3e0',
};

export type Palette = 'bins' | 'categories';

const KEY = 'analysis';
const NONE = -99;
const FILL_OPACITY = 0.75;

interface Target {
  layer: string;
  source: string;
  sourceLayer: string;
  /** The feature id of a unit code in the tiles. */
  id: (code: string) => string | number;
}

const TARGETS: Record<Level, Target> = {
  grid: { layer: 'analysis-grid-fill', source: 'grids', sourceLayer: 'grids', id: (code) => code },
  community: {
    layer: 'analysis-community-fill',
    source: 'communities',
    sourceLayer: 'communities',
    id: (code) => Number(code),
  },
};
const FOCUS = 'analysis-focus';

function colorExpression(palette: Palette): unknown {
  const pairs =
    palette === 'bins'
      ? BINS.flatMap((b) => [b.bin, b.color])
      : Object.entries(CATEGORY_COLORS).flatMap(([code, color]) => [Number(code), color]);
  return ['match', ['coalesce', ['feature-state', KEY], NONE], ...pairs, 'rgba(0,0,0,0)'];
}

export interface AnalysisLayer {
  /** Whether the map has the tiles of this level (a server without the `communities` layer has none). */
  has(level: Level): boolean;
  /** The zoom from which the level's units are drawn (its tile layer's minzoom). */
  minzoom(level: Level): number;
  /** Colours the units of a level: code → bin or category code; every other unit of any level loses its colour. */
  show(level: Level, values: Map<string, number>, palette: Palette): void;
  /** The value a unit shows now (for tests), or null. */
  valueOf(level: Level, code: string): number | null;
  /** Removes every colour. */
  clear(): void;
  /** Outlines one unit (the top list's choice), or nothing. */
  focus(f: Feature | null): void;
}

export function createAnalysisLayer(map: MaplibreMap): AnalysisLayer {
  const shown = new Map<string, number>();
  let shownLevel: Level | null = null;
  let added = false;

  /** The layer's place: above the fills, under the grid mesh (else the community boundaries, else the top). */
  const beforeId = () => ['grid-line', 'community-line', 'street-casing'].find((id) => map.getLayer(id));

  function addLayers(): void {
    if (added) return;
    added = true;
    for (const t of Object.values(TARGETS)) {
      if (!map.getSource(t.source)) continue;
      const base = map.getLayer(t.source === 'grids' ? 'grid-fill' : 'community-fill');
      map.addLayer(
        {
          id: t.layer,
          type: 'fill',
          source: t.source,
          'source-layer': t.sourceLayer,
          minzoom: base?.minzoom ?? 0,
          paint: {
            'fill-color': colorExpression('bins') as never,
            'fill-opacity': ['case', ['==', ['coalesce', ['feature-state', KEY], NONE], NONE], 0, FILL_OPACITY],
          },
        },
        beforeId(),
      );
    }
    map.addSource(FOCUS, { type: 'geojson', data: emptyFc });
    map.addLayer({
      id: FOCUS,
      type: 'line',
      source: FOCUS,
      paint: { 'line-color': '#111827', 'line-width': 3, 'line-dasharray': [2, 1] },
    });
  }

  const state = (level: Level, code: string) => {
    const t = TARGETS[level];
    return { source: t.source, sourceLayer: t.sourceLayer, id: t.id(code) };
  };

  function clear(): void {
    if (shownLevel && map.getSource(TARGETS[shownLevel].source)) {
      for (const code of shown.keys()) map.removeFeatureState(state(shownLevel, code), KEY);
    }
    shown.clear();
    shownLevel = null;
  }

  return {
    has: (level) => !!map.getSource(TARGETS[level].source),
    minzoom: (level) => map.getLayer(level === 'grid' ? 'grid-fill' : 'community-fill')?.minzoom ?? 0,
    show(level, values, palette) {
      addLayers();
      if (shownLevel !== level) clear();
      shownLevel = level;
      const t = TARGETS[level];
      if (!map.getSource(t.source)) return;
      map.setPaintProperty(t.layer, 'fill-color', colorExpression(palette) as never);
      for (const code of [...shown.keys()]) {
        if (!values.has(code)) {
          map.removeFeatureState(state(level, code), KEY);
          shown.delete(code);
        }
      }
      for (const [code, v] of values) {
        if (shown.get(code) === v) continue;
        map.setFeatureState(state(level, code), { [KEY]: v });
        shown.set(code, v);
      }
    },
    valueOf: (level, code) => (shownLevel === level ? (shown.get(code) ?? null) : null),
    clear() {
      clear();
      if (added) (map.getSource(FOCUS) as GeoJSONSource | undefined)?.setData(emptyFc);
    },
    focus(f) {
      addLayers();
      (map.getSource(FOCUS) as GeoJSONSource | undefined)?.setData(f ?? emptyFc);
    },
  };
}
