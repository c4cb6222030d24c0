/**
 * The server calls of the 综合评价 page, all through the one client (http.ts): `GET /api/evaluation/{summary,
 * departments,collectors,regions,posts}?from&to` as JSON, and the URLs of their CSV and XLSX downloads.
 * Rates are unrounded fractions 0–1, null when their denominator is 0; score and grade are null without a score.
 */
import type { Summary } from '../../../server/evaluation/tables.js';
import { request } from '../http.js';

/** A period as the API takes it: days in China Standard Time, `from` inclusive, `to` exclusive. */
export interface Period {
  from: string;
  to: string;
}

export type Row = Record<string, string | number | boolean | null>;

/** The summary as the server builds it (server/evaluation/tables.ts; a type only, nothing of the server is bundled). */
export type { Summary } from '../../../server/evaluation/tables.js';

export type RegionLevel = 'street' | 'community' | 'grid';

export interface Posts {
  acceptors: Row[];
  shift_leaders: Row[];
  dispatchers: Row[];
}

/** The tables the API serves (regions per level; posts as one answer of three tables). */
export type TableName = 'summary' | 'departments' | 'collectors' | 'regions' | 'posts';

/** The URL of a table (relative to the page); `format` csv or xlsx for a download. */
export function evaluationUrl(
  table: TableName,
  p: Period,
  opts: { level?: RegionLevel; format?: 'csv' | 'xlsx' } = {},
): string {
  const q = new URLSearchParams({ from: p.from, to: p.to });
  if (opts.level) q.set('level', opts.level);
  if (opts.format) q.set('format', opts.format);
  return `api/evaluation/${table}?${q}`;
}

/** The file name the server gives a download (`wangge-evaluation-<table>-<from>_<to>.<ext>`). */
export function downloadName(table: TableName, p: Period, format: 'csv' | 'xlsx', level?: RegionLevel): string {
  return `wangge-evaluation-${table}${level ? `-${level}` : ''}-${p.from}_${p.to}.${format}`;
}

export const fetchSummary = (p: Period) => request<Summary>(evaluationUrl('summary', p));
export const fetchRows = (table: 'departments' | 'collectors', p: Period) =>
  request<{ rows: Row[] }>(evaluationUrl(table, p)).then((r) => r.rows);
export const fetchRegions = (p: Period, level: RegionLevel) =>
  request<{ level: RegionLevel; rows: Row[] }>(evaluationUrl('regions', p, { level })).then((r) => r.rows);
export const fetchPosts = (p: Period) => request<Posts>(evaluationUrl('posts', p));
