/**
 * The map's style, built locally: no sprites, no glyph server, no external tiles unless a basemap is configured.
 *
 * Text: the style has no `glyphs` URL, so MapLibre 6 draws every glyph in the browser (TinySDF on a canvas) with
 * the fonts named in `text-font`, used as a CSS font-family list. Chinese names and the digits of grid codes both
 * render offline with whatever CJK font the system has (Noto Sans CJK on Debian: fonts-noto-cjk).
 */
import type { Map as MaplibreMap, MapOptions } from 'maplibre-gl';
import type { WebConfig } from './api.js';
import { caseLayers, caseSource } from './dispatch/cases-layer.js';

export type StyleSpec = Exclude<MapOptions['style'], string | undefined>;
export type LayerSpec = StyleSpec['layers'][number];

/** Minimum zooms of the tile layers (as in their TileJSON) and of the grid code labels. */
export const MINZOOM = { streets: 8, communities: 10, grids: 13, gridLabels: 16 } as const;

/** The palette, in one place; the legend reads it too. */
export const COLORS = {
  background: '#eef1f4',
  street: '#7a3fa0',
  streetCasing: '#ffffff',
  community: '#1f8a70',
  communityTints: ['#8fd3c1', '#a9c8f0', '#f6cf8f', '#c7b5ea', '#f3a9b4', '#b9dd9a'],
  grid: '#4f7fb8',
  gridFill: '#ffffff',
  selected: '#e8590c',
  selectedFill: '#ffa94d',
  label: '#243447',
  halo: '#ffffff',
};

/** CSS font families for the labels (no glyph server: MapLibre draws them with the browser's fonts). */
const FONT = ['Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', 'sans-serif'];
/** The first name is only read by MapLibre to pick the weight (bold); the browser skips it as an unknown family. */
const FONT_BOLD = ['Noto Sans CJK SC Bold', ...FONT];

/** Which style layers belong to each entry of the layer switcher. */
export const LAYER_GROUPS = {
  streets: ['street-casing', 'street-line', 'street-label'],
  communities: ['community-fill', 'community-line', 'community-label'],
  grids: ['grid-fill', 'grid-line', 'grid-label'],
  cases: ['case-point', 'case-selected'],
} as const;
export type LayerGroup = keyof typeof LAYER_GROUPS;

/** deck.gl layers are inserted below this layer (under the labels, above the boundaries). */
export const DECK_BEFORE_ID = 'grid-label';

const emptyFc = { type: 'FeatureCollection' as const, features: [] };

export function buildStyle(config: WebConfig, origin: string): StyleSpec {
  const tilejson = (layer: string) => new URL(`tiles/${layer}.json`, origin).href;
  // A tint per community: the last digits of the community code pick a colour from the palette.
  const tint = ['match', ['%', ['to-number', ['slice', ['get', 'code'], 9], 0], COLORS.communityTints.length],
    ...COLORS.communityTints.slice(0, -1).flatMap((c, i) => [i, c]), COLORS.communityTints.at(-1)];

  const sources: StyleSpec['sources'] = {
    streets: { type: 'vector', url: tilejson('streets') },
    communities: { type: 'vector', url: tilejson('communities') },
    grids: { type: 'vector', url: tilejson('grids'), promoteId: 'code' },
    'street-labels': { type: 'geojson', data: emptyFc },
    'community-labels': { type: 'geojson', data: emptyFc },
    'grid-labels': { type: 'geojson', data: emptyFc },
    selection: { type: 'geojson', data: emptyFc },
  };
  // Case points (dispatch) when the server has the `cases` tile layer.
  const withCases = config.layers.includes('cases');
  if (withCases) sources.cases = caseSource(tilejson('cases'));
  const layers: LayerSpec[] = [{ id: 'background', type: 'background', paint: { 'background-color': COLORS.background } }];
  if (config.basemap) {
    sources.basemap = { type: 'raster', tiles: [config.basemap.url], tileSize: 256, attribution: config.basemap.attribution };
    layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.9 } });
  }
  const fillOpacity = config.basemap ? 0.5 : 1;

  layers.push(
    {
      id: 'community-fill', type: 'fill', source: 'communities', 'source-layer': 'communities',
      paint: {
        'fill-color': tint as never,
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.45 * fillOpacity, 14, 0.3 * fillOpacity, 17, 0.18 * fillOpacity],
      },
    },
    {
      id: 'grid-fill', type: 'fill', source: 'grids', 'source-layer': 'grids', minzoom: MINZOOM.grids,
      paint: {
        'fill-color': COLORS.gridFill,
        'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.55, 0.18],
      },
    },
    {
      id: 'grid-line', type: 'line', source: 'grids', 'source-layer': 'grids', minzoom: MINZOOM.grids,
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.grid,
        'line-width': ['interpolate', ['linear'], ['zoom'], 13, 0.3, 15, 0.7, 18, 1.4],
        'line-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.45, 15, 0.85],
      },
    },
    {
      id: 'community-line', type: 'line', source: 'communities', 'source-layer': 'communities',
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.community,
        'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 14, 1.8, 18, 2.6],
      },
    },
    {
      id: 'street-casing', type: 'line', source: 'streets', 'source-layer': 'streets',
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.streetCasing,
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 3, 13, 6, 18, 9],
        'line-opacity': 0.75,
      },
    },
    {
      id: 'street-line', type: 'line', source: 'streets', 'source-layer': 'streets',
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.street,
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 13, 3, 18, 4.5],
      },
    },
    {
      id: 'selection-fill', type: 'fill', source: 'selection',
      paint: { 'fill-color': COLORS.selectedFill, 'fill-opacity': 0.4 },
    },
    {
      id: 'selection-line', type: 'line', source: 'selection',
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.selected, 'line-width': 3 },
    },
    {
      id: 'grid-label', type: 'symbol', source: 'grid-labels', minzoom: MINZOOM.gridLabels,
      layout: {
        // The 15-digit code from z16; its name on a second line from z17.
        'text-field': ['step', ['zoom'], ['get', 'code'], 17, ['concat', ['get', 'code'], '\n', ['get', 'name']]],
        'text-font': FONT,
        'text-size': ['interpolate', ['linear'], ['zoom'], 16, 10, 18, 13],
        'text-line-height': 1.3,
        'text-max-width': 20,
        'text-padding': 1,
      },
      paint: { 'text-color': '#1d3f66', 'text-halo-color': COLORS.halo, 'text-halo-width': 1.4 },
    },
    {
      id: 'community-label', type: 'symbol', source: 'community-labels', minzoom: 12, maxzoom: 16,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT,
        'text-size': ['interpolate', ['linear'], ['zoom'], 12, 12, 16, 15],
        'text-max-width': 8,
      },
      paint: { 'text-color': '#0f5c4a', 'text-halo-color': COLORS.halo, 'text-halo-width': 1.6 },
    },
    {
      id: 'street-label', type: 'symbol', source: 'street-labels', minzoom: MINZOOM.streets, maxzoom: 14,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_BOLD,
        'text-size': ['interpolate', ['linear'], ['zoom'], 9, 13, 13, 17],
        'text-letter-spacing': 0.1,
      },
      paint: { 'text-color': '#4d2368', 'text-halo-color': COLORS.halo, 'text-halo-width': 2 },
    },
  );
  // Case points on top of everything, labels included (a label must not hide a case).
  if (withCases) layers.push(...caseLayers());
  return { version: 8, name: 'wangge', sources, layers };
}

export function setGroupVisible(map: MaplibreMap, group: LayerGroup, visible: boolean): void {
  for (const id of LAYER_GROUPS[group]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
}
