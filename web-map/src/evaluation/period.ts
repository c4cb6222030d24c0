/**
 * Periods of the 综合评价 page (pure): days in China Standard Time as 'YYYY-MM-DD', `to` exclusive as the API takes
 * them; the presets a report is asked for (本月, 上月, 本季度, 上季度, 本年, 上年) and the months of a period for the
 * trend charts.
 */
import type { Period } from './api.js';

const DAY = 86_400_000;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' plus n days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** Today in China Standard Time. */
export const chinaToday = (now = Date.now()) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

const first = (y: number, m: number) => {
  const t = y * 12 + m; // m: 0-based, may run over
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}-01`;
};

export type Preset = 'this_month' | 'last_month' | 'this_quarter' | 'last_quarter' | 'this_year' | 'last_year';

export const PRESET_LABELS: Record<Preset, string> = {
  this_month: '本月',
  last_month: '上月',
  this_quarter: '本季度',
  last_quarter: '上季度',
  this_year: '本年',
  last_year: '上年',
};

/** A preset's period; the current month, quarter or year ends with today. */
export function presetPeriod(preset: Preset, today = chinaToday()): Period {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7)) - 1;
  const q = m - (m % 3);
  const tomorrow = addDays(today, 1);
  switch (preset) {
    case 'this_month':
      return { from: first(y, m), to: tomorrow };
    case 'last_month':
      return { from: first(y, m - 1), to: first(y, m) };
    case 'this_quarter':
      return { from: first(y, q), to: tomorrow };
    case 'last_quarter':
      return { from: first(y, q - 3), to: first(y, q) };
    case 'this_year':
      return { from: first(y, 0), to: tomorrow };
    case 'last_year':
      return { from: first(y - 1, 0), to: first(y, 0) };
  }
}

/** The calendar months a period touches, each cut to the period: the trend's points. */
export function monthsOf(p: Period): { month: string; period: Period }[] {
  const out: { month: string; period: Period }[] = [];
  let from = p.from;
  while (from < p.to) {
    const y = Number(from.slice(0, 4));
    const m = Number(from.slice(5, 7)) - 1;
    const next = first(y, m + 1);
    const to = next < p.to ? next : p.to;
    out.push({ month: from.slice(0, 7), period: { from, to } });
    from = to;
  }
  return out;
}

/** The period as people read it: the last day inclusive. */
export const periodText = (p: Period) => `${p.from} 至 ${addDays(p.to, -1)}`;
