/**
 * The 分析 panel (a chunk, loaded when a reader first opens it): the form (form.ts) and three views of the cases —
 *
 * - 热点: the Gi* hot and cold spots of the period (`GET /api/analysis/hotspots`), coloured by bin;
 * - 逐月: each month's Gi* bins on a time slider, from the per-step series of one emerging answer
 *   (`GET /api/analysis/emerging?step=month`: one request for every month, cheaper than a hot spot request per month);
 * - 时空模式: the emerging hot spot categories of that same answer, labelled by the server.
 *
 * Each view has its legend (units per bin or category), the top hot units (a click flies there) and the CSV
 * download. Answers are kept per query, so switching views or months asks nothing again. Opening the panel hides the
 * dispatcher panel (body.analysing) and ends the editing mode; the editing mode opening closes this panel.
 */
import { fetchGrid } from '../api.js';
import { bboxOf, type BBox } from '../geo.js';
import { save } from '../download.js';
import { h } from '../dom.js';
import { errorText } from '../http.js';
import {
  analysisUrl,
  fetchEmerging,
  fetchHotspots,
  fetchRegion,
  type AnalysisQuery,
  type EmergingAnswer,
  type HotspotAnswer,
} from './api.js';
import { buildForm, fillCategories, readForm } from './form.js';
import type { AnalysisHandle, AnalysisOptions } from './index.js';
import { createAnalysisLayer } from './layer.js';
import { renderResults, type AnalysisView, type Tab } from './render.js';
import { hotspotShown, stepShown, trendShown } from './results.js';

export type { AnalysisView } from './render.js';

const PLAY_MS = 1200;
const UNIT_NAMES = { grid: '单元网格', community: '社区' } as const;

