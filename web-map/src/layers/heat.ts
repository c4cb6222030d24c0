/**
 * The case heat map (热力图): a deck.gl HeatmapLayer in the map's overlay, fed by `GET /api/cases/heat`
 * ([lon, lat, weight] points), with its controls in the sidebar: a toggle, a category filter (大类, from the category
 * dictionary) and a period. Off until its checkbox is ticked. While it shows, the map legend (#heat-legend) shows its
 * colour ramp, the kernel radius and how the server aggregated the points (its `aggregation` answer).
 *
 * Radius by zoom: a fixed radius in pixels covers a quarter of the ground at every zoom level further in, so at grid
 * zoom the surface broke into one blob per case. The kernel is a ground distance instead — 150 m (about one and a half
 * unit grids) for the exact map, 1.5 aggregation cells for the coarse one — turned into pixels for the zoom and
 * latitude of the view at every zoom's end (during a zoom deck.gl stretches the last texture, which keeps the ground
 * size too). Below ~z12.5 the radius stays at least MIN_PX (a city-wide view still shows its sparse cases) and far in
 * at most the GPU's largest point size (the kernel is drawn as a point sprite) or MAX_PX, i.e. ~z17.5 at 150 m.
 *
 * For tests and the console the returned state is `window.__wangge.heat` (visible, points, total, radius, layer, …).
 */
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import type { Map as MaplibreMap } from 'maplibre-gl';
import { fetchHeat, listCategories, type HeatAggregation, type HeatQuery } from '../api.js';
import { find, h, showMessage } from '../dom.js';
import { errorText } from '../http.js';
import type { Overlay } from '../overlay.js';

/** The ramp, low to high (ColorBrewer YlOrRd, deck.gl's default): the legend draws the same colours. */
export const HEAT_COLORS: [number, number, number][] = [
  [255, 255, 178],
  [254, 217, 118],
  [254, 178, 76],
  [253, 141, 60],
  [240, 59, 32],
  [189, 0, 38],
];
/** The kernel radius on the ground for the exact map, in metres. */
export const EXACT_RADIUS_M = 150;
/** Bounds of the radius in screen pixels. */
export const MIN_PX = 10;
export const MAX_PX = 400;
const EARTH_CIRCUMFERENCE_M = 2 * Math.PI * 6378137;

/** The kernel's ground radius for the server's aggregation: 150 m, or 1.5 cells of the coarse (public) map. */
export function groundRadius(a: HeatAggregation | undefined): number {
  if (!a || a.exact) return EXACT_RADIUS_M;
  return Math.max(EXACT_RADIUS_M, 1.5 * a.cell_deg * (EARTH_CIRCUMFERENCE_M / 360));
}

