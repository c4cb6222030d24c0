/**
 * The evaluation tables as CSV and XLSX, with the Chinese column headers of a yearly report (上报数, 立案数 … 综合指标值,
 * 评价等级). Rates: in CSV a percentage with two decimals ("96.21%", as reports print them; Excel reads it as a
 * number); in XLSX the unrounded fraction formatted 0.00%. Empty cell: no value (a rate of nothing, no score).
 */
import type { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvLine } from '../components/export.js';
import type { Column, Kind } from './columns.js';

export type { Column, Kind } from './columns.js';

export interface Table {
  /** Sheet name (XLSX) and block title (CSV with several tables). */
  title: string;
  columns: Column[];
  rows: object[];
}

const value = (row: object, key: string): unknown => (row as Record<string, unknown>)[key];

/** The CSV text of a cell. */
export function csvText(v: unknown, kind: Kind): string {
  if (v === null || v === undefined) return '';
  if (kind === 'rate') return `${((v as number) * 100).toFixed(2)}%`;
  if (kind === 'score') return (v as number).toFixed(2);
  if (kind === 'bool') return v ? '是' : '否';
  if (typeof kind === 'object') return (v as number).toFixed(kind.decimals);
  return String(v);
}

/** CSV of one table (header, rows) or of several (each a title line, header and rows; a blank line between). */
export function csvTables(tables: Table[]): string {
  const one = (t: Table) =>
    csvLine(t.columns.map((c) => c.header)) +
    t.rows.map((r) => csvLine(t.columns.map((c) => csvText(value(r, c.key), c.kind)))).join('');
  if (tables.length === 1) return one(tables[0]);
  return tables.map((t) => csvLine([t.title]) + one(t)).join('\r\n');
}

/** An XLSX cell value: numbers as numbers (rates unrounded, formatted as percentages), texts as texts. */
function xlsxValue(v: unknown, kind: Kind): string | number | null {
  if (v === null || v === undefined) return null;
  if (kind === 'bool') return v ? '是' : '否';
  if (kind === 'text' || kind === 'grade') return String(v);
  return v as number;
}

const numFmt = (kind: Kind): string | undefined =>
  kind === 'rate'
    ? '0.00%'
    : kind === 'score'
      ? '0.00'
      : typeof kind === 'object'
        ? `0.${'0'.repeat(kind.decimals)}`
        : undefined;

/** Streams a workbook with one sheet per table into `out` (exceljs WorkbookWriter; styles for the number formats). */
export async function writeWorkbook(tables: Table[], out: PassThrough): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
  for (const t of tables) {
    const ws = wb.addWorksheet(t.title);
    ws.columns = t.columns.map((c) => ({ key: c.key, width: Math.max(10, c.header.length * 2 + 2), style: {} }));
    ws.addRow(t.columns.map((c) => c.header)).commit();
    for (const r of t.rows) {
      const row = ws.addRow(t.columns.map((c) => xlsxValue(value(r, c.key), c.kind)));
      t.columns.forEach((c, i) => {
        const f = numFmt(c.kind);
        if (f) row.getCell(i + 1).numFmt = f;
      });
      row.commit();
    }
    ws.commit();
  }
  await wb.commit();
}
