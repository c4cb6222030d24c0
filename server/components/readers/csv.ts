/**
 * CSV census files, streamed: bytes → (iconv-lite for GBK/GB 18030) → csv-parse → records, with backpressure, so a
 * file of a million rows is read in bounded memory. Line numbers are counted here rather than taken from csv-parse's
 * `info.lines` (which counts a CRLF inside a quoted field twice): each record takes one physical line plus one per
 * line feed inside its cells. Blank lines are skipped (and counted).
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { isAscii } from 'node:buffer';
import { Readable, pipeline, type Transform } from 'node:stream';
import { parse, CsvError, type Options } from 'csv-parse';
import iconv from 'iconv-lite';
import { detectEncoding, type Encoding } from '../text.js';
import { FileProblem, asProblem, type Input, type OpenedFile, type OpenOptions, type RawRecord } from './common.js';

const WINDOW = 64 * 1024;
const CHUNK = 256 * 1024;

export async function openCsv(input: Input, opts: OpenOptions): Promise<OpenedFile> {
  const totalBytes = 'path' in input ? (await fsp.stat(input.path)).size : input.bytes.byteLength;
  const { encoding, source } = opts.encoding
    ? { encoding: opts.encoding, source: 'option' as const }
    : await detect(input);
  let consumed = 0;
  const rows = () => readRows(input, encoding, (n) => (consumed += n));

  let header: string[] | undefined;
  for await (const row of rows()) {
    header = row.cells.map((cell, i) => (i === 0 ? cell.replace(/^\uFEFF/, '') : cell));
    break;
  }
  if (!header) throw new FileProblem('the CSV file is empty: it has no header line');
  const names = header;

  return {
    format: 'csv',
    header: names,
    encoding,
    encodingSource: source,
    totalBytes,
    bytesRead: () => consumed,
    records: () => ({
      async *[Symbol.asyncIterator](): AsyncIterator<RawRecord> {
        consumed = 0;
        let first = true;
        for await (const row of rows()) {
          if (first) first = false;
          else yield { where: { line: row.line }, values: row.cells };
        }
      },
    }),
  };
}

/** BOM → utf8; else the first 64 KB from the first non-ASCII byte (ASCII reads the same in every candidate). */
async function detect(input: Input): Promise<{ encoding: Encoding; source: 'bom' | 'detected' }> {
  if ('bytes' in input) {
    const b = input.bytes;
    const bom = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
    return { encoding: detectEncoding(b), source: bom ? 'bom' : 'detected' };
  }
  const fh = await fsp.open(input.path, 'r');
  try {
    const buf = Buffer.alloc(WINDOW);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, WINDOW, offset);
      if (bytesRead === 0) return { encoding: 'utf8', source: 'detected' };
      const chunk = buf.subarray(0, bytesRead);
      if (offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        return { encoding: 'utf8', source: 'bom' };
      }
      if (!isAscii(chunk)) {
        let i = 0;
        while (chunk[i] < 0x80) i++;
        const start = offset + i;
        const { bytesRead: n } = await fh.read(buf, 0, WINDOW, start);
        const partial = n === WINDOW; // there may be more after this window
        return { encoding: detectEncoding(buf.subarray(0, n), partial), source: 'detected' };
      }
      offset += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

function byteSource(input: Input, count: (n: number) => void): Readable {
  const src =
    'path' in input
      ? createReadStream(input.path, { highWaterMark: CHUNK })
      : Readable.from(chunks(input.bytes), { objectMode: false });
  src.on('data', (chunk: Buffer) => count(chunk.length));
  return src;
}

function* chunks(bytes: Uint8Array): Generator<Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

interface Row {
  line: number;
  cells: string[];
}

/** Every non-blank record of the file (the header included) with the physical line it starts on. */
async function* readRows(input: Input, encoding: Encoding, count: (n: number) => void): AsyncGenerator<Row> {
  // Lines are counted as csv-parse makes each record (on_record), so that when it fails, `line` is where the
  // broken record starts even if records parsed before it were never consumed.
  let line = 1;
  const options: Options<Row, string[]> = {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n'],
    on_record: (record): Row => {
      const cells = record as string[];
      const at = line;
      line++;
      for (const cell of cells) {
        for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) line++;
      }
      return { line: at, cells };
    },
  };
  // csv-parse's overloads tie on_record's result type to `columns`; the cast only picks the plain overload.
  const parser = parse(options as unknown as Options);
  const stages: (Readable | Transform)[] = [byteSource(input, count)];
  if (encoding !== 'utf8') stages.push(iconv.decodeStream(encoding) as unknown as Transform);
  // Errors reach the parser's iterator below; the callback only keeps pipeline from throwing them again.
  pipeline([...stages, parser], () => {});
  try {
    for await (const row of parser as AsyncIterable<Row>) {
      if (row.cells.length === 1 && row.cells[0] === '') continue; // a blank line
      yield row;
    }
  } catch (err) {
    throw csvProblem(err, line);
  } finally {
    parser.destroy();
  }
}

/** csv-parse's refusals as messages naming the line where the broken record starts. */
function csvProblem(err: unknown, line: number): FileProblem {
  if (err instanceof CsvError) {
    const column = typeof err.column === 'number' ? ` (column ${err.column + 1})` : '';
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new FileProblem(
          `line ${line}: a quoted field of the record starting here is never closed (the file ends inside quotes)`,
        );
      case 'CSV_INVALID_CLOSING_QUOTE':
        return new FileProblem(
          `line ${line}: in the record starting here, a closing quote is followed by something other than a comma ` +
            'or the end of the line (a quote inside a quoted field must be doubled: "")',
        );
      case 'INVALID_OPENING_QUOTE':
        return new FileProblem(
          `line ${line}: a quote inside an unquoted field${column} (quote the whole field and double the quote: "")`,
        );
      default:
        return new FileProblem(`line ${line}: ${err.message}`);
    }
  }
  return asProblem('the CSV file cannot be read', err);
}
