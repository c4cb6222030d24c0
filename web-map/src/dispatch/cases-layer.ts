/**
 * The `cases` vector-tile layer on the map: one circle per case, coloured by state (overdue in red), plus a ring
 * around the case open in the dispatch panel. The style (style.ts) adds these layers when the server has the layer.
 */
import type { Map as MaplibreMap, MapSourceDataEvent, VectorSourceSpecification } from 'maplibre-gl';
import { authHeaders } from '../token.js';
import type { LayerSpec } from '../style.js';
import { OTHER_STATE_COLOR, OVERDUE_COLOR, STATE_COLORS } from './labels.js';

export const CASE_LAYER = 'case-point';
export const CASE_SELECTED_LAYER = 'case-selected';
export const CASES_MINZOOM = 10;

export function caseSource(url: string): VectorSourceSpecification {
  return { type: 'vector', url };
}

export function caseLayers(): LayerSpec[] {
  const color = ['case', ['==', ['get', 'overdue'], true], OVERDUE_COLOR,
    ['match', ['get', 'state'], ...Object.entries(STATE_COLORS).flat(), OTHER_STATE_COLOR]];
  return [
    {
      id: CASE_LAYER, type: 'circle', source: 'cases', 'source-layer': 'cases', minzoom: CASES_MINZOOM,
      paint: {
        'circle-color': color as never,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 14, 4.5, 18, 8],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 10, 0.5, 15, 1.5],
        'circle-opacity': ['match', ['get', 'state'], ['closed', 'voided'], 0.55, 0.95],
      },
    },
    {
      id: CASE_SELECTED_LAYER, type: 'circle', source: 'cases', 'source-layer': 'cases', minzoom: CASES_MINZOOM,
      filter: ['==', ['to-string', ['get', 'id']], ''],
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 6, 18, 14],
        'circle-stroke-color': '#1c2733',
        'circle-stroke-width': 2.5,
      },
    },
  ];
}

/** Rings the case with this id (none with null). */
export function markCase(map: MaplibreMap, id: string | number | null): void {
  if (map.getLayer(CASE_SELECTED_LAYER)) map.setFilter(CASE_SELECTED_LAYER, ['==', ['to-string', ['get', 'id']], id === null ? '' : String(id)]);
}

/**
 * Re-reads the TileJSON: its tile URLs carry the layer version, so changed cases come in fresh tiles. The server
 * re-reads layer versions at most every second, so a reload right after a change may still see the old version:
 * then it tries once more a little later.
 */
export function reloadCaseTiles(map: MaplibreMap, retry = true): void {
  const source = map.getSource('cases') as { setUrl?: (url: string) => unknown; url?: string; tiles?: string[] } | undefined;
  if (!source?.setUrl || !source.url) return;
  const before = source.tiles?.[0];
  const onData = (e: MapSourceDataEvent) => {
    if (e.sourceId !== 'cases' || e.sourceDataType !== 'metadata') return;
    map.off('sourcedata', onData);
    if (retry && source.tiles?.[0] === before) setTimeout(() => reloadCaseTiles(map, false), 1200);
  };
  map.on('sourcedata', onData);
  source.setUrl(source.url);
}

/**
 * Reloads the cases tiles only when the layer's version moved on (someone else changed a case): one small TileJSON
 * request, no tile traffic when nothing changed.
 */
export async function syncCaseTiles(map: MaplibreMap): Promise<void> {
  const source = map.getSource('cases') as { setUrl?: (url: string) => unknown; url?: string; tiles?: string[] } | undefined;
  if (!source?.setUrl || !source.url) return;
  try {
    const res = await fetch(source.url, { headers: { accept: 'application/json', ...authHeaders(source.url) }, cache: 'no-cache' });
    if (!res.ok) return;
    const tilejson = await res.json() as { tiles?: string[] };
    if (tilejson.tiles?.[0] && tilejson.tiles[0] !== source.tiles?.[0]) source.setUrl(source.url);
  } catch { /* try again at the next refresh */ }
}

/** Calls back with the id of a clicked case point; pointer cursor over points. Only when the style has the layer. */
export function onCaseClick(map: MaplibreMap, fn: (id: string) => void): void {
  map.on('click', CASE_LAYER, (e) => {
    const id = e.features?.[0]?.properties?.id as string | number | undefined;
    if (id !== undefined) fn(String(id));
  });
  map.on('mouseenter', CASE_LAYER, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', CASE_LAYER, () => { map.getCanvas().style.cursor = ''; });
}
