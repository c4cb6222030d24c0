/**
 * The wangge web map: streets, communities and unit grids from the server's vector tiles on a locally built
 * MapLibre style, a deck.gl overlay for analytical layers, a layer switcher, the search box (grid and component
 * codes, addresses and landmarks: search.ts), "这里是哪里" (here.ts) and the grid and component info panels.
 *
 * With the `cases` tile layer: case points (案件), the heat map (热力图) and, for signed-in users, the dispatcher
 * panel (案件调度, dispatch/). Each map layer module (layers/) owns its sources, paint and handlers; this file reads
 * the server's settings and TileJSONs, builds the style from the modules and wires their handlers to the page.
 *
 * For planners and leaders (by the server's x-roles): the 分析 panel (analysis/) and the 综合评价 page, route
 * `#/evaluation` (evaluation/).
 *
 * For tests and the browser console: `window.__wangge = { map, overlay, ready, settle, selectGrid, selectComponent,
 * search, here, picker, diagnostics, heat, dispatch, edit, analysis, evaluation }`;
 * `document.body.dataset.state` goes from `loading` to `ready` once the map has loaded and its sources have loaded
 * their tiles (or to `error`). A link to `/#grid=<15-digit code>` opens that grid.
 */
import { Map as MaplibreMap, NavigationControl, ScaleControl, setWorkerUrl, type LngLatBoundsLike } from 'maplibre-gl';
import {
  fetchComponent,
  fetchGrid,
  fetchMe,
  fetchRouteRoles,
  fetchRegions,
  fetchTileJson,
  fetchWebConfig,
  listComponentClasses,
  type Category,
  type TileJson,
} from './api.js';
import { ApiError, errorText } from './http.js';
import { authHeaders } from './token.js';
import { bboxOf, type BBox } from './geo.js';
import { gridHandlers, showSelection } from './layers/grids.js';
import { componentAt, componentHandlers, markComponent } from './layers/components.js';
import { hideComponent, onComponentClose, showComponent, showComponentLegend } from './component-panel.js';
import { gridLabelTracker, GRID_LABEL_MINZOOM, loadRegionLabels } from './layers/labels.js';
import { startHeat, type HeatState } from './layers/heat.js';
import { createOverlay, type Overlay } from './overlay.js';
import { buildStyle, setGroupVisible } from './style.js';
import { startDispatch, type DispatchHandle } from './dispatch/panel.js';
import { createPicker, type Picker } from './pick.js';
import { setSearchMessage, startSearch, type SearchHandle } from './search.js';
import { startHere, type HereHandle } from './here.js';
import * as ui from './ui.js';
import { downloadControl } from './download.js';
import { createEdit, type EditHandle } from './edit/index.js';
import { startAnalysis, type AnalysisHandle } from './analysis/index.js';
import { startEvaluation, type EvaluationHandle } from './evaluation/index.js';

declare global {
  interface Window {
    __wangge?: {
      map: MaplibreMap;
      overlay: Overlay;
      /** Resolves once the first view is fully drawn (also signalled by body[data-state=ready]). */
      ready: Promise<void>;
      /** Resolves when the map is idle with every tile and label of the current view drawn. */
      settle: () => Promise<void>;
      /** Opens the info panel for a grid and moves the map to it, like the search box. */
      selectGrid: (code: string) => Promise<boolean>;
      /** Opens the component panel (部件信息) for a component code, as a click on it does; `fly` moves the map to it. */
      selectComponent: (code: string, opts?: { fly?: boolean }) => Promise<boolean>;
      /** The search box (grid and component codes, addresses, landmarks). */
      search: SearchHandle;
      /** "这里是哪里": the reverse-geocoding popup. */
      here: HereHandle;
      /** The map's point-picking mode (这里是哪里, 在地图上定位). */
      picker: Picker;
      /** Loads the deck.gl self-check module (a separate chunk). */
      diagnostics: () => Promise<typeof import('./diagnostics.js')>;
      /** The case heat map (热力图) layer's state. */
      heat: HeatState;
      /** The dispatcher panel once started (signed-in users only). */
      dispatch?: DispatchHandle | null;
      /** The editing mode (编辑) once started (grid editors only). */
      edit?: EditHandle | null;
      /** The 分析 panel (readers of the analyses only). */
      analysis?: AnalysisHandle | null;
      /** The 综合评价 page, route #/evaluation (readers of the evaluation only). */
      evaluation?: EvaluationHandle | null;
    };
  }
}

// MapLibre 6 runs its tile parsing in module workers started from this URL (the file is copied next to main.js
// by scripts/build-web.ts). Without it vector layers silently stay empty.
setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);

/** Where to look when the server has no district yet (Beijing). */
const FALLBACK_VIEW = { center: [116.39, 39.91] as [number, number], zoom: 10 };

function padding(): { top: number; bottom: number; left: number; right: number } {
  const side = window.innerWidth > 760 ? 340 : 20;
  return { top: 40, bottom: 40, left: side, right: 40 };
}

