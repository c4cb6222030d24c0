/**
 * Zipped Shapefiles: one layer (.shp + .dbf, optional .shx/.cpg/.prj, in any folder of the zip, extensions in any
 * case; macOS `__MACOSX/` and `._` entries ignored), unzipped with fflate and read with the `shapefile` package,
 * whose .dbf decoding uses the `text-encoding` polyfill (it knows 'gbk' and 'gb18030'). The .dbf encoding: the
 * caller's `encoding` if given, else the .cpg, else GBK, as Chinese survey data usually is. Geometries come as the
 * package reads them (Point, MultiPoint, LineString/MultiLineString, Polygon/MultiPolygon; Z and M dropped; a null
 * shape is null), coordinates untouched. Attribute values: C → string (trimmed, null when blank), N/F → number or
 * null, L → boolean or null, D → 'YYYY-MM-DD' or null. An archive of several layers is read one layer at a time,
 * named by `opts.layer` (the .shp file's name without its extension).
 */
import { unzipSync } from 'fflate';
import * as shapefile from 'shapefile';
import type { Encoding } from './text.js';
import { FileProblem, asProblem, type OpenedFile, type OpenOptions, type RawRecord } from './common.js';
import { allNames, isJunk } from './zip.js';

const SHAPE_TYPES = new Set([0, 1, 3, 5, 8, 11, 13, 15, 18, 21, 23, 25, 28]);
const LABELS: Record<Encoding, string> = { utf8: 'utf-8', gbk: 'gbk', gb18030: 'gb18030' };

/** .cpg contents (upper-cased, spaces squeezed) → encoding. */
const CPG: Record<string, Encoding> = {
  'UTF-8': 'utf8',
  UTF8: 'utf8',
  '65001': 'utf8',
  GBK: 'gbk',
  CP936: 'gbk',
  '936': 'gbk',
  GB2312: 'gbk',
  'ANSI 936': 'gbk',
  GB18030: 'gb18030',
  '54936': 'gb18030',
};

/** A layer's name: the .shp file's name without folder and extension. */
export const layerName = (shp: string) => shp.replace(/^.*\//, '').replace(/\.shp$/i, '');

/** The Shapefile layers of a zip archive (its .shp files' names), in archive order. */
export function shapefileLayers(bytes: Uint8Array): string[] {
  let names: string[];
  try {
    names = allNames(bytes).filter((n) => !isJunk(n));
  } catch (err) {
    throw asProblem('the file is not a readable zip archive', err);
  }
  return names.filter((n) => /\.shp$/i.test(n)).map(layerName);
}

export async function openShapefile(bytes: Uint8Array, opts: OpenOptions): Promise<OpenedFile> {
  let names: string[];
  try {
    names = allNames(bytes).filter((n) => !isJunk(n));
  } catch (err) {
    throw asProblem('the file is not a readable zip archive', err);
  }
  let shps = names.filter((n) => /\.shp$/i.test(n));
  if (shps.length === 0) throw new FileProblem('the zip archive has no .shp file');
  if (opts.layer !== undefined) {
    const wanted = opts.layer.toLowerCase();
    const chosen = shps.filter((n) => layerName(n).toLowerCase() === wanted);
    if (chosen.length === 0) {
      throw new FileProblem(
        `the zip archive has no Shapefile layer ${JSON.stringify(opts.layer)}; its layers: ${shps.map(layerName).join(', ')}`,
      );
    }
    shps = chosen;
  }
  if (shps.length > 1) {
    throw new FileProblem(
      `the zip archive holds ${shps.length} Shapefile layers (${shps.join(', ')}): send one layer per file`,
    );
  }
  const shpName = shps[0];
  const stem = shpName.slice(0, -4);
  const sibling = (ext: string) => names.find((n) => n.toLowerCase() === `${stem}.${ext}`.toLowerCase());
  const dbfName = sibling('dbf');
  if (!dbfName) throw new FileProblem(`the zip archive has ${shpName} but no ${stem}.dbf (its attribute table)`);
  const cpgName = sibling('cpg');
  const prjName = sibling('prj');
  const wanted = new Set([shpName, dbfName, cpgName, prjName].filter((n): n is string => !!n));
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw asProblem('the zip archive cannot be unpacked', err);
  }
  const shp = files[shpName];
  const dbf = files[dbfName];
  checkShp(shp, shpName);
  const { count, fieldBytes } = checkDbf(dbf, dbfName);

  let encoding: Encoding;
  let encodingSource: OpenedFile['encodingSource'];
  if (opts.encoding) {
    encoding = opts.encoding;
    encodingSource = 'option';
  } else if (cpgName) {
    const text = new TextDecoder().decode(files[cpgName]).trim();
    const found = CPG[text.toUpperCase().replace(/\s+/g, ' ')];
    if (!found) {
      throw new FileProblem(
        `${cpgName} names the encoding ${JSON.stringify(text)}, which cannot be read ` +
          '(UTF-8, GBK/CP936/GB2312 or GB18030 can; or name the encoding explicitly)',
      );
    }
    encoding = found;
    encodingSource = '.cpg';
  } else {
    encoding = 'gbk';
    encodingSource = 'default';
  }
  const decoder = new TextDecoder(LABELS[encoding]);
  const header = fieldBytes.map((b) => decoder.decode(b));
  const prj = prjName ? new TextDecoder().decode(files[prjName]).trim() : undefined;
  let done = 0;
  return {
    format: 'shapefile',
    header,
    encoding,
    encodingSource,
    ...(prj ? { prj } : {}),
    totalBytes: bytes.byteLength,
    bytesRead: () => (count ? Math.round(Math.min(1, done / count) * bytes.byteLength) : 0),
    records: () => ({
      async *[Symbol.asyncIterator](): AsyncIterator<RawRecord> {
        done = 0;
        const source = await shapefile.open(shp, dbf, { encoding: LABELS[encoding] });
        for (let feature = 0; ; feature++) {
          let result;
          try {
            result = await source.read();
          } catch (err) {
            throw asProblem(`${shpName} is damaged at feature ${feature}`, err);
          }
          if (result.done) return;
          const geometry = result.value.geometry ?? null;
          yield { where: { feature }, values: attributes(result.value.properties), geometry };
          done = feature + 1;
        }
      },
    }),
  };
}

