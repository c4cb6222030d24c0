/**
 * The monthly trend charts of the 综合评价 page, drawn with ECharts — only the parts used (bar and line charts, grid,
 * tooltip, legend, the SVG renderer), imported from `echarts/core` so that the rest stays out of the bundle. This
 * module is a chunk of its own, loaded when the page first draws a trend; the map's bundle does not grow.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { Summary } from './api.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export interface MonthPoint {
  /** 'YYYY-MM' */
  month: string;
  summary: Summary;
}

const COUNTS: [keyof Summary, string, string][] = [
  ['reported', '上报数', '#4c6ef5'],
  ['filed', '立案数', '#15aabf'],
  ['closed', '结案数', '#40c057'],
  ['closed_on_time', '按期结案数', '#fab005'],
];
/** Rate lines; 按期处置率 equals 按期结案率 whenever every disposed case is closed: dashed, with its own marker, on top. */
const RATES: [keyof Summary, string, string, { dashed?: boolean; symbol: string }][] = [
  ['filing_rate', '立案率', '#15aabf', { symbol: 'circle' }],
  ['on_time_disposal_rate', '按期处置率', '#e8590c', { dashed: true, symbol: 'diamond' }],
  ['closure_rate', '结案率', '#40c057', { symbol: 'rect' }],
  ['on_time_closure_rate', '按期结案率', '#c2255c', { symbol: 'triangle' }],
];

const monthLabel = (m: string) => `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`;
const FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

export interface Trends {
  counts: echarts.ECharts;
  rates: echarts.ECharts;
  /** The series as drawn (for tests): name → values per month. */
  series(): Record<string, (number | null)[]>;
  resize(): void;
  dispose(): void;
}

export function renderTrends(countsEl: HTMLElement, ratesEl: HTMLElement, points: MonthPoint[]): Trends {
  const months = points.map((p) => monthLabel(p.month));
  const base = {
    textStyle: { fontFamily: FONT },
    animation: false,
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    legend: { top: 4, itemWidth: 14, itemHeight: 10 },
    xAxis: { type: 'category' as const, data: months },
  };
  const counts = echarts.init(countsEl, undefined, { renderer: 'svg' });
  counts.setOption({
    ...base,
    tooltip: { trigger: 'axis' },
    yAxis: { type: 'value', name: '件', minInterval: 1 },
    series: COUNTS.map(([key, name, color]) => ({
      type: 'bar',
      name,
      color,
      barMaxWidth: 28,
      data: points.map((p) => p.summary[key]),
    })),
  });
  const rates = echarts.init(ratesEl, undefined, { renderer: 'svg' });
  const pct = (v: number | null) => (v === null ? null : Math.round(v * 10000) / 100);
  rates.setOption({
    ...base,
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)}%` : '—'),
    },
    yAxis: { type: 'value', name: '%', min: 0, max: 100 },
    series: RATES.map(([key, name, color, look]) => ({
      type: 'line',
      name,
      color,
      connectNulls: false,
      symbol: look.symbol,
      symbolSize: look.dashed ? 8 : 6,
      lineStyle: look.dashed ? { type: 'dashed', width: 2.5 } : undefined,
      z: look.dashed ? 3 : 2,
      data: points.map((p) => pct(p.summary[key] as number | null)),
    })),
  });
  return {
    counts,
    rates,
    series: () => {
      const out: Record<string, (number | null)[]> = {};
      for (const chart of [counts, rates]) {
        const option = chart.getOption() as { series: { name: string; data: (number | null)[] }[] };
        for (const s of option.series) out[s.name] = s.data;
      }
      return out;
    },
    resize: () => {
      counts.resize();
      rates.resize();
    },
    dispose: () => {
      counts.dispose();
      rates.dispose();
    },
  };
}
