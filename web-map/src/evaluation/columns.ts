/**
 * The columns of the 综合评价 tables, read from the server (GET /api/evaluation/columns): the API's field, the Chinese
 * header of the yearly report — the words the server's CSV and XLSX downloads head their columns with — and how a value
 * reads. Rates read as percentages with two decimals (as the CSV prints them), scores with two decimals.
 */
import { request } from '../http.js';
import type { RegionLevel } from './api.js';

export type Kind = 'text' | 'int' | 'rate' | 'score' | 'grade' | 'bool' | { decimals: number };

export interface Column {
  key: string;
  header: string;
  kind: Kind;
}

/** Every table's columns as the server serves them. */
export interface EvaluationColumns {
  summary: Column[];
  departments: Column[];
  collectors: Column[];
  regions: Record<RegionLevel, Column[]>;
  posts: { acceptors: Column[]; shift_leaders: Column[]; dispatchers: Column[] };
  band_days: number;
}

export const fetchColumns = () => request<EvaluationColumns>('api/evaluation/columns');

export const LEVEL_NAMES: Record<RegionLevel, string> = { street: '街道', community: '社区', grid: '网格' };

const integer = new Intl.NumberFormat('zh-CN');

/** How a value reads in the page ('—' for no value: a rate without a denominator, no score). */
export function cellText(v: unknown, kind: Kind): string {
  if (v === null || v === undefined) return '—';
  if (kind === 'rate') return `${((v as number) * 100).toFixed(2)}%`;
  if (kind === 'score') return (v as number).toFixed(2);
  if (kind === 'bool') return v ? '是' : '否';
  if (kind === 'int') return integer.format(v as number);
  if (typeof kind === 'object') return (v as number).toFixed(kind.decimals);
  return String(v);
}
