/**
 * The 综合评价 page (a chunk, loaded when an evaluation reader first opens `#/evaluation`): a full-page view over the
 * map with the period (dates, or 本月 … 上年), the summary figures of the period (上报数 … 按期结案率), the monthly trend
 * charts (ECharts, charts.ts: one summary request per month) and the graded tables — 专业部门, 监督员, 区域 (街道 / 社区 /
 * 网格) and 岗位 (受理员 / 值班长 / 派遣员) — sortable by any column. Every table downloads as CSV or XLSX through the
 * API's `format=csv|xlsx` (the server's own files, with the yearly report's Chinese headers).
 *
 * The period is kept in the address (`#/evaluation?from=2025-03-01&to=2025-04-01`, `to` exclusive as the API takes it).
 */
import { save } from '../download.js';
import { h, showMessage } from '../dom.js';
import { errorText } from '../http.js';
import {
  downloadName,
  evaluationUrl,
  fetchPosts,
  fetchRegions,
  fetchRows,
  fetchSummary,
  type Period,
  type Posts,
  type RegionLevel,
  type Row,
  type Summary,
  type TableName,
} from './api.js';
import type { MonthPoint, Trends } from './charts.js';
import { cellText, fetchColumns, LEVEL_NAMES, type Column, type EvaluationColumns } from './columns.js';
import { addDays, DATE, monthsOf, periodText, presetPeriod, PRESET_LABELS, type Preset } from './period.js';
import { renderTable, type Sort } from './table.js';

export type Tab = 'departments' | 'collectors' | 'regions' | 'posts';
export type PostKind = keyof Posts;

const TAB_LABELS: Record<Tab, string> = {
  departments: '专业部门',
  collectors: '监督员',
  regions: '区域评价',
  posts: '岗位评价',
};
const POST_LABELS: Record<PostKind, string> = { acceptors: '受理员', shift_leaders: '值班长', dispatchers: '派遣员' };
/** The trend asks one summary per month: at most this many months, the last of the period. */
export const TREND_MONTHS = 36;

export interface EvaluationView {
  period: Period | null;
  loading: boolean;
  message: { text: string; kind: 'info' | 'error' } | null;
  summary: Summary | null;
  tab: Tab;
  level: RegionLevel;
  post: PostKind;
  rows: Row[] | null;
  sort: Sort | null;
  trend: MonthPoint[] | null;
}

export interface EvaluationPage {
  show(period?: Period): Promise<void>;
  hide(): void;
  query(p: Period): Promise<void>;
  tab(t: Tab, sub?: RegionLevel | PostKind): Promise<void>;
  view(): EvaluationView;
  /** The trend charts' series as drawn (name → values per month), or null before they are drawn. */
  series(): Record<string, (number | null)[]> | null;
  idle(): Promise<void>;
}