/** The main file header (ESRI Shapefile Technical Description, table 1): file code 9994, shape type at byte 32. */
function checkShp(shp: Uint8Array, name: string): void {
  if (shp.byteLength < 100) throw new FileProblem(`${name} is too short for a Shapefile header (100 bytes)`);
  const view = new DataView(shp.buffer, shp.byteOffset, shp.byteLength);
  const code = view.getInt32(0, false);
  if (code !== 9994) throw new FileProblem(`${name} is not a Shapefile: its file code is ${code}, not 9994`);
  const type = view.getInt32(32, true);
  if (!SHAPE_TYPES.has(type)) throw new FileProblem(`${name} has shape type ${type}, which cannot be read`);
}

/** The dBASE header: record count, header and record lengths, field descriptors up to the 0x0D terminator. */
function checkDbf(dbf: Uint8Array, name: string): { count: number; fieldBytes: Uint8Array[] } {
  const damaged = (why: string) => new FileProblem(`${name} is not a readable dBASE table: ${why}`);
  if (dbf.byteLength < 33) throw damaged('it is shorter than its header');
  const view = new DataView(dbf.buffer, dbf.byteOffset, dbf.byteLength);
  const count = view.getUint32(4, true);
  const headerLength = view.getUint16(8, true);
  const recordLength = view.getUint16(10, true);
  if (headerLength < 33 || headerLength > dbf.byteLength) throw damaged(`its header length ${headerLength} is wrong`);
  if (recordLength < 1) throw damaged('its record length is 0');
  const fieldBytes: Uint8Array[] = [];
  let n = 32;
  for (; n < headerLength && dbf[n] !== 0x0d; n += 32) {
    if (n + 32 > headerLength) throw damaged('a field descriptor runs past the header');
    let j = 0;
    while (j < 11 && dbf[n + j] !== 0) j++;
    const type = String.fromCharCode(dbf[n + 11]);
    if (!'BCDFLMN'.includes(type)) throw damaged(`field ${fieldBytes.length + 1} has type ${JSON.stringify(type)}`);
    fieldBytes.push(dbf.subarray(n, n + j));
  }
  if (dbf[n] !== 0x0d) throw damaged('its field descriptors have no terminator');
  return { count, fieldBytes };
}

function attributes(props: unknown): Record<string, unknown> {
  if (!props || typeof props !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v instanceof Date) {
      // The package builds D fields with the local-time Date constructor.
      out[k] = Number.isNaN(v.getTime())
        ? null
        : `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`;
    } else out[k] = v;
  }
  return out;
}
