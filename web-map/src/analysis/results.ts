/**
 * What the map and the panel show for an answer (pure, no DOM): the value per unit (bin or category code), the
 * legend's units per value and the top list of hot units.
 */
import type { EmergingAnswer, HotspotAnswer } from './api.js';
import type { Palette } from './layer.js';

export const TOP_N = 10;

export interface TopItem {
  code: string;
  name: string | null;
  /** Cases in the unit (the period, or the month). */
  count: number;
  /** Gi* z-score (the period's, or the month's); null for the categories. */
  z: number | null;
  /** The bin or category code it shows. */
  value: number;
}

export interface Shown {
  values: Map<string, number>;
  palette: Palette;
  /** Units per bin or category code. */
  legend: Map<number, number>;
  /** Cases counted (the period, or the month). */
  cases: number;
  top: TopItem[];
}

function tally(values: Map<string, number>): Map<number, number> {
  const legend = new Map<number, number>();
  for (const v of values.values()) legend.set(v, (legend.get(v) ?? 0) + 1);
  return legend;
}

/** Hot units (value > 0) by z, highest first, then by code. */
function hottest(items: TopItem[]): TopItem[] {
  return items
    .filter((i) => i.value > 0)
    .sort((a, b) => (b.z ?? 0) - (a.z ?? 0) || b.count - a.count || (a.code < b.code ? -1 : 1))
    .slice(0, TOP_N);
}

/** The Gi* map of the whole period. */
export function hotspotShown(a: HotspotAnswer): Shown {
  const values = new Map<string, number>();
  const items: TopItem[] = [];
  for (const { properties: p } of a.features) {
    values.set(p.code, p.bin);
    items.push({ code: p.code, name: p.name, count: p.count, z: p.z, value: p.bin });
  }
  return { values, palette: 'bins', legend: tally(values), cases: a.analysis.cases, top: hottest(items) };
}

/** The Gi* map of one month (step t) of the emerging answer. */
export function stepShown(a: EmergingAnswer, t: number): Shown {
  const values = new Map<string, number>();
  const items: TopItem[] = [];
  for (const { properties: p } of a.features) {
    values.set(p.code, p.bins[t]);
    items.push({ code: p.code, name: p.name, count: p.counts[t], z: p.z[t], value: p.bins[t] });
  }
  return {
    values,
    palette: 'bins',
    legend: tally(values),
    cases: a.analysis.steps[t]?.cases ?? 0,
    top: hottest(items),
  };
}

/** Hot categories in the order a planner reads them: getting worse first, fading last. */
const HOT_ORDER = [3, 1, 2, 4, 7, 6, 5, 8];

/** The emerging categories; the top list holds hot-category units, the most pressing category first. */
export function trendShown(a: EmergingAnswer): Shown {
  const values = new Map<string, number>();
  const items: TopItem[] = [];
  for (const { properties: p } of a.features) {
    values.set(p.code, p.category_code);
    if (p.category_code > 0)
      items.push({ code: p.code, name: p.name, count: p.count, z: null, value: p.category_code });
  }
  items.sort(
    (x, y) =>
      HOT_ORDER.indexOf(x.value) - HOT_ORDER.indexOf(y.value) || y.count - x.count || (x.code < y.code ? -1 : 1),
  );
  return { values, palette: 'categories', legend: tally(values), cases: a.analysis.cases, top: items.slice(0, TOP_N) };
}

/** 'YYYY-MM-DD' of a month's first day → '2025年4月'. */
export const monthLabel = (from: string) => `${from.slice(0, 4)}年${Number(from.slice(5, 7))}月`;
