/**
 * The editing mode's layers (构建与维护): the open draft's features — drafts are invisible to the tiles, so the
 * changed grids are drawn over them: new ones green, changed ones blue, ended ones red and hatched-looking dashed —
 * the grid being edited (orange), the grids picked for a merge, a retirement or a collector area (purple), and the
 * problems of a refused edit as numbered red markers at their locations.
 *
 * After an edit is published the boundary tile layers have new versions: `reloadBoundaryTiles` makes MapLibre
 * re-read their TileJSONs (whose tile URLs carry the version) so the map shows the edit at once.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { GeoJSONSource, Map as MaplibreMap, MapSourceDataEvent } from 'maplibre-gl';
import { emptyFc, FONT_BOLD, type StyleContext, type StylePart } from './common.js';

export const EDIT_DRAFT_FILL = 'edit-draft-fill';
const SOURCES = { draft: 'edit-draft', picked: 'edit-picked', target: 'edit-target', problems: 'edit-problems' };

export const EDIT_COLORS = {
  new: '#2b8a3e',
  changed: '#1c7ed6',
  ended: '#c92a2a',
  target: '#e8590c',
  picked: '#7048e8',
  problem: '#e03131',
};

/** The status of a draft feature, for its colour: new, ended or changed. */
const status = ['case', ['get', 'ended'], 'ended', ['get', 'new'], 'new', 'changed'];
const byStatus = (prop: 'new' | 'changed' | 'ended' = 'changed') => [
  'match',
  status,
  'new',
  EDIT_COLORS.new,
  'ended',
  EDIT_COLORS.ended,
  EDIT_COLORS[prop],
];

export function editStyle(_ctx: StyleContext): StylePart {
  const geojson = { type: 'geojson' as const, data: emptyFc };
  return {
    sources: {
      [SOURCES.draft]: geojson,
      [SOURCES.picked]: geojson,
      [SOURCES.target]: geojson,
      [SOURCES.problems]: geojson,
    },
    layers: [
      {
        band: 'selection',
        layer: {
          id: EDIT_DRAFT_FILL,
          type: 'fill',
          source: SOURCES.draft,
          filter: ['==', ['get', 'level'], 'grid'],
          paint: { 'fill-color': byStatus() as never, 'fill-opacity': 0.22 },
        },
      },
      {
        band: 'selection',
        layer: {
          id: 'edit-draft-line',
          type: 'line',
          source: SOURCES.draft,
          filter: ['==', ['get', 'level'], 'grid'],
          layout: { 'line-join': 'round' },
          paint: { 'line-color': byStatus() as never, 'line-width': 2 },
        },
      },
      {
        band: 'selection',
        layer: {
          id: 'edit-picked-fill',
          type: 'fill',
          source: SOURCES.picked,
          paint: { 'fill-color': EDIT_COLORS.picked, 'fill-opacity': 0.3 },
        },
      },
      {
        band: 'selection',
        layer: {
          id: 'edit-picked-line',
          type: 'line',
          source: SOURCES.picked,
          paint: { 'line-color': EDIT_COLORS.picked, 'line-width': 2.5, 'line-dasharray': [2, 1] },
        },
      },
      {
        band: 'selection',
        layer: {
          id: 'edit-target-line',
          type: 'line',
          source: SOURCES.target,
          layout: { 'line-join': 'round' },
          paint: { 'line-color': EDIT_COLORS.target, 'line-width': 3 },
        },
      },
      {
        band: 'top',
        layer: {
          id: 'edit-problem-circle',
          type: 'circle',
          source: SOURCES.problems,
          paint: {
            'circle-radius': 9,
            'circle-color': EDIT_COLORS.problem,
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 2,
          },
        },
      },
      {
        band: 'top',
        layer: {
          id: 'edit-problem-label',
          type: 'symbol',
          source: SOURCES.problems,
          layout: {
            'text-field': ['to-string', ['get', 'n']],
            'text-font': FONT_BOLD,
            'text-size': 12,
            'text-allow-overlap': true,
            'text-ignore-placement': true,
          },
          paint: { 'text-color': '#ffffff' },
        },
      },
    ],
  };
}

const set = (map: MaplibreMap, source: string, data: FeatureCollection | Feature) =>
  (map.getSource(source) as GeoJSONSource | undefined)?.setData(data);

const fc = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });

/** Draws the open draft's changed features (none with null). Ended ones have no geometry and are not drawn. */
export function showDraftFeatures(map: MaplibreMap, features: FeatureCollection<Geometry | null> | null): void {
  set(map, SOURCES.draft, fc((features?.features ?? []).filter((f) => f.geometry) as Feature[]));
}

/** Outlines the grid being edited (none with null). */
export function showTarget(map: MaplibreMap, geometry: Geometry | null): void {
  set(map, SOURCES.target, fc(geometry ? [{ type: 'Feature', properties: {}, geometry }] : []));
}

/** Fills the picked grids (merge partners, the grid taking a retired one's area, a collector area's grids). */
export function showPicked(map: MaplibreMap, picked: { code: string; geometry: Geometry }[]): void {
  set(
    map,
    SOURCES.picked,
    fc(picked.map((p) => ({ type: 'Feature', properties: { code: p.code }, geometry: p.geometry }))),
  );
}

/** Numbered markers at the problems' locations (the numbers match the problem list). */
export function showProblems(map: MaplibreMap, problems: { location?: [number, number] }[]): void {
  set(
    map,
    SOURCES.problems,
    fc(
      problems.flatMap((p, i) =>
        p.location
          ? [
              {
                type: 'Feature' as const,
                properties: { n: i + 1 },
                geometry: { type: 'Point' as const, coordinates: p.location },
              },
            ]
          : [],
      ),
    ),
  );
}

/** The draft grid features under a screen point (topmost first). */
export function draftGridAt(map: MaplibreMap, point: { x: number; y: number }): string | null {
  if (!map.getLayer(EDIT_DRAFT_FILL)) return null;
  const hit = map.queryRenderedFeatures([point.x, point.y], { layers: [EDIT_DRAFT_FILL] })[0];
  return (hit?.properties?.code as string | undefined) ?? null;
}

/** The boundary tile layers a published edit bumps. */
const BOUNDARY_SOURCES = ['streets', 'communities', 'grids', 'component_counts', 'components'];

type TileSource = { setUrl?: (u: string) => unknown; url?: string; tiles?: string[] };

/**
 * Makes MapLibre re-read the boundary layers' TileJSONs: their tile URLs carry the layer version, so the new
 * tiles load and the published edit shows. The server re-reads layer versions at most every second, so while the
 * grids' tile URL has not changed it tries again a little later (three times at most). Resolves when done.
 */
export async function reloadBoundaryTiles(map: MaplibreMap): Promise<void> {
  const grids = map.getSource('grids') as TileSource | undefined;
  if (!grids?.setUrl || !grids.url) return;
  const before = grids.tiles?.[0];
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 700));
    await new Promise<void>((resolve) => {
      const onData = (e: MapSourceDataEvent) => {
        if (e.sourceId !== 'grids' || e.sourceDataType !== 'metadata') return;
        map.off('sourcedata', onData);
        resolve();
      };
      map.on('sourcedata', onData);
      for (const id of BOUNDARY_SOURCES) {
        const s = map.getSource(id) as TileSource | undefined;
        if (s?.setUrl && s.url) s.setUrl(s.url);
      }
    });
    if (grids.tiles?.[0] !== before) return;
  }
}
