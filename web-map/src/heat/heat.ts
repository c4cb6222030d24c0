/**
 * The case heat map (热力图): a deck.gl HeatmapLayer in the map's overlay, fed by `GET /api/cases/heat`
 * ([lon, lat, weight] points), with a category filter (大类) and a period. Off until its checkbox is ticked.
 *
 * For tests and the console the returned state is `window.__wangge.heat` (visible, points, total, layer, …).
 */
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import { errorText, fetchHeat, type HeatQuery } from '../dispatch/api.js';
import type { Overlay } from '../overlay.js';
import { fillCategories, readControls, setHeatMessage, onControlsChange } from './controls.js';

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
    visible: false, points: 0, total: 0, loading: false, error: null, query: {}, layer: null, loads: 0,
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
      Object.assign(state, { visible: true, points: r.points.length, total: r.total, layer: drawn ?? layer, error: null });
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