export function createAnalysisPanel(opts: AnalysisOptions, button: HTMLButtonElement): AnalysisHandle {
  const { map } = opts;
  const layer = createAnalysisLayer(map);
  const v: AnalysisView = {
    tab: 'hotspots',
    query: null,
    loading: false,
    message: null,
    step: 0,
    playing: false,
    shown: null,
    emerging: null,
    zoomHint: null,
  };
  const hotspots = new Map<string, HotspotAnswer>();
  const emerging = new Map<string, EmergingAnswer>();
  let active = false;
  let pending: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setInterval> | undefined;

  const form = buildForm(() => void run());
  const results = h('div', { class: 'analysis-results' });
  const close = h('button', { type: 'button', class: 'close', 'aria-label': '关闭分析', title: '关闭分析' }, '×');
  close.addEventListener('click', () => void toggle(false));
  const panel = h(
    'aside',
    { id: 'analysis', class: 'card', hidden: true, 'aria-labelledby': 'analysis-title' },
    h('header', {}, h('h2', { id: 'analysis-title' }, '热点分析'), close),
    h('div', { class: 'analysis-body' }, form.el, results),
  );
  document.body.append(panel);
  fillCategories(form).catch((e: unknown) => say(`案件类别加载失败：${errorText(e)}`, 'error'));

  const keyOf = (q: AnalysisQuery) => JSON.stringify(q);
  const say = (text: string, kind: 'info' | 'error' = 'info') => {
    v.message = text ? { text, kind } : null;
    render();
  };

  function zoomHint(): string | null {
    if (!v.query || !v.shown) return null;
    const level = v.query.level;
    if (!layer.has(level)) return `地图没有${UNIT_NAMES[level]}图层，无法着色`;
    const z = layer.minzoom(level);
    return map.getZoom() < z ? `${UNIT_NAMES[level]}在 ${z} 级起显示，请放大地图` : null;
  }

  function render(): void {
    v.zoomHint = zoomHint();
    renderResults(results, v, actions);
  }

  /** Puts what the current view shows on the map. */
  function show(): void {
    if (active && v.shown && v.query) layer.show(v.query.level, v.shown.values, v.shown.palette);
    else layer.clear();
    render();
  }

  /** Runs one request at a time with the panel busy; a refusal shows the server's detail. */
  function busy(fn: () => Promise<void>): Promise<void> {
    const run = pending.then(async () => {
      v.loading = true;
      say('正在分析…');
      try {
        await fn();
        v.message = null;
      } catch (e) {
        v.message = { text: `分析失败：${errorText(e)}`, kind: 'error' };
      } finally {
        v.loading = false;
        show();
      }
    });
    pending = run;
    return run;
  }

  /** Loads what the tab needs for the query (or takes it from the answers kept) and shows it. */
  async function load(q: AnalysisQuery, tab: Tab): Promise<void> {
    const key = keyOf(q);
    if (tab === 'hotspots') {
      if (!hotspots.has(key)) hotspots.set(key, await fetchHotspots(q));
      Object.assign(v, { query: q, tab, shown: hotspotShown(hotspots.get(key)!) });
      return;
    }
    if (!emerging.has(key)) emerging.set(key, await fetchEmerging(q));
    const e = emerging.get(key)!;
    const fresh = v.emerging !== e;
    Object.assign(v, { query: q, tab, emerging: e });
    if (fresh) v.step = e.analysis.steps.length - 1;
    v.shown = tab === 'steps' ? stepShown(e, v.step) : trendShown(e);
  }

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
    v.playing = false;
  }

  async function run(): Promise<void> {
    const q = readForm(form);
    if (typeof q === 'string') return say(q, 'error');
    stop();
    await busy(async () => {
      v.shown = null;
      v.emerging = null;
      await load(q, v.tab);
    });
  }

  async function tab(t: Tab): Promise<void> {
    stop();
    if (!v.query) {
      v.tab = t;
      return render();
    }
    const q = v.query;
    await busy(async () => {
      v.tab = t;
      v.shown = null;
      await load(q, t);
    });
  }

  function step(i: number): void {
    const e = v.emerging;
    if (!e || v.tab !== 'steps') return;
    v.step = Math.max(0, Math.min(e.analysis.steps.length - 1, Math.round(i)));
    v.shown = stepShown(e, v.step);
    show();
  }

  function play(): void {
    const e = v.emerging;
    if (!e) return;
    if (v.playing) {
      stop();
      return render();
    }
    const last = e.analysis.steps.length - 1;
    if (v.step >= last) step(0);
    v.playing = true;
    timer = setInterval(() => {
      if (v.step >= last) {
        stop();
        return render();
      }
      step(v.step + 1);
    }, PLAY_MS);
    render();
  }

  /** Room the map keeps free for the panels when it flies: the sidebar on the left, this panel on the right. */
  const padding = () =>
    window.innerWidth > 760
      ? { top: 40, bottom: 40, left: 340, right: 460 }
      : { top: 40, bottom: 40, left: 20, right: 20 };

  async function fly(code: string): Promise<void> {
    const level = v.query?.level;
    try {
      const f = level === 'community' ? await fetchRegion(code) : await fetchGrid(code);
      const b = bboxOf(f);
      if (b) map.fitBounds(b as BBox, { padding: padding(), maxZoom: 17.5, duration: 600 });
      if (level === 'community') layer.focus(f);
      else {
        layer.focus(null);
        await opts.selectGrid(code);
      }
    } catch (e) {
      say(`定位失败：${errorText(e)}`, 'error');
    }
  }

  function download(): void {
    const q = v.query;
    if (!q) return;
    const hot = v.tab === 'hotspots';
    const url = hot
      ? analysisUrl('hotspots', q, { format: 'csv' })
      : analysisUrl('emerging', q, { format: 'csv', step: 'month', series: 'true' });
    const name = `wangge-${hot ? 'hotspots' : 'emerging'}-${q.level}-${q.from}-${q.to}.csv`;
    save(new URL(url, document.baseURI).href, name)
      .then(() => say(`已下载 ${name}`))
      .catch((e: unknown) => say(`下载失败：${errorText(e)}`, 'error'));
  }

  const actions = {
    tab: (t: Tab) => void tab(t),
    step,
    play,
    fly: (code: string) => void fly(code),
    download,
    zoomIn: () => {
      if (v.query) map.easeTo({ zoom: layer.minzoom(v.query.level) + 0.5, duration: 500 });
    },
  };

  async function toggle(want = !active): Promise<void> {
    if (want === active) return;
    active = want;
    button.setAttribute('aria-pressed', String(want));
    button.classList.toggle('on', want);
    panel.hidden = !want;
    document.body.classList.toggle('analysing', want);
    if (!want) {
      stop();
      layer.clear();
      return render();
    }
    opts.onOpen?.();
    if (!v.query) await run();
    else show();
  }

  // The editing mode and this panel share the right side: editing opening closes the analysis.
  new MutationObserver(() => {
    if (active && document.body.classList.contains('editing')) void toggle(false);
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  map.on('zoomend', () => {
    if (active && zoomHint() !== v.zoomHint) render();
  });

  render();
  return {
    active: () => active,
    toggle,
    run,
    tab,
    step,
    view: () => v,
    valueOf: (level, code) => layer.valueOf(level, code),
    idle: async () => {
      let seen: Promise<unknown>;
      do {
        seen = pending;
        await seen;
      } while (seen !== pending);
    },
  };
}