export function createEvaluationPage(user: string, onBack: () => void): EvaluationPage {
  const v: EvaluationView = {
    period: null,
    loading: false,
    message: null,
    summary: null,
    tab: 'departments',
    level: 'street',
    post: 'acceptors',
    rows: null,
    sort: null,
    trend: null,
  };
  const cache = new Map<string, Promise<unknown>>();
  let seq = 0;
  let pending: Promise<unknown> = Promise.resolve();
  let trends: Trends | null = null;
  /** The tables' columns, from the server (loaded with the first period). */
  let cols: EvaluationColumns | null = null;

  // --- the skeleton
  const input = (name: string, label: string) =>
    h('input', { type: 'date', name, required: true, 'aria-label': label });
  const from = input('from', '开始日期');
  const to = input('to', '结束日期');
  const presets = (Object.keys(PRESET_LABELS) as Preset[]).map((p) =>
    h(
      'button',
      { type: 'button', class: 'eval-preset', 'data-preset': p, onclick: () => void query(presetPeriod(p)) },
      PRESET_LABELS[p],
    ),
  );
  const message = h('span', { class: 'eval-message', role: 'status' });
  const form = h(
    'form',
    { class: 'eval-period', novalidate: true },
    h('span', { class: 'muted' }, '统计时段'),
    from,
    h('span', { class: 'muted' }, '至'),
    to,
    h('button', { type: 'submit', class: 'primary' }, '查询'),
    h('span', { class: 'eval-presets' }, ...presets),
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!DATE.test(from.value) || !DATE.test(to.value)) return say('请填写开始和结束日期', 'error');
    if (to.value < from.value) return say('结束日期不能早于开始日期', 'error');
    void query({ from: from.value, to: addDays(to.value, 1) });
  });
  const summaryTitle = h('small', { class: 'muted' });
  const cards = h('div', { class: 'eval-cards' });
  const countsChart = h('div', { class: 'eval-chart', 'data-chart': 'counts' });
  const ratesChart = h('div', { class: 'eval-chart', 'data-chart': 'rates' });
  const trendNote = h('p', { class: 'muted eval-note' });
  const tabs = h('div', { class: 'eval-tabs', role: 'tablist' });
  const subtabs = h('div', { class: 'eval-subtabs' });
  const tableSlot = h('div', { class: 'eval-table-slot' });
  const tableDownloads = h('span', { class: 'eval-downloads' });
  const downloads = (table: TableName, level?: () => RegionLevel) =>
    (['csv', 'xlsx'] as const).map((format) =>
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          'data-download': table,
          'data-format': format,
          onclick: () => download(table, format, level?.()),
        },
        `下载 ${format.toUpperCase()}`,
      ),
    );
  const page = h(
    'section',
    { id: 'evaluation', hidden: true, 'aria-labelledby': 'evaluation-title' },
    h(
      'header',
      { class: 'eval-header' },
      h('button', { type: 'button', class: 'eval-back', onclick: onBack }, '← 返回地图'),
      h('h1', { id: 'evaluation-title' }, '综合评价'),
      h('span', { class: 'muted' }, user),
    ),
    form,
    h(
      'main',
      { class: 'eval-main' },
      h(
        'section',
        { class: 'eval-section' },
        h('h2', {}, '案件总体情况 ', summaryTitle, h('span', { class: 'eval-downloads' }, ...downloads('summary'))),
        cards,
      ),
      h(
        'section',
        { class: 'eval-section' },
        h('h2', {}, '月度趋势'),
        h('div', { class: 'eval-charts' }, countsChart, ratesChart),
        trendNote,
      ),
      h('section', { class: 'eval-section' }, h('h2', {}, '评价明细 ', tableDownloads), tabs, subtabs, tableSlot),
    ),
  );
  document.body.append(page);
  window.addEventListener('resize', () => trends?.resize());

  function say(text: string, kind: 'info' | 'error' = 'info'): void {
    v.message = text ? { text, kind } : null;
    showMessage(message, text, kind, 'eval-message');
  }

  const cached = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    if (!cache.has(key))
      cache.set(
        key,
        load().catch((e: unknown) => (cache.delete(key), Promise.reject(e))),
      );
    return cache.get(key) as Promise<T>;
  };

  // --- rendering
  function renderSummary(): void {
    summaryTitle.textContent = v.period ? periodText(v.period) : '';
    const s = v.summary;
    cards.replaceChildren(
      ...(cols?.summary ?? []).map((c) =>
        h(
          'div',
          { class: `eval-card${c.kind === 'rate' ? ' rate' : ''}`, 'data-key': c.key },
          h('div', { class: 'eval-card-label' }, c.header),
          h('div', { class: 'eval-card-value' }, s ? cellText(s[c.key as keyof Summary], c.kind) : '…'),
        ),
      ),
    );
  }

  function columns(): Column[] {
    if (!cols) return [];
    if (v.tab === 'regions') return cols.regions[v.level];
    if (v.tab === 'posts') return cols.posts[v.post];
    return cols[v.tab];
  }

  function renderTabs(): void {
    tabs.replaceChildren(
      ...(Object.keys(TAB_LABELS) as Tab[]).map((t) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            'data-tab': t,
            'aria-selected': String(v.tab === t),
            onclick: () => void tab(t),
          },
          TAB_LABELS[t],
        ),
      ),
    );
    const sub = <K extends RegionLevel | PostKind>(labels: Record<K, string>, current: K) =>
      (Object.keys(labels) as K[]).map((k) =>
        h(
          'button',
          { type: 'button', 'data-sub': k, 'aria-pressed': String(current === k), onclick: () => void tab(v.tab, k) },
          labels[k],
        ),
      );
    subtabs.replaceChildren(
      ...(v.tab === 'regions' ? sub(LEVEL_NAMES, v.level) : v.tab === 'posts' ? sub(POST_LABELS, v.post) : []),
    );
    const table: TableName = v.tab;
    tableDownloads.replaceChildren(...downloads(table, () => v.level));
  }

  function renderRows(): void {
    tableSlot.replaceChildren(
      v.rows && cols
        ? renderTable(
            columns(),
            v.rows,
            v.sort,
            (s) => {
              v.sort = s;
              renderRows();
            },
            v.tab === 'posts' ? v.post : v.tab === 'regions' ? `regions-${v.level}` : v.tab,
          )
        : h('p', { class: 'muted' }, '正在加载…'),
    );
  }

  async function renderTrend(points: MonthPoint[], note: string): Promise<void> {
    trendNote.textContent = note;
    const { renderTrends } = await import('./charts.js');
    trends?.dispose();
    trends = renderTrends(countsChart, ratesChart, points);
  }

  // --- loading
  function track(p: Promise<unknown>): Promise<unknown> {
    const all = Promise.allSettled([pending, p]);
    pending = all;
    return all;
  }

  async function loadTable(p: Period): Promise<Row[]> {
    const key = `${p.from}|${p.to}`;
    if (v.tab === 'regions') return cached(`regions|${v.level}|${key}`, () => fetchRegions(p, v.level));
    if (v.tab === 'posts') return (await cached(`posts|${key}`, () => fetchPosts(p)))[v.post];
    const table = v.tab;
    return cached(`${table}|${key}`, () => fetchRows(table, p));
  }

  async function showTable(): Promise<void> {
    const p = v.period;
    if (!p) return;
    const mine = seq;
    v.rows = null;
    renderTabs();
    renderRows();
    try {
      const rows = await loadTable(p);
      if (mine !== seq) return;
      v.rows = rows;
    } catch (e) {
      if (mine !== seq) return;
      v.rows = [];
      say(`评价明细加载失败：${errorText(e)}`, 'error');
    }
    renderRows();
  }

  async function loadTrend(p: Period, mine: number): Promise<void> {
    const months = monthsOf(p);
    const shown = months.slice(-TREND_MONTHS);
    const note =
      months.length > shown.length ? `时段超过 ${TREND_MONTHS} 个月，趋势图显示最后 ${TREND_MONTHS} 个月。` : '';
    const points: MonthPoint[] = new Array(shown.length);
    let next = 0;
    // Four requests at a time.
    const worker = async () => {
      while (next < shown.length) {
        const i = next++;
        const m = shown[i];
        points[i] = {
          month: m.month,
          summary: await cached(`summary|${m.period.from}|${m.period.to}`, () => fetchSummary(m.period)),
        };
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    if (mine !== seq) return;
    v.trend = points;
    await renderTrend(points, note);
  }

  async function query(p: Period): Promise<void> {
    const mine = ++seq;
    v.period = p;
    v.summary = null;
    v.trend = null;
    v.loading = true;
    from.value = p.from;
    to.value = addDays(p.to, -1);
    history.replaceState(null, '', `#/evaluation?from=${p.from}&to=${p.to}`);
    say('正在统计…');
    renderSummary();
    const work = (async () => {
      try {
        cols ??= await cached('columns', fetchColumns);
        const [summary] = await Promise.all([
          cached(`summary|${p.from}|${p.to}`, () => fetchSummary(p)),
          showTable(),
          loadTrend(p, mine),
        ]);
        if (mine !== seq) return;
        v.summary = summary;
        if (v.message?.kind !== 'error') say('');
      } catch (e) {
        if (mine !== seq) return;
        say(`统计失败：${errorText(e)}`, 'error');
      } finally {
        if (mine === seq) v.loading = false;
        renderSummary();
      }
    })();
    await track(work);
  }

  async function tab(t: Tab, sub?: RegionLevel | PostKind): Promise<void> {
    if (t !== v.tab) v.sort = null;
    v.tab = t;
    if (t === 'regions' && sub) v.level = sub as RegionLevel;
    if (t === 'posts' && sub) v.post = sub as PostKind;
    if (sub) v.sort = null;
    await track(showTable());
  }

  function download(table: TableName, format: 'csv' | 'xlsx', level?: RegionLevel): void {
    const p = v.period;
    if (!p) return;
    const lv = table === 'regions' ? level : undefined;
    const name = downloadName(table, p, format, lv);
    const url = new URL(evaluationUrl(table, p, { format, level: lv }), document.baseURI).href;
    say('正在准备下载…');
    save(url, name)
      .then(() => say(`已下载 ${name}`))
      .catch((e: unknown) => say(`下载失败：${errorText(e)}`, 'error'));
  }

  renderSummary();
  renderTabs();
  return {
    async show(period) {
      page.hidden = false;
      document.body.classList.add('evaluating');
      if (period && (period.from !== v.period?.from || period.to !== v.period?.to)) await query(period);
      else if (!v.period) await query(presetPeriod('this_year'));
      else trends?.resize();
    },
    hide() {
      page.hidden = true;
      document.body.classList.remove('evaluating');
    },
    query,
    tab,
    view: () => v,
    series: () => trends?.series() ?? null,
    idle: async () => {
      let seen: Promise<unknown>;
      do {
        seen = pending;
        await seen;
      } while (seen !== pending);
    },
  };
}
