/**
 * XLSX census files with exceljs's streaming reader (`stream.xlsx.WorkbookReader`), from a path or from bytes alike:
 * the first worksheet in the archive, row 1 (the first row with a value) the header. Cells: numbers stay numbers,
 * dates become 'YYYY-MM-DD' ('YYYY-MM-DD HH:MM:SS' when they carry a time), rich text its text, formulas their
 * cached result, hyperlinks their text, errors their code ('#N/A'); empty cells are null. Rows without any value are
 * skipped (trailing ones and spacer rows alike); row numbers are the sheet's.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { FileProblem, asProblem, type Input, type OpenedFile, type RawRecord } from './common.js';

const CHUNK = 256 * 1024;

export async function openXlsx(input: Input): Promise<OpenedFile> {
  const totalBytes = 'path' in input ? (await fsp.stat(input.path)).size : input.bytes.byteLength;
  let consumed = 0;
  const rows = () => readRows(input, (n) => (consumed += n));
  let header: string[] | undefined;
  for await (const row of rows()) {
    header = row.cells.map((v) => (v == null ? '' : String(v).replace(/^\uFEFF/, '')));
    while (header.length && header[header.length - 1] === '') header.pop();
    break;
  }
  if (!header) throw new FileProblem('the first worksheet of the XLSX workbook is empty: it has no header row');
  const names = header;
  return {
    format: 'xlsx',
    header: names,
    totalBytes,
    bytesRead: () => consumed,
    records: () => ({
      async *[Symbol.asyncIterator](): AsyncIterator<RawRecord> {
        consumed = 0;
        let first = true;
        for await (const row of rows()) {
          if (first) {
            first = false;
            continue;
          }
          while (row.cells.length < names.length) row.cells.push(null);
          yield { where: { row: row.number }, values: row.cells };
        }
      },
    }),
  };
}

interface Row {
  number: number;
  cells: unknown[];
}

async function* readRows(input: Input, count: (n: number) => void): AsyncGenerator<Row> {
  const source =
    'path' in input ? createReadStream(input.path, { highWaterMark: CHUNK }) : Readable.from(chunks(input.bytes));
  source.on('data', (chunk: Buffer) => count(chunk.length));
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // number formats tell dates from numbers
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      sheets++;
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells: unknown[] = [];
        for (let c = 1; c < values.length; c++) cells.push(cellValue(values[c]));
        while (cells.length && cells[cells.length - 1] === null) cells.pop();
        if (cells.length) yield { number: row.number, cells };
      }
      break; // the first worksheet only
    }
  } catch (err) {
    throw asProblem('the XLSX workbook cannot be read', err);
  } finally {
    source.destroy();
  }
  if (!sheets) throw new FileProblem('the XLSX workbook has no worksheet');
}

function* chunks(bytes: Uint8Array): Generator<Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

/** An exceljs cell value as a plain value (see the module comment). */
export function cellValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v;
  if (v instanceof Date) return dateText(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return cellValue(o.richText.map((r: { text?: unknown }) => r?.text ?? '').join(''));
    if ('formula' in o || 'sharedFormula' in o) return cellValue(o.result);
    if ('hyperlink' in o || 'text' in o) return cellValue(o.text);
    if (typeof o.error === 'string') return o.error;
  }
  return null;
}

function dateText(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString(); // exceljs builds dates in UTC
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
