/**
 * Drawing on the map for the editing mode, with terra-draw (terra-draw-maplibre-gl-adapter, which supports
 * MapLibre ≥ 4): a line (拆分), a polygon (在空白处新建, 绘制责任区), and the selected grid's vertices (drag a vertex →
 * move it; click an edge's midpoint handle → add a vertex there). terra-draw only draws and reports; every change
 * goes to the server, and the vertex editor is reloaded with the server's geometry afterwards.
 *
 * A grid's rings (outer rings and holes of every part) are each one terra-draw polygon, so that a ring or a
 * multipolygon grid is edited like any other. The vertex a drag started from is read from the ring as the server
 * sent it (not from terra-draw's copy), so `at` matches the server's vertex exactly.
 */
import type { LineString, MultiPolygon, Polygon, Position } from 'geojson';
import type { Map as MaplibreMap } from 'maplibre-gl';
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
  type GeoJSONStoreFeatures,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { EDIT_COLORS } from '../layers/edit.js';

/** A vertex edit made by hand: a dragged vertex, or a midpoint handle clicked (a vertex added on that edge). */
export type VertexEdit = { action: 'move'; at: Position; to: Position } | { action: 'add'; at: Position };

export type Tool = 'line' | 'polygon' | 'vertices';

export interface Drawer {
  /** Draw a line (click the points; Enter or a click on the last point ends it); `onDone` gets it. */
  drawLine(onDone: (line: LineString) => void): void;
  /** Draw a polygon (click the corners; a click on the first one or Enter closes it). */
  drawPolygon(onDone: (polygon: Polygon) => void): void;
  /** Shows the geometry's vertices with handles; a drag or a midpoint click calls `onEdit`. */
  editVertices(geometry: Polygon | MultiPolygon, onEdit: (e: VertexEdit) => void): void;
  /** The vertex being edited within `px` screen pixels of a point, or whether a midpoint handle is there. */
  handleAt(point: { x: number; y: number }, px: number): { vertex: Position | null; midpoint: boolean };
  /** The tool in use, or null. */
  tool(): Tool | null;
  /** A map click while editing vertices: selects the ring under it (a multi-ring grid's rings are separate). */
  click(lngLat: { lng: number; lat: number }): void;
  /** Ends the tool in use and removes what it drew. */
  stop(): void;
}

const SELECT = 'select';
const same = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1];

/** The rings of a (multi)polygon, each closed. */
function ringsOf(g: Polygon | MultiPolygon): Position[][] {
  return g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
}

