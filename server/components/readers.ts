/**
 * Census files (components now, the address gazetteer later) read into raw records: CSV (UTF-8 with or without a
 * BOM, GBK/GB 18030; streamed), XLSX (first worksheet; streamed from a path), GeoJSON (FeatureCollection or Feature)
 * and zipped Shapefiles (.cpg honoured, GBK by default). Pure: no database, no field mapping, no CRS — the import
 * pipeline does those. Anything wrong with the file as a whole is a FileProblem with a specific message; a record's
 * own problems are left to the import.
 */
import { promises as fsp } from 'node:fs';
import { FileProblem, guard, type FileFormat, type Input, type OpenedFile, type OpenOptions } from '../files/common.js';
import { openCsv } from './readers/csv.js';
import { openGeoJson } from './readers/geojson.js';
import { openShapefile } from '../files/shapefile.js';
import { openXlsx } from './readers/xlsx.js';
import { allNames, isZip, namesInHead, zipKind } from '../files/zip.js';

export { FileProblem, FILE_FORMATS } from '../files/common.js';
export type { FileFormat, OpenedFile, OpenOptions, RawRecord, Where } from '../files/common.js';

const HEAD = 64 * 1024;

const EXTENSIONS: Record<string, FileFormat> = {
  csv: 'csv',
  txt: 'csv',
  xlsx: 'xlsx',
  geojson: 'geojson',
  json: 'geojson',
  zip: 'shapefile',
};

/** Files people send that are refused with a hint rather than misread. */
const REFUSED: Record<string, string> = {
  xls: 'the old Excel .xls format cannot be read: save the sheet as .xlsx or as CSV',
  shp: 'a .shp alone cannot be read: zip it with its .dbf and .shx (and .cpg, .prj) and send the .zip',
  dbf: 'a .dbf alone cannot be read: zip it with its .shp and .shx (and .cpg, .prj) and send the .zip',
  shx: 'a .shx alone cannot be read: zip it with its .shp and .dbf (and .cpg, .prj) and send the .zip',
};

function extension(name: string | undefined): string | undefined {
  const m = name ? /\.([A-Za-z0-9]+)$/.exec(name) : null;
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * The format from the file name's extension (.csv .txt → csv, .xlsx, .geojson .json, .zip → shapefile) or, failing
 * that, the first bytes: a zip (PK\x03\x04) is an XLSX when its first entries are `[Content_Types].xml` or `xl/…`, a
 * Shapefile when they include a .shp/.dbf/.shx (undefined when the head shows neither); '{' (after a BOM and white
 * space) is GeoJSON; anything else is CSV.
 */
export function detectFormat(name: string | undefined, head: Uint8Array): FileFormat | undefined {
  const ext = extension(name);
  if (ext && EXTENSIONS[ext]) return EXTENSIONS[ext];
  if (isZip(head)) return zipKind(namesInHead(head));
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return head[i] === 0x7b ? 'geojson' : 'csv';
}

/**
 * Opens a census file: reads what the format needs up front (CSV: the encoding and the header line; XLSX: the header
 * row; GeoJSON: the whole file; Shapefile: the whole zip) and returns the header and a `records()` pass. `opts.format`
 * overrides detection, `opts.encoding` the detected text encoding (CSV, GeoJSON) or the .cpg/default (Shapefile .dbf).
 * Throws only FileProblem (a missing path included).
 */
export async function openCensusFile(input: Input, opts: OpenOptions = {}): Promise<OpenedFile> {
  const head = await guard('the file cannot be read', () => readHead(input));
  const ext = extension(opts.name);
  let format = opts.format;
  if (!format && ext && REFUSED[ext]) throw new FileProblem(REFUSED[ext]);
  format ??= detectFormat(opts.name, head);
  if (!format && isZip(head)) {
    const names = await guard('the zip archive cannot be read', async () => allNames(await wholeFile(input)));
    format = zipKind(names);
    if (!format) throw new FileProblem('the zip archive holds neither a Shapefile (.shp) nor an XLSX workbook');
  }
  if ((format === 'xlsx' || format === 'shapefile') && !isZip(head)) {
    const what = format === 'xlsx' ? 'an XLSX workbook' : 'a zipped Shapefile';
    throw new FileProblem(`the file is not a zip archive, so it is not ${what}`);
  }
  if ((format === 'csv' || format === 'geojson') && isZip(head)) {
    throw new FileProblem(
      `the file is a zip archive, not ${format === 'csv' ? 'CSV' : 'GeoJSON'} text ` +
        '(an XLSX workbook or a zipped Shapefile? name it .xlsx or .zip)',
    );
  }
  switch (format) {
    case 'csv':
      return guard('the CSV file cannot be read', () => openCsv(input, opts));
    case 'xlsx':
      return guard('the XLSX workbook cannot be read', () => openXlsx(input));
    case 'geojson':
      return guard('the GeoJSON file cannot be read', async () => openGeoJson(await wholeFile(input), opts));
    case 'shapefile':
      return guard('the zipped Shapefile cannot be read', async () => openShapefile(await wholeFile(input), opts));
    default:
      throw new FileProblem(`unknown file format: ${String(format)}`);
  }
}

async function readHead(input: Input): Promise<Uint8Array> {
  if ('bytes' in input) return input.bytes.subarray(0, HEAD);
  const fh = await fsp.open(input.path, 'r');
  try {
    const buf = Buffer.alloc(HEAD);
    const { bytesRead } = await fh.read(buf, 0, HEAD, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function wholeFile(input: Input): Promise<Uint8Array> {
  return 'bytes' in input ? input.bytes : new Uint8Array(await fsp.readFile(input.path));
}
