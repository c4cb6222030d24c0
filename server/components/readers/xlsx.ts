/**
 * XLSX census files, from a path or from bytes alike: the first worksheet of the workbook (its first tab; the first
 * sheet part in the archive when workbook.xml names none), row 1 (the first row with a value) the header. Cells:
 * numbers stay numbers, dates become 'YYYY-MM-DD' ('YYYY-MM-DD HH:MM:SS' when they carry a time), rich text its text,
 * formulas their cached result, hyperlinks their text, errors their code ('#N/A'); empty cells are null. Rows without
 * any value are skipped (trailing ones and spacer rows alike); row numbers are the sheet's.
 *
 * The archive is read with fflate in two passes, and exceljs only parses XML: the first pass inflates every entry
 * (a damaged one is refused here) and keeps the small parts (workbook, its relationships, styles, shared strings);
 * the second streams the worksheet's XML into exceljs's WorksheetReader. exceljs's own WorkbookReader is not used:
 * its unzip stream sometimes ends before the last entries (about 1 read in 50 of the same bytes lost workbook.xml,
 * "Cannot read properties of undefined (reading 'sheets')"), and it could wait forever on a corrupt deflate stream.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { Unzip, UnzipInflate } from 'fflate';
import { FileProblem, asProblem, type Input, type OpenedFile, type RawRecord } from '../../files/common.js';
import { zipScan } from '../../files/zip.js';

const CHUNK = 256 * 1024;
const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;
/** The parts kept by the first pass, by exceljs's reader method that parses each. */
const PARTS: Record<string, string> = {
  'xl/_rels/workbook.xml.rels': '_parseRels',
  'xl/workbook.xml': '_parseWorkbook',
  'xl/sharedStrings.xml': '_parseSharedStrings',
  'xl/styles.xml': '_parseStyles',
};

export async function openXlsx(input: Input): Promise<OpenedFile> {
  const totalBytes = 'path' in input ? (await fsp.stat(input.path)).size : input.bytes.byteLength;
  const scan = await zipScan(source(input), (name) => name in PARTS);
  if (scan.fault) throw new FileProblem(`the XLSX workbook is damaged: ${scan.fault}`);
  const book = await workbook(scan.kept);
  const sheet = firstSheet(book, scan.names);
  if (!sheet) throw new FileProblem('the XLSX workbook has no worksheet');
  let consumed = 0;
  const rows = () => readRows(input, book, sheet, (n) => (consumed += n));
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

/** exceljs's streaming workbook reader, used only for its part parsers (never for its own unzipping). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Book = any;

async function workbook(kept: Map<string, Uint8Array>): Promise<Book> {
  const book: Book = new ExcelJS.stream.xlsx.WorkbookReader(undefined as never, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // number formats tell dates from numbers
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  try {
    for (const [name, method] of Object.entries(PARTS)) {
      const bytes = kept.get(name);
      if (!bytes) continue;
      const parsed = book[method](once(bytes));
      if (typeof parsed?.[Symbol.asyncIterator] === 'function') for await (const _ of parsed) void _;
      else await parsed;
    }
  } catch (err) {
    throw asProblem('the XLSX workbook cannot be read', err);
  }
  book.model ??= { sheets: [] };
  return book;
}

/** The first tab's sheet part (by workbook.xml and its relationships), else the first sheet part in the archive. */
function firstSheet(book: Book, names: string[]): { path: string; no: string } | undefined {
  const first = (book.model.sheets ?? [])[0];
  const rel = first && (book.workbookRels ?? []).find((r: { Id: string }) => r.Id === first.rId);
  const target = rel ? String(rel.Target).replace(/^\/?(xl\/)?/, 'xl/') : undefined;
  const path = (target && names.includes(target) ? target : undefined) ?? names.find((n) => SHEET.test(n));
  if (!path) return undefined;
  return { path, no: SHEET.exec(path)?.[1] ?? '1' };
}

/** The sheet's rows, its XML inflated from the archive as it is read (the rest of the archive is read past). */
async function* readRows(
  input: Input,
  book: Book,
  sheet: { path: string; no: string },
  count: (n: number) => void,
): AsyncGenerator<Row> {
  const reader = book._parseWorksheet(sheetXml(input, sheet.path, count), sheet.no).next().value.value;
  try {
    for await (const row of reader) {
      const values = row.values as unknown[];
      const cells: unknown[] = [];
      for (let c = 1; c < values.length; c++) cells.push(cellValue(values[c]));
      while (cells.length && cells[cells.length - 1] === null) cells.pop();
      if (cells.length) yield { number: row.number, cells };
    }
  } catch (err) {
    throw asProblem('the XLSX workbook cannot be read', err);
  }
}

async function* sheetXml(input: Input, path: string, count: (n: number) => void): AsyncGenerator<Buffer> {
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  const out: Buffer[] = [];
  let failed: Error | undefined;
  unzip.onfile = (file) => {
    if (file.name !== path) return;
    file.ondata = (err, data) => {
      if (err) failed ??= err;
      else if (data.length) out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    };
    file.start();
  };
  for await (const chunk of source(input)) {
    count(chunk.length);
    unzip.push(chunk);
    if (failed) throw new FileProblem(`the XLSX workbook is damaged: ${path}: ${failed.message}`);
    while (out.length) yield out.shift()!;
  }
  unzip.push(new Uint8Array(0), true);
  while (out.length) yield out.shift()!;
}

function source(input: Input): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  return 'path' in input ? createReadStream(input.path, { highWaterMark: CHUNK }) : chunks(input.bytes);
}

function once(bytes: Uint8Array): Readable {
  return Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
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
