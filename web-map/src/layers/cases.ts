/**
 * The `cases` vector-tile layer on the map (案件), from its TileJSON `minzoom`: one circle per case, coloured by
 * state (overdue in red), plus a ring around the case open in the dispatch panel; a click on a point opens the case.
 * The colours are the map's own (the dispatch panel's badges use them too); state names come from the server.
 */
import type { Map as MaplibreMap, MapSourceDataEvent } from 'maplibre-gl';
import { fetchTileJson, tileJsonUrl } from '../api.js';
import { inGroup, tileSource, type StyleContext, type StylePart } from './common.js';

export const CASE_LAYER = 'case-point';
export const CASE_SELECTED_LAYER = 'case-selected';

/** Map and badge colour per state; overdue cases are drawn in OVERDUE_COLOR whatever their state. */
export const STATE_COLORS: Record<string, string> = {
  reported: '#f08c00',
  verifying: '#e8b100',
  accepted: '#1c7ed6',
  filed: '#4263eb',
  dispatched: '#7048e8',
  disposed: '#0ca678',
  checked: '#2f9e44',
  closed: '#868e96',
  voided: '#adb5bd',
  parked: '#a0622d',
};
export const OVERDUE_COLOR = '#e03131';
export const OTHER_STATE_COLOR = '#495057';

/** The colour of a case's point and badge. */
export const caseColor = (c: { state: string; overdue: boolean }): string =>
  c.overdue ? OVERDUE_COLOR : (STATE_COLORS[c.state] ?? OTHER_STATE_COLOR);

export function casesStyle(ctx: StyleContext): StylePart {
  const cases = ctx.tiles.cases;
  if (!cases) return { sources: {}, layers: [] };
  const color = [
    'case',
    ['==', ['get', 'overdue'], true],
    OVERDUE_COLOR,
    ['match', ['get', 'state'], ...Object.entries(STATE_COLORS).flat(), OTHER_STATE_COLOR],
  ];
  const base = {
    type: 'circle' as const,
    source: 'cases',
    'source-layer': 'cases',
    minzoom: cases.minzoom,
    ...inGroup('cases'),
  };
  // On top of everything, labels included (a label must not hide a case).
  return {
    sources: { cases: tileSource(tileJsonUrl('cases')) },
    layers: [
      {
        band: 'top',
        layer: {
          id: CASE_LAYER,
          ...base,
          paint: {
            'circle-color': color as never,
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 14, 4.5, 18, 8],
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 10, 0.5, 15, 1.5],
            'circle-opacity': ['match', ['get', 'state'], ['closed', 'voided'], 0.55, 0.95],
          },
        },
      },
      {
        band: 'top',
        layer: {
          id: CASE_SELECTED_LAYER,
          ...base,
          filter: ['==', ['to-string', ['get', 'id']], ''],
          paint: {
            'circle-color': 'rgba(0,0,0,0)',
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 6, 18, 14],
            'circle-stroke-color': '#1c2733',
            'circle-stroke-width': 2.5,
          },
        },
      },
    ],
  };
}

/** Rings the case with this id (none with null). */
export function markCase(map: MaplibreMap, id: string | number | null): void {
  if (map.getLayer(CASE_SELECTED_LAYER))
    map.setFilter(CASE_SELECTED_LAYER, ['==', ['to-string', ['get', 'id']], id === null ? '' : String(id)]);
}

/**
 * Re-reads the TileJSON: its tile URLs carry the layer version, so changed cases come in fresh tiles. The server
 * re-reads layer versions at most every second, so a reload right after a change may still see the old version:
 * then it tries once more a little later.
 */
export function reloadCaseTiles(map: MaplibreMap, retry = true): void {
  const source = map.getSource('cases') as
    { setUrl?: (url: string) => unknown; url?: string; tiles?: string[] } | undefined;
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
  const source = map.getSource('cases') as
    { setUrl?: (url: string) => unknown; url?: string; tiles?: string[] } | undefined;
  if (!source?.setUrl || !source.url) return;
  try {
    const tilejson = await fetchTileJson('cases', true);
    if (tilejson.tiles?.[0] && tilejson.tiles[0] !== source.tiles?.[0]) source.setUrl(source.url);
  } catch {
    /* try again at the next refresh */
  }
}

/** Calls back with the id of a clicked case point; pointer cursor over points. Only when the style has the layer. */
export function onCaseClick(map: MaplibreMap, fn: (id: string) => void): void {
  map.on('click', CASE_LAYER, (e) => {
    if (e.defaultPrevented) return; // taken by a point-picking mode (pick.ts)
    const id = e.features?.[0]?.properties?.id as string | number | undefined;
    if (id !== undefined) fn(String(id));
  });
  map.on('mouseenter', CASE_LAYER, () => {
    map.getCanvas().style.cursor = 'pointer';
  });
  map.on('mouseleave', CASE_LAYER, () => {
    map.getCanvas().style.cursor = '';
  });
}
