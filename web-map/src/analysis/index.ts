/**
 * The planner's view on the map (热点分析): a 分析 map control, shown only to roles the server lets read the analyses
 * (the `x-roles` of `GET /api/analysis/hotspots` in its OpenAPI document, never retyped), opens the 分析 panel on the
 * right (panel.ts, a chunk loaded on first use): Gi* hot and cold spots of the period, each month's hot spots on a
 * time slider and the emerging hot spot categories, coloured onto the grid or community tiles (layer.ts).
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Me } from '../api.js';
import { h } from '../dom.js';
import type { AnalysisView } from './panel.js';

/** The route whose `x-roles` say who may read the analyses. */
export const ANALYSIS_ROUTE = 'get /api/analysis/hotspots';

/** For tests and the console: `window.__wangge.analysis`. */
export interface AnalysisHandle {
  /** Whether the panel is open. */
  active(): boolean;
  /** Opens or closes the panel (closing takes the colours off the map). */
  toggle(on?: boolean): Promise<void>;
  /** Runs the analysis the form describes. */
  run(): Promise<void>;
  /** Shows one of the result tabs (热点, 逐月, 时空模式), loading what it needs. */
  tab(t: AnalysisView['tab']): Promise<void>;
  /** Shows one month of the time slider. */
  step(i: number): void;
  /** The panel's state (query, answers, legend counts, the top list); null before it first opens. */
  view(): AnalysisView | null;
  /** The value (bin or category code) the map shows for a unit now, or null. */
  valueOf(level: 'grid' | 'community', code: string): number | null;
  /** Resolves when no request of the panel is running. */
  idle(): Promise<void>;
}

export interface AnalysisOptions {
  map: MaplibreMap;
  me: Me | null;
  roles: Map<string, string[]> | null;
  /** Opens the grid panel and highlights the grid, without moving the map. */
  selectGrid: (code: string) => Promise<boolean>;
  /** Called when the panel opens (another mode on the right gives way). */
  onOpen?: () => void;
}

/** Adds the 分析 control for readers of the analyses; null (no control, no panel) for everyone else. */
export function startAnalysis(opts: AnalysisOptions): AnalysisHandle | null {
  const { me, roles, map } = opts;
  if (!me || !roles?.get(ANALYSIS_ROUTE)?.includes(me.role)) return null;
  const button = h(
    'button',
    { type: 'button', class: 'analysis-toggle', title: '热点分析', 'aria-pressed': 'false' },
    '分析',
  );
  const control = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group analysis-control' }, button);
  map.addControl({ onAdd: () => control, onRemove: () => control.remove() }, 'top-right');
  let panel: Promise<AnalysisHandle> | null = null;
  let loaded: AnalysisHandle | null = null;
  // The panel's code is a chunk: loaded on the first click, never for a reader who does not open it.
  const load = () =>
    (panel ??= import('./panel.js').then(({ createAnalysisPanel }) => (loaded = createAnalysisPanel(opts, button))));
  button.addEventListener('click', () => void load().then((p) => p.toggle()));
  const later = async <T>(fn: (p: AnalysisHandle) => T | Promise<T>) => fn(await load());
  return {
    active: () => loaded?.active() ?? false,
    toggle: (on) => later((p) => p.toggle(on)),
    run: () => later((p) => p.run()),
    tab: (t) => later((p) => p.tab(t)),
    step: (i) => loaded?.step(i),
    view: () => loaded?.view() ?? null,
    valueOf: (level, code) => loaded?.valueOf(level, code) ?? null,
    idle: () => later((p) => p.idle()),
  };
}