/** Screen pixels covering `metres` at a zoom level and latitude (512-pixel tiles, as MapLibre and deck.gl use). */
export function radiusPixels(metres: number, zoom: number, lat: number, maxPx = MAX_PX): number {
  const metresPerPixel = (EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
  return Math.round(Math.min(maxPx, Math.max(MIN_PX, metres / metresPerPixel)));
}

/** The largest point sprite the map's WebGL context draws (deck.gl draws each kernel as one, its size ≤ the radius). */
function maxPointSize(map: MaplibreMap): number {
  const canvas = map.getCanvas();
  // The context MapLibre already made (getContext returns it; no new context).
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  const range = gl?.getParameter(gl.ALIASED_POINT_SIZE_RANGE) as Float32Array | null | undefined;
  return range ? range[1] : 100;
}

/** deck.gl's HeatmapLayer declares radiusPixels ≤ 100 (a prop check, not a GPU limit): ours lifts it to MAX_PX. */
class GroundHeatmapLayer<D> extends HeatmapLayer<D> {
  static override layerName = 'GroundHeatmapLayer';
  static override defaultProps = { radiusPixels: { type: 'number', min: 1, max: MAX_PX, value: 50 } } as never;
}

const DAY = 86_400_000;
const CATEGORY_TEXT = /^(component|matter):(\d{2}|\d{5})$/;
const KIND_LABELS = { component: '部件', matter: '事件' } as const;

/** The checkbox state and the API query the controls describe. */
function readControls(now = Date.now()): { on: boolean; query: HeatQuery } {
  const on = find<HTMLInputElement>('#heat-toggle')?.checked ?? false;
  const select = find<HTMLSelectElement>('#heat-category');
  const text = find<HTMLInputElement>('#heat-category-text');
  const typed = text && !text.hidden ? text.value.trim() : '';
  const category = typed ? (CATEGORY_TEXT.test(typed) ? typed : undefined) : select?.value || undefined;
  const days = Number(find<HTMLSelectElement>('#heat-period')?.value || 0);
  return { on, query: { category, ...(days > 0 ? { from: new Date(now - days * DAY).toISOString() } : {}) } };
}

function onControlsChange(fn: () => void): void {
  find('#heat-toggle')?.addEventListener('change', () => {
    find('#heat')?.classList.toggle('on', find<HTMLInputElement>('#heat-toggle')!.checked);
    fn();
  });
  find('#heat-category')?.addEventListener('change', fn);
  find('#heat-period')?.addEventListener('change', fn);
  const text = find<HTMLInputElement>('#heat-category-text');
  text?.addEventListener('change', () => {
    const v = text.value.trim();
    text.setAttribute('aria-invalid', String(!!v && !CATEGORY_TEXT.test(v)));
    if (!v || CATEGORY_TEXT.test(v)) fn();
    else setHeatMessage('大类格式应为 matter:06 或 component:01', 'error');
  });
}

/** The 大类 select from the category dictionary; a text box (`matter:06`) when the dictionary is unavailable. */
async function fillCategories(): Promise<void> {
  const select = find<HTMLSelectElement>('#heat-category');
  const text = find<HTMLInputElement>('#heat-category-text');
  if (!select) return;
  try {
    const categories = await listCategories();
    const majors = new Map<string, { kind: 'component' | 'matter'; code: string; name: string }>();
    for (const c of categories)
      majors.set(`${c.kind}:${c.major_code}`, { kind: c.kind, code: c.major_code, name: c.major_name });
    for (const kind of ['matter', 'component'] as const) {
      const group = h('optgroup', { label: KIND_LABELS[kind] });
      for (const [key, m] of majors)
        if (m.kind === kind) group.append(h('option', { value: key }, `${m.code} ${m.name}`));
      if (group.children.length) select.append(group);
    }
  } catch {
    select.hidden = true;
    if (text) text.hidden = false;
  }
}

function setHeatMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = find('#heat-message');
  if (el) showMessage(el, text, kind);
}

export const HEAT_GROUP = 'heatmap';
type Point = [number, number, number];

export interface HeatState {
  visible: boolean;
  /** The kernel radius: on the ground (metres) and in pixels at the current zoom. */
  radius: { metres: number; pixels: number };
  /** How the server aggregated the points (null until loaded). */
  aggregation: HeatAggregation | null;
  /** Points drawn (0 while hidden). */
  points: number;
  /** Cases behind them (the API's total). */
  total: number;
  loading: boolean;
  error: string | null;
  query: HeatQuery;
  /** The deck.gl layer while shown (the instance deck.gl draws). */
  layer: HeatmapLayer<Point> | null;
  /** Completed loads (a test waits for it to move). */
  loads: number;
  /** Reloads with the current controls (shows or hides the layer as the checkbox says). */
  refresh: () => Promise<void>;
}

