/**
 * XLSX census files with exceljs's streaming reader (`stream.xlsx.WorkbookReader`), from a path or from bytes alike:
 * the first worksheet in the archive, row 1 (the first row with a value) the header. Cells: numbers stay numbers,
 * dates become 'YYYY-MM-DD' ('YYYY-MM-DD HH:MM:SS' when they carry a time), rich text its text, formulas their
 * cached result, hyperlinks their text, errors their code ('#N/A'); empty cells are null. Rows without any value are
 * skipped (trailing ones and spacer rows alike); row numbers are the sheet's. The archive is first inflated once with
 * fflate, keeping nothing, because exceljs's streaming reader can wait forever on a corrupt deflate stream.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { FileProblem, asProblem, type Input, type OpenedFile, type RawRecord } from '../../files/common.js';
import { zipFault } from '../../files/zip.js';

const CHUNK = 256 * 1024;

export async function openXlsx(input: Input): Promise<OpenedFile> {
  const totalBytes = 'path' in input ? (await fsp.stat(input.path)).size : input.bytes.byteLength;
  const fault = await zipFault(
    'path' in input ? createReadStream(input.path, { highWaterMark: CHUNK }) : chunks(input.bytes),
  );
  if (fault) throw new FileProblem(`the XLSX workbook is damaged: ${fault}`);
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

/**
 * How long exceljs may go without reading a byte or producing a row before the workbook is refused: its streaming
 * reader waits forever on some damaged archives whose deflate data still inflates (found by the fast-check test).
 * Time the consumer spends between rows does not count. Tests lower it.
 */
export const xlsxLimits = { stallMs: 15_000 };

async function* readRows(input: Input, count: (n: number) => void): AsyncGenerator<Row> {
  const source =
    'path' in input ? createReadStream(input.path, { highWaterMark: CHUNK }) : Readable.from(chunks(input.bytes));
  let timer: NodeJS.Timeout | undefined;
  let stalled: (err: Error) => void = () => {};
  const stall = new Promise<never>((_, reject) => (stalled = reject));
  stall.catch(() => {});
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        stalled(new FileProblem(`the XLSX workbook cannot be read: no progress for ${xlsxLimits.stallMs / 1000} s`)),
      xlsxLimits.stallMs,
    );
  };
  let waiting = false;
  source.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (waiting) arm();
  });
  const next = async <T>(p: Promise<T>): Promise<T> => {
    waiting = true;
    arm();
    try {
      return await Promise.race([p, stall]);
    } finally {
      waiting = false;
      clearTimeout(timer);
    }
  };
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // number formats tell dates from numbers
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  try {
    const sheet = await next(reader[Symbol.asyncIterator]().next());
    if (sheet.done) throw new FileProblem('the XLSX workbook has no worksheet');
    const rows = sheet.value[Symbol.asyncIterator]();
    for (;;) {
      const row = await next(rows.next());
      if (row.done) break;
      const values = row.value.values as unknown[];
      const cells: unknown[] = [];
      for (let c = 1; c < values.length; c++) cells.push(cellValue(values[c]));
      while (cells.length && cells[cells.length - 1] === null) cells.pop();
      if (cells.length) yield { number: row.value.number, cells };
    }
  } catch (err) {
    throw asProblem('the XLSX workbook cannot be read', err);
  } finally {
    clearTimeout(timer);
    source.destroy();
  }
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
