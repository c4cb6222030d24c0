/**
 * Census components (部件) on the map, from two server tile layers whose zooms come from their TileJSON:
 * - `components` (from its minzoom): a circle per point component coloured by major class, a line or an outlined area
 *   for a component that is one; 破损/丢失 ringed in red, 废弃/移除 faded; a click opens the component panel
 *   (component-panel.ts);
 * - `component_counts` (from its minzoom up to where `components` starts): a labelled bubble per unit grid with the
 *   number of components in it.
 * The major classes' names come from the server's category dictionary (GET /api/categories?kind=component).
 */
import type { ExpressionSpecification, Map as MaplibreMap } from 'maplibre-gl';
import { tileJsonUrl } from '../api.js';
import { FONT_BOLD, COLORS, inGroup, tileSource, type StyleContext, type StylePart } from './common.js';

export const COMPONENT_POINT = 'component-point';
export const COMPONENT_LINE = 'component-line';
export const COMPONENT_AREA = 'component-area';
export const COMPONENT_SELECTED = 'component-selected';
export const COUNT_BUBBLE = 'component-count-bubble';
export const COUNT_LABEL = 'component-count-label';
/** The style layers a click on a component hits (a grid below is not selected then). */
export const COMPONENT_CLICK_LAYERS = [COMPONENT_POINT, COMPONENT_LINE, COMPONENT_AREA];

/** Colour per 2-digit major class (GB/T 47678.5: 01 市政公用设施 … 05 其他管理部件); others in OTHER_MAJOR_COLOR. */
export const MAJOR_COLORS: Record<string, string> = {
  '01': '#1971c2',
  '02': '#f59f00',
  '03': '#9c36b5',
  '04': '#2b8a3e',
  '05': '#5c6f82',
};
export const OTHER_MAJOR_COLOR = '#868e96';
/** Outline of a component needing attention. */
export const DAMAGED_COLOR = '#e03131';
export const DAMAGED_STATES = ['破损', '丢失'];
const FADED_STATES = ['废弃', '移除'];
export const COUNT_COLOR = '#1971c2';

const majorColor = [
  'match',
  ['get', 'major'],
  ...Object.entries(MAJOR_COLORS).flat(),
  OTHER_MAJOR_COLOR,
] as unknown as ExpressionSpecification;
const damaged: ExpressionSpecification = ['in', ['get', 'status'], ['literal', DAMAGED_STATES]];
const faded: ExpressionSpecification = ['in', ['get', 'status'], ['literal', FADED_STATES]];
const geometryIs = (...types: string[]): ExpressionSpecification => ['in', ['geometry-type'], ['literal', types]];

export function componentsStyle(ctx: StyleContext): StylePart {
  const part: StylePart = { sources: {}, layers: [] };
  const components = ctx.tiles.components;
  const counts = ctx.tiles.component_counts;
  if (counts) {
    part.sources.component_counts = tileSource(tileJsonUrl('component_counts'));
    // The bubbles give way to single components where their tiles start.
    const zooms = { minzoom: counts.minzoom, ...(components ? { maxzoom: components.minzoom } : {}) };
    const base = { source: 'component_counts', 'source-layer': 'component_counts', ...zooms, ...inGroup('components') };
    part.layers.push(
      {
        band: 'top',
        layer: {
          id: COUNT_BUBBLE,
          type: 'circle',
          ...base,
          paint: {
            'circle-color': COUNT_COLOR,
            'circle-opacity': 0.72,
            'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 7, 10, 18, 40, 32],
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 1.2,
          },
        },
      },
      {
        band: 'top',
        layer: {
          id: COUNT_LABEL,
          type: 'symbol',
          ...base,
          layout: {
            'text-field': ['to-string', ['get', 'count']],
            'text-font': FONT_BOLD,
            'text-size': 11,
            'text-allow-overlap': true,
          },
          paint: { 'text-color': '#ffffff' },
        },
      },
    );
  }
  if (!components) return part;
  part.sources.components = tileSource(tileJsonUrl('components'), 'code');
  const base = {
    source: 'components',
    'source-layer': 'components',
    minzoom: components.minzoom,
    ...inGroup('components'),
  };
  const opacity = ['case', faded, 0.4, 0.95] as ExpressionSpecification;
  part.layers.push(
    {
      band: 'top',
      layer: {
        id: COMPONENT_AREA,
        type: 'fill',
        ...base,
        filter: geometryIs('Polygon', 'MultiPolygon'),
        paint: {
          'fill-color': majorColor,
          'fill-opacity': ['case', faded, 0.12, 0.3],
          'fill-outline-color': ['case', damaged, DAMAGED_COLOR, majorColor],
        },
      },
    },
    {
      band: 'top',
      layer: {
        id: COMPONENT_LINE,
        type: 'line',
        ...base,
        filter: geometryIs('LineString', 'MultiLineString'),
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': ['case', damaged, DAMAGED_COLOR, majorColor],
          'line-width': ['interpolate', ['linear'], ['zoom'], 15, 2, 18, 4],
          'line-opacity': opacity,
        },
      },
    },
    {
      band: 'top',
      layer: {
        id: COMPONENT_POINT,
        type: 'circle',
        ...base,
        filter: geometryIs('Point', 'MultiPoint'),
        paint: {
          'circle-color': majorColor,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, 3.5, 18, 7],
          'circle-stroke-color': ['case', damaged, DAMAGED_COLOR, COLORS.halo] as ExpressionSpecification,
          'circle-stroke-width': ['case', damaged, 2.5, 1],
          'circle-opacity': opacity,
        },
      },
    },
    {
      band: 'top',
      layer: {
        id: COMPONENT_SELECTED,
        type: 'circle',
        ...base,
        filter: ['==', ['get', 'code'], ''],
        paint: {
          'circle-color': 'rgba(0,0,0,0)',
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, 8, 18, 13],
          'circle-stroke-color': COLORS.selected,
          'circle-stroke-width': 3,
        },
      },
    },
  );
  return part;
}

/** Rings the component with this code (none with null); for a line or an area the ring sits on its vertices. */
export function markComponent(map: MaplibreMap, code: string | null): void {
  if (map.getLayer(COMPONENT_SELECTED)) map.setFilter(COMPONENT_SELECTED, ['==', ['get', 'code'], code ?? '']);
}

/** Calls back with the code of a clicked component; pointer cursor over components. */
export function componentHandlers(map: MaplibreMap, onClick: (code: string) => void): void {
  for (const id of COMPONENT_CLICK_LAYERS) {
    map.on('click', id, (e) => {
      if (e.defaultPrevented) return; // taken by a point-picking mode (pick.ts)
      const code = e.features?.[0]?.properties?.code as string | undefined;
      if (code) onClick(String(code));
    });
    map.on('mouseenter', id, () => {
      map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', id, () => {
      map.getCanvas().style.cursor = '';
    });
  }
}

/** Whether a component is under this screen point (a click there is the component's, not the grid's). */
export function componentAt(map: MaplibreMap, point: { x: number; y: number }): boolean {
  const layers = COMPONENT_CLICK_LAYERS.filter((id) => map.getLayer(id));
  return layers.length > 0 && map.queryRenderedFeatures([point.x, point.y], { layers }).length > 0;
}
