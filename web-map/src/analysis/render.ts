/**
 * The results part of the 分析 panel (DOM only, rebuilt on every change): the tabs 热点 / 逐月 / 时空模式, the message,
 * the time slider, the legend with the units per bin or category, a hint when the units are not drawn at this zoom,
 * the top list of hot units and the CSV download.
 */
import { h, showMessage } from '../dom.js';
import type { AnalysisQuery, EmergingAnswer } from './api.js';
import { BINS, CATEGORY_COLORS } from './layer.js';
import { monthLabel, type Shown } from './results.js';

export type Tab = 'hotspots' | 'steps' | 'trends';

export const TAB_LABELS: Record<Tab, string> = { hotspots: '热点', steps: '逐月', trends: '时空模式' };
const UNIT_NAMES = { grid: '网格', community: '社区' } as const;

export interface AnalysisView {
  tab: Tab;
  /** The query of the answers shown (null before the first run). */
  query: AnalysisQuery | null;
  loading: boolean;
  message: { text: string; kind: 'info' | 'error' } | null;
  /** The month the slider shows (逐月). */
  step: number;
  playing: boolean;
  /** What the map shows now (null: nothing). */
  shown: Shown | null;
  emerging: EmergingAnswer | null;
  /** The hint shown when the units are not drawn at the map's zoom. */
  zoomHint: string | null;
}

export interface ResultActions {
  tab(t: Tab): void;
  step(i: number): void;
  play(): void;
  fly(code: string): void;
  download(): void;
  zoomIn(): void;
}

const number = new Intl.NumberFormat('zh-CN');
const swatch = (color: string) => h('span', { class: 'swatch analysis-swatch', style: `background:${color}` });

function legendRow(value: number, color: string, label: string, units: number): HTMLElement {
  return h(
    'li',
    { 'data-value': value, class: units ? '' : 'none' },
    swatch(color),
    h('span', { class: 'analysis-legend-label' }, label),
    h('span', { class: 'analysis-count', 'data-field': 'units' }, number.format(units)),
  );
}

function legend(v: AnalysisView, shown: Shown, unit: string): HTMLElement {
  const list = h('ul', { class: 'analysis-legend', 'data-palette': shown.palette });
  if (shown.palette === 'bins') {
    for (const b of BINS) list.append(legendRow(b.bin, b.color, b.label, shown.legend.get(b.bin) ?? 0));
  } else {
    // Labels, codes and counts of the categories come from the server (analysis.categories).
    const cats = Object.values(v.emerging?.analysis.categories ?? {}).sort(
      (a, b) => Number(a.code <= 0) - Number(b.code <= 0) || Math.abs(a.code) - Math.abs(b.code) || a.code - b.code,
    );
    const hidden: string[] = [];
    for (const c of cats) {
      if (c.units === 0) hidden.push(c.label);
      else list.append(legendRow(c.code, CATEGORY_COLORS[c.code] ?? 'transparent', c.label, c.units));
    }
    if (hidden.length)
      list.append(
        h('li', { class: 'muted analysis-legend-rest', title: hidden.join('、') }, `其余 ${hidden.length} 类：0 个`),
      );
  }
  return h('div', {}, h('div', { class: 'analysis-subtitle' }, `图例（${unit}数）`), list);
}

function slider(v: AnalysisView, actions: ResultActions): HTMLElement | null {
  const steps = v.emerging?.analysis.steps ?? [];
  if (!steps.length) return null;
  const input = h('input', {
    type: 'range',
    name: 'step',
    min: 0,
    max: steps.length - 1,
    step: 1,
    value: v.step,
    'aria-label': '月份',
  });
  input.addEventListener('input', () => actions.step(Number(input.value)));
  return h(
    'div',
    { class: 'analysis-slider' },
    h(
      'button',
      {
        type: 'button',
        class: 'small',
        'data-action': 'play',
        title: v.playing ? '暂停' : '逐月播放',
        onclick: () => actions.play(),
      },
      v.playing ? '⏸' : '▶',
    ),
    input,
    h('span', { class: 'analysis-month', 'data-field': 'month' }, monthLabel(steps[v.step].from)),
  );
}

function topList(shown: Shown, unit: string, actions: ResultActions, categories: boolean): HTMLElement {
  const title = categories
    ? `热点趋势${unit}（前 ${shown.top.length} 个）`
    : `热点${unit}（前 ${shown.top.length} 个）`;
  if (!shown.top.length)
    return h('p', { class: 'muted analysis-none' }, categories ? `没有热点趋势${unit}` : `没有显著的热点${unit}`);
  return h(
    'div',
    {},
    h('div', { class: 'analysis-subtitle' }, title),
    h(
      'ol',
      { class: 'analysis-top' },
      ...shown.top.map((t) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', 'data-code': t.code, title: '定位到地图', onclick: () => actions.fly(t.code) },
            swatch(categories ? CATEGORY_COLORS[t.value] : (BINS.find((b) => b.bin === t.value)?.color ?? '')),
            h('span', { class: 'analysis-top-name' }, t.name ?? t.code, h('small', { class: 'mono muted' }, t.code)),
            h(
              'span',
              { class: 'analysis-top-figures' },
              `${number.format(t.count)} 件`,
              t.z === null ? '' : ` · z ${t.z.toFixed(2)}`,
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderResults(el: HTMLElement, v: AnalysisView, actions: ResultActions): void {
  const tabs = h(
    'div',
    { class: 'analysis-tabs', role: 'tablist' },
    ...(Object.keys(TAB_LABELS) as Tab[]).map((t) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          'data-tab': t,
          'aria-selected': String(v.tab === t),
          disabled: !v.query || v.loading,
          onclick: () => actions.tab(t),
        },
        TAB_LABELS[t],
      ),
    ),
  );
  const message = h('p', { class: 'analysis-message' });
  showMessage(message, v.message?.text ?? '', v.message?.kind ?? 'info', 'analysis-message');
  const parts: (HTMLElement | null)[] = [tabs, message];
  const shown = v.shown;
  if (shown && v.query) {
    const unit = UNIT_NAMES[v.query.level];
    if (v.tab === 'steps') parts.push(slider(v, actions));
    parts.push(
      h(
        'p',
        { class: 'analysis-summary', 'data-field': 'summary' },
        `${number.format(shown.values.size)} 个${unit} · ${number.format(shown.cases)} 件案件`,
      ),
      legend(v, shown, unit),
    );
    if (v.zoomHint)
      parts.push(
        h(
          'p',
          { class: 'analysis-zoom-hint' },
          v.zoomHint,
          h('button', { type: 'button', class: 'small', onclick: () => actions.zoomIn() }, '放大'),
        ),
      );
    parts.push(
      topList(shown, unit, actions, v.tab === 'trends'),
      h(
        'button',
        { type: 'button', class: 'small', 'data-action': 'download', onclick: () => actions.download() },
        v.tab === 'hotspots' ? '下载 CSV（热点分析）' : '下载 CSV（时空模式与逐月序列）',
      ),
    );
  }
  el.replaceChildren(...parts.filter((p): p is HTMLElement => !!p));
}
