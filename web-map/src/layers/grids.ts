/**
 * Unit grids (单元网格) from the server's vector tiles, from the `grids` TileJSON `minzoom`: a thin blue mesh whose
 * cells light up under the pointer, and the selected grid (from the API's full geometry) in orange.
 */
import type { GeoJSONSource, Map as MaplibreMap } from 'maplibre-gl';
import { tileJsonUrl, type GridFeature } from '../api.js';
import { COLORS, emptyFc, inGroup, tileSource, type StyleContext, type StylePart } from './common.js';

export const GRID_FILL = 'grid-fill';

export function gridsStyle(ctx: StyleContext): StylePart {
  const part: StylePart = {
    sources: { selection: { type: 'geojson', data: emptyFc } },
    layers: [
      {
        band: 'selection',
        layer: {
          id: 'selection-fill',
          type: 'fill',
          source: 'selection',
          paint: { 'fill-color': COLORS.selectedFill, 'fill-opacity': 0.4 },
        },
      },
      {
        band: 'selection',
        layer: {
          id: 'selection-line',
          type: 'line',
          source: 'selection',
          layout: { 'line-join': 'round' },
          paint: { 'line-color': COLORS.selected, 'line-width': 3 },
        },
      },
    ],
  };
  const grids = ctx.tiles.grids;
  if (!grids) return part;
  part.sources.grids = tileSource(tileJsonUrl('grids'), 'code');
  part.layers.push(
    {
      band: 'fill',
      layer: {
        id: GRID_FILL,
        type: 'fill',
        source: 'grids',
        'source-layer': 'grids',
        minzoom: grids.minzoom,
        ...inGroup('grids'),
        paint: {
          'fill-color': COLORS.gridFill,
          'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.55, 0.18],
        },
      },
    },
    {
      band: 'mesh',
      layer: {
        id: 'grid-line',
        type: 'line',
        source: 'grids',
        'source-layer': 'grids',
        minzoom: grids.minzoom,
        ...inGroup('grids'),
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': COLORS.grid,
          'line-width': ['interpolate', ['linear'], ['zoom'], 13, 0.3, 15, 0.7, 18, 1.4],
          'line-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.45, 15, 0.85],
        },
      },
    },
  );
  return part;
}

/** Draws the selected grid (none with null). */
export function showSelection(map: MaplibreMap, f: GridFeature | null): void {
  (map.getSource('selection') as GeoJSONSource | undefined)?.setData(f ?? emptyFc);
}

/**
 * The grid layer's handlers: hover highlight (feature state) with a pointer cursor, and a click anywhere on the map
 * calls back with the clicked grid's code, or null off the grids — unless `claimed(point)` says a feature drawn above
 * (a component) takes that click, or a point-picking mode (pick.ts) has handled it.
 */
export function gridHandlers(
  map: MaplibreMap,
  onClick: (code: string | null) => void,
  claimed: (point: { x: number; y: number }) => boolean = () => false,
): void {
  map.on('click', (e) => {
    // A click taken by a point-picking mode (pick.ts) or a feature drawn above (a component) is not the grid's.
    if (e.defaultPrevented || claimed(e.point)) return;
    const hit = map.getLayer(GRID_FILL) ? map.queryRenderedFeatures(e.point, { layers: [GRID_FILL] })[0] : undefined;
    onClick((hit?.properties?.code as string | undefined) ?? null);
  });
  let hovered: string | null = null;
  const setHover = (code: string | null) => {
    if (hovered === code) return;
    if (hovered) map.setFeatureState({ source: 'grids', sourceLayer: 'grids', id: hovered }, { hover: false });
    hovered = code;
    if (code) map.setFeatureState({ source: 'grids', sourceLayer: 'grids', id: code }, { hover: true });
  };
  map.on('mousemove', GRID_FILL, (e) => {
    map.getCanvas().style.cursor = 'pointer';
    setHover((e.features?.[0]?.properties?.code as string | undefined) ?? null);
  });
  map.on('mouseleave', GRID_FILL, () => {
    map.getCanvas().style.cursor = '';
    setHover(null);
  });
}