/** The TileJSON of each tile layer the server has (min and max zooms come from there); failed ones are left out. */
async function loadTileJsons(layers: string[]): Promise<Partial<Record<string, TileJson>>> {
  const answers = await Promise.allSettled(layers.map((l) => fetchTileJson(l)));
  const failed = answers.flatMap((a) => (a.status === 'rejected' ? [errorText(a.reason)] : []));
  if (failed.length) ui.setStatus(`图层信息加载失败：${failed[0]}`, 'error');
  return Object.fromEntries(answers.flatMap((a, i) => (a.status === 'fulfilled' ? [[layers[i], a.value]] : [])));
}

async function start(): Promise<void> {
  const [config, districts] = await Promise.all([
    fetchWebConfig(),
    fetchRegions('district').catch((e: unknown) => {
      ui.setStatus(`行政区范围加载失败：${e instanceof Error ? e.message : e}`, 'error');
      return null;
    }),
  ]);
  const tiles = await loadTileJsons(config.layers);
  ui.setMinzooms({
    streets: tiles.streets?.minzoom,
    communities: tiles.communities?.minzoom,
    grids: tiles.grids?.minzoom,
    cases: tiles.cases?.minzoom,
    components: tiles.components?.minzoom,
    componentCounts: tiles.component_counts?.minzoom,
    gridLabels: Math.max(GRID_LABEL_MINZOOM, tiles.grids?.minzoom ?? 0),
  });
  const extent = districts && districts.features.length ? bboxOf(districts) : null;
  const districtName = districts?.features.map((f) => f.properties.name).join('、') ?? '';
  ui.setDistrictName(districtName || '暂无行政区数据');

  const map = new MaplibreMap({
    container: 'map',
    style: buildStyle(config, tiles),
    ...(extent ? { bounds: extent as LngLatBoundsLike, fitBoundsOptions: { padding: padding() } } : FALLBACK_VIEW),
    maxZoom: 20,
    attributionControl: { compact: true, customAttribution: '网格数据 © wangge' },
    // Chinese characters use the style's text-font like all other text (drawn locally, no glyph server).
    localIdeographFontFamily: false,
    // The server may give tile URLs relative to the page; make them absolute before they reach the workers.
    // With PUBLIC_READ=false the bearer token (see token.ts) goes with every same-origin request.
    transformRequest: (url) => {
      const absolute = new URL(url, document.baseURI).href;
      return { url: absolute, headers: authHeaders(absolute) };
    },
  });
  map.addControl(new NavigationControl({ visualizePitch: false, showCompass: true }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right');
  map.addControl(downloadControl(), 'top-right');
  const overlay = createOverlay(map);
  // Before every other click handler: a picking mode takes the click first (pick.ts).
  const picker = createPicker(map);
  // Next: in the editing mode (edit/) a click selects a grid for editing and opens no other panel.
  const edit = createEdit(map);

  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {
    /* reported through data-state and the status line */
  });

  // --- errors: tile, TileJSON or style errors go to the console and the status line
  map.on('error', (e) => {
    const message = e.error?.message ?? String(e.error ?? e);
    console.error(`地图错误: ${message}`);
    ui.setStatus(`地图数据加载失败：${message}`, 'error');
  });

  // --- selection: the clicked or searched grid, drawn from the API's full geometry
  let selectSeq = 0;
  let componentSeq = 0;
  const closeComponent = () => {
    componentSeq++;
    hideComponent();
    markComponent(map, null);
  };
  const clearSelection = () => {
    selectSeq++;
    showSelection(map, null);
    ui.hideGrid();
    if (location.hash.startsWith('#grid=')) history.replaceState(null, '', location.pathname + location.search);
  };
  /** Opens the panel for a grid; with `fit`, moves the map to it. Resolves false (with a message) on failure. */
  const selectGrid = async (code: string, fit = false): Promise<boolean> => {
    const seq = ++selectSeq;
    try {
      const f = await fetchGrid(code);
      if (seq !== selectSeq) return false;
      ui.showGrid(f.properties);
      showSelection(map, f);
      history.replaceState(null, '', `#grid=${code}`);
      const b = bboxOf(f);
      if (fit && b) map.fitBounds(b as BBox, { padding: padding(), maxZoom: 17.5, duration: 600 });
      return true;
    } catch (e) {
      if (seq !== selectSeq) return false;
      const err = e instanceof ApiError ? e : new ApiError(0, String(e));
      if (fit) setSearchMessage(err.message, 'error', err.detail ?? '');
      else ui.setStatus(err.message, 'error');
      return false;
    }
  };

  // --- components: a click on one opens its panel (and closes the grid's)
  const componentClasses = new Map<string, Category>();
  /** With `fly` (the search box): moves the map to the component and reports a failure in the search message. */
  const selectComponent = async (code: string, opts: { fly?: boolean } = {}): Promise<boolean> => {
    const seq = ++componentSeq;
    try {
      const c = await fetchComponent(code);
      if (seq !== componentSeq) return false;
      clearSelection();
      showComponent(c, componentClasses);
      markComponent(map, c.code);
      if (opts.fly && c.location) {
        const zoom = Math.max(map.getZoom(), 18, tiles.components?.minzoom ?? 0);
        map.flyTo({
          center: [c.location.lon, c.location.lat],
          zoom,
          padding: padding(),
          duration: 800,
          essential: true,
        });
      }
      return true;
    } catch (e) {
      if (seq !== componentSeq) return false;
      if (opts.fly) {
        const err = e instanceof ApiError ? e : new ApiError(0, String(e));
        setSearchMessage(err.message, 'error', err.detail ?? '');
      } else ui.setStatus(errorText(e), 'error');
      return false;
    }
  };

  // --- grid-code labels follow the loaded tiles; the map counts as settled once they have caught up too
  const gridLabels = gridLabelTracker(map);
  let labelsDirty = false;
  map.on('idle', () => {
    labelsDirty = gridLabels.update();
  });
  const settle = () =>
    new Promise<void>((resolve) => {
      const check = () => (labelsDirty ? map.once('idle', check) : resolve());
      map.once('idle', check);
      map.triggerRepaint();
    });

  window.__wangge = {
    map,
    overlay,
    ready,
    settle,
    selectGrid: (code) => selectGrid(code, true),
    selectComponent,
    search: startSearch({
      map,
      selectGrid: (code) => selectGrid(code, true),
      selectComponent: (code) => selectComponent(code, { fly: true }),
      padding,
    }),
    here: startHere(map, picker),
    picker,
    diagnostics: () => import('./diagnostics.js'),
    heat: startHeat(overlay, map),
  };
  const hasCases = !!tiles.cases;
  if (!hasCases)
    document.querySelector('#layers input[data-group="cases"]')?.closest('label')?.setAttribute('hidden', '');

  const hasComponents = !!(tiles.components || tiles.component_counts);
  if (hasComponents) {
    listComponentClasses()
      .then((classes) => {
        for (const c of classes) componentClasses.set(c.code, c);
        showComponentLegend(classes);
      })
      .catch((e: unknown) => ui.setStatus(`部件分类加载失败：${errorText(e)}`, 'error'));
  } else {
    document.querySelector('#layers input[data-group="components"]')?.closest('label')?.setAttribute('hidden', '');
  }

  // --- controls
  ui.onLayerToggle((group, visible) => {
    setGroupVisible(map, group, visible);
    if (group === 'components' && !visible) closeComponent();
  });
  ui.onInfoClose(clearSelection);
  onComponentClose(closeComponent);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !(e.target instanceof HTMLInputElement)) {
      clearSelection();
      closeComponent();
    }
  });

  // --- map interaction: hover highlight and click on a grid
  gridHandlers(
    map,
    (code) => {
      closeComponent();
      if (code) void selectGrid(code);
      else clearSelection();
    },
    (point) => componentAt(map, point),
  );
  if (tiles.components) componentHandlers(map, (code) => void selectComponent(code));
  map.on('zoom', () => ui.setZoom(map.getZoom()));
  ui.setZoom(map.getZoom());

  map.once('load', async () => {
    try {
      const counts = await loadRegionLabels(map).catch((e: unknown) => {
        ui.setStatus(`街道、社区名称加载失败：${e instanceof Error ? e.message : e}`, 'error');
        return null;
      });
      if (districtName && counts)
        ui.setDistrictName(`${districtName} · ${counts.streets} 个街道 · ${counts.communities} 个社区`);
      const linked = /^#grid=(\d{15})$/.exec(location.hash)?.[1];
      if (linked) await selectGrid(linked, true);
      window.__wangge!.dispatch = await startDispatch({
        map,
        casesLayer: hasCases,
        selectGrid: (code) => selectGrid(code),
        clearGrid: clearSelection,
        selectComponent: (code) => selectComponent(code),
        picker,
      }).catch((e: unknown) => {
        ui.setStatus(`案件调度面板加载失败：${e instanceof Error ? e.message : e}`, 'error');
        return null;
      });
      window.__wangge!.edit = await edit.start().catch((e: unknown) => {
        ui.setStatus(`编辑模式加载失败：${errorText(e)}`, 'error');
        return null;
      });
      // The planner's views: who sees them is read from the server's OpenAPI document (x-roles).
      const me = await fetchMe().catch(() => null);
      const roles = me ? await fetchRouteRoles().catch(() => null) : null;
      window.__wangge!.analysis = startAnalysis({
        map,
        me,
        roles,
        selectGrid: (code) => selectGrid(code),
        onOpen: () => void window.__wangge?.edit?.toggle(false),
      });
      window.__wangge!.evaluation = startEvaluation({ map, me, roles });
      await settle();
      document.body.dataset.state = 'ready';
      resolveReady();
    } catch (e) {
      document.body.dataset.state = 'error';
      rejectReady(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

start().catch((e: unknown) => {
  console.error('地图初始化失败', e);
  document.body.dataset.state = 'error';
  ui.setStatus(`地图初始化失败：${e instanceof Error ? e.message : e}`, 'error');
});
