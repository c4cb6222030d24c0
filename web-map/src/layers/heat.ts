/**
 * The case heat map (热力图): a deck.gl HeatmapLayer in the map's overlay, fed by `GET /api/cases/heat`
 * ([lon, lat, weight] points), with its controls in the sidebar: a toggle, a category filter (大类, from the category
 * dictionary) and a period. Off until its checkbox is ticked.
 *
 * For tests and the console the returned state is `window.__wangge.heat` (visible, points, total, layer, …).
 */
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import { fetchHeat, listCategories, type HeatQuery } from '../api.js';
import { find, h, showMessage } from '../dom.js';
import { errorText } from '../http.js';
import type { Overlay } from '../overlay.js';

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

export function startHeat(overlay: Overlay): HeatState {
  let seq = 0;
  const state: HeatState = {
    visible: false,
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
      Object.assign(state, { visible: false, points: 0, layer: null, loading: false, error: null });
      setHeatMessage('');
      return;
    }
    state.loading = true;
    setHeatMessage('正在加载…');
    try {
      const r = await fetchHeat(query);
      if (mine !== seq) return;
      const layer = new HeatmapLayer<Point>({
        id: 'cases-heat',
        data: r.points,
        getPosition: (d) => [d[0], d[1]],
        getWeight: (d) => d[2],
        radiusPixels: 40,
        intensity: 1,
        threshold: 0.03,
        // No beforeId: the overlay puts it under the labels (and the case points, which draw above them).
      });
      overlay.setLayers(HEAT_GROUP, [layer]);
      // The overlay may place a copy of the layer (with its beforeId): keep the one deck.gl draws.
      const drawn = overlay.layers().find((l) => l.id === layer.id) as HeatmapLayer<Point> | undefined;
      Object.assign(state, {
        visible: true,
        points: r.points.length,
        total: r.total,
        layer: drawn ?? layer,
        error: null,
      });
      setHeatMessage(r.points.length ? `共 ${r.total} 件案件` : '所选范围内没有案件');
    } catch (e) {
      if (mine !== seq) return;
      overlay.clear(HEAT_GROUP);
      Object.assign(state, { visible: false, points: 0, layer: null, error: errorText(e) });
      setHeatMessage(`热力图加载失败：${errorText(e)}`, 'error');
    } finally {
      if (mine === seq) {
        state.loading = false;
        state.loads++;
      }
    }
  }

  onControlsChange(() => void refresh());
  void fillCategories();
  return state;
}