export function startHeat(overlay: Overlay, map: MaplibreMap): HeatState {
  let seq = 0;
  let points: Point[] = [];
  const maxPx = Math.max(MIN_PX, Math.min(MAX_PX, maxPointSize(map)));
  const state: HeatState = {
    visible: false,
    radius: { metres: EXACT_RADIUS_M, pixels: 0 },
    aggregation: null,
    points: 0,
    total: 0,
    loading: false,
    error: null,
    query: {},
    layer: null,
    loads: 0,
    refresh,
  };

  async function refresh(): Promise<void> {
    const { on, query } = readControls();
    const mine = ++seq;
    state.query = query;
    if (!on) {
      overlay.clear(HEAT_GROUP);
      points = [];
      Object.assign(state, { visible: false, points: 0, layer: null, loading: false, error: null });
      setHeatMessage('');
      showLegend(null);
      return;
    }
    state.loading = true;
    setHeatMessage('正在加载…');
    try {
      const r = await fetchHeat(query);
      if (mine !== seq) return;
      points = r.points;
      state.aggregation = r.aggregation ?? null;
      state.radius.metres = groundRadius(r.aggregation);
      draw();
      Object.assign(state, { visible: true, points: r.points.length, total: r.total, error: null });
      setHeatMessage(r.points.length ? `共 ${r.total} 件案件` : '所选范围内没有案件');
      showLegend(state);
    } catch (e) {
      if (mine !== seq) return;
      overlay.clear(HEAT_GROUP);
      points = [];
      Object.assign(state, { visible: false, points: 0, layer: null, error: errorText(e) });
      setHeatMessage(`热力图加载失败：${errorText(e)}`, 'error');
      showLegend(null);
    } finally {
      if (mine === seq) {
        state.loading = false;
        state.loads++;
      }
    }
  }

  /** (Re)draws the layer with the radius of the current zoom; deck.gl keeps the layer and recomputes its weights. */
  function draw(): void {
    const pixels = radiusPixels(state.radius.metres, map.getZoom(), map.getCenter().lat, maxPx);
    state.radius.pixels = pixels;
    const layer = new GroundHeatmapLayer<Point>({
      id: 'cases-heat',
      data: points,
      getPosition: (d) => [d[0], d[1]],
      getWeight: (d) => d[2],
      radiusPixels: pixels,
      colorRange: HEAT_COLORS,
      intensity: 1,
      threshold: 0.03,
      // No beforeId: the overlay puts it under the labels (and the case points, which draw above them).
    });
    overlay.setLayers(HEAT_GROUP, [layer]);
    // The overlay may place a copy of the layer (with its beforeId): keep the one deck.gl draws.
    state.layer = (overlay.layers().find((l) => l.id === layer.id) as HeatmapLayer<Point> | undefined) ?? layer;
  }

  map.on('zoomend', () => {
    if (!state.visible || !state.layer) return;
    if (radiusPixels(state.radius.metres, map.getZoom(), map.getCenter().lat, maxPx) === state.radius.pixels) return;
    draw();
    showLegend(state);
  });

  onControlsChange(() => void refresh());
  void fillCategories();
  return state;
}

const numberZh = new Intl.NumberFormat('zh-CN');

/** The heat map's entry in the map legend: the colour ramp, the kernel radius and the server's aggregation. */
function showLegend(state: HeatState | null): void {
  const el = find('#heat-legend');
  if (!el) return;
  el.hidden = !state;
  if (!state) return;
  const ramp = HEAT_COLORS.map(([r, g, b]) => `rgb(${r},${g},${b})`).join(', ');
  const a = state.aggregation;
  const cellM = a ? Math.round((a.cell_deg * EARTH_CIRCUMFERENCE_M) / 360) : 0;
  const how = !a ? '' : a.exact ? `按约 ${cellM} 米的位置汇总` : `按约 ${cellM} 米格网汇总，每格至少 ${a.min_count} 件`;
  el.replaceChildren(
    h('div', { class: 'legend-subtitle' }, '热力图 · 案件密度'),
    h(
      'div',
      { class: 'heat-ramp-row' },
      h('span', {}, '低'),
      h('span', { class: 'heat-ramp', style: `background: linear-gradient(90deg, ${ramp})` }),
      h('span', {}, '高'),
    ),
    h(
      'div',
      { class: 'muted heat-legend-note' },
      `核半径约 ${numberZh.format(Math.round(state.radius.metres))} 米 · 颜色相对当前视图最大值`,
    ),
    h('div', { class: 'muted heat-legend-note', 'data-field': 'aggregation', hidden: !how }, how),
  );
}