export function createDrawer(map: MaplibreMap): Drawer {
  const color = EDIT_COLORS.target as `#${string}`;
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 9 }),
    modes: [
      new TerraDrawLineStringMode({ styles: { lineStringColor: color, lineStringWidth: 3 } }),
      new TerraDrawPolygonMode({
        styles: { fillColor: color, fillOpacity: 0.2, outlineColor: color, outlineWidth: 2 },
      }),
      new TerraDrawSelectMode({
        allowManualDeselection: false,
        allowManualSelection: false,
        keyEvents: null,
        flags: {
          polygon: {
            feature: {
              draggable: false,
              selfIntersectable: true, // the server's checks judge the result and list every problem
              coordinates: { draggable: true, midpoints: true, deletable: false },
            },
          },
        },
        styles: {
          selectedPolygonColor: '#ffa94d',
          selectedPolygonFillOpacity: 0.25,
          selectedPolygonOutlineColor: color,
          selectedPolygonOutlineWidth: 3,
          selectionPointColor: '#ffffff',
          selectionPointOutlineColor: color,
          selectionPointOutlineWidth: 2,
          selectionPointWidth: 5,
          midPointColor: color,
          midPointOutlineColor: '#ffffff',
          midPointWidth: 3,
        },
      }),
    ],
  });
  let started = false;
  let tool: Tool | null = null;
  /** The rings being edited, by terra-draw feature id, as the server sent them. */
  let rings = new Map<string | number, Position[]>();
  let finish: ((id: string | number, action: string) => void) | null = null;
  /** Set while a multi-ring grid is edited: a map click selects the ring under it. */
  let selectRingOnClick: ((lngLat: { lng: number; lat: number }) => void) | null = null;

  draw.on('finish', (id, ctx) => finish?.(id, ctx.action));

  const ensure = () => {
    if (!started) {
      draw.start();
      started = true;
    }
  };
  const stop = () => {
    finish = null;
    selectRingOnClick = null;
    tool = null;
    rings = new Map();
    if (!started) return;
    draw.setMode('static');
    draw.clear();
  };
  const feature = (id: string | number) => draw.getSnapshotFeature(id) as GeoJSONStoreFeatures | undefined;

  return {
    drawLine(onDone) {
      stop();
      ensure();
      tool = 'line';
      draw.setMode('linestring');
      finish = (id, action) => {
        if (action !== 'draw') return;
        const f = feature(id);
        stop();
        if (f?.geometry.type === 'LineString') onDone({ type: 'LineString', coordinates: f.geometry.coordinates });
      };
    },
    drawPolygon(onDone) {
      stop();
      ensure();
      tool = 'polygon';
      draw.setMode('polygon');
      finish = (id, action) => {
        if (action !== 'draw') return;
        const f = feature(id);
        stop();
        if (f?.geometry.type === 'Polygon') onDone({ type: 'Polygon', coordinates: f.geometry.coordinates });
      };
    },
    editVertices(geometry, onEdit) {
      stop();
      ensure();
      tool = 'vertices';
      draw.setMode(SELECT);
      const list = ringsOf(geometry);
      const ids = list.map(() => draw.getFeatureId());
      draw.addFeatures(
        list.map((ring, i) => ({
          id: ids[i],
          type: 'Feature',
          properties: { mode: 'polygon' },
          geometry: { type: 'Polygon', coordinates: [ring] },
        })),
      );
      list.forEach((ring, i) => rings.set(ids[i], ring));
      // One ring selected at a time; a multi-ring grid's other rings get selected by clicking near them (below).
      draw.selectFeature(ids[0]);
      finish = (id, action) => {
        const old = rings.get(id);
        const now = feature(id)?.geometry.coordinates[0] as Position[] | undefined;
        if (!old || !now) return;
        if (action === 'dragCoordinate') {
          const i = old.findIndex((p, k) => k < old.length - 1 && !same(p, now[k]));
          if (i >= 0) onEdit({ action: 'move', at: old[i], to: now[i] });
        } else if (action === 'insertMidpoint') {
          const i = now.findIndex((p, k) => k < old.length && !same(p, old[k]));
          // The new vertex sits between old[i-1] and old[i]: the midpoint in lon/lat lies exactly on that edge.
          if (i > 0) onEdit({ action: 'add', at: [(old[i - 1][0] + old[i][0]) / 2, (old[i - 1][1] + old[i][1]) / 2] });
        }
      };
      // Rings other than the selected one: a click inside or near one selects it.
      if (ids.length > 1)
        selectRingOnClick = (lngLat) => {
          const hits = draw.getFeaturesAtLngLat(lngLat, { ignoreSelectFeatures: true });
          const hit = hits.find((f) => f.id !== undefined && rings.has(f.id));
          if (hit?.id !== undefined) draw.selectFeature(hit.id);
        };
    },
    handleAt(point, px) {
      const near = (p: Position) => {
        const s = map.project(p as [number, number]);
        return Math.hypot(s.x - point.x, s.y - point.y) <= px;
      };
      const all = [...rings.values()];
      const vertex = all.flatMap((r) => r.slice(0, -1)).find(near) ?? null;
      const midpoint =
        !vertex && all.some((r) => r.slice(1).some((p, i) => near([(p[0] + r[i][0]) / 2, (p[1] + r[i][1]) / 2])));
      return { vertex, midpoint };
    },
    tool: () => tool,
    click: (lngLat) => selectRingOnClick?.(lngLat),
    stop,
  };
}
