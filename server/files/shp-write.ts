/**
 * Writing polygon Shapefiles (ESRI Shapefile Technical Description, 1998): the .shp main file (shape type 5,
 * outer rings clockwise, holes counter-clockwise, as the format requires), its .shx index and the .dbf attribute
 * table (dBASE III) in UTF-8, GBK or GB 18030 with the matching .cpg and language driver byte.
 *
 * Written here rather than with @mapbox/shp-write: that package builds the whole archive in memory for a browser
 * download, writes the .dbf through `dbf` 0.2, which has no way to encode GBK, and has no MultiPolygon ring
 * orientation rules of its own. This writer spools the .shp records to a temporary file (the header, which carries
 * the file length and the bounding box, is known only at the end), so a layer of 100,000 grids does not sit in
 * memory; the .shx (8 bytes a record) and the attribute rows do.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Position } from 'geojson';
import iconv from 'iconv-lite';
import type { Encoding } from './text.js';

const SHAPE_POLYGON = 5;
const FLUSH_BYTES = 1 << 20;

/** The .cpg text and the dBASE language driver id of each encoding (0x4D: ANSI 936, Chinese GBK). */
export const CPG_TEXT: Record<Encoding, string> = { utf8: 'UTF-8', gbk: 'GBK', gb18030: 'GB18030' };
const LDID: Record<Encoding, number> = { utf8: 0x00, gbk: 0x4d, gb18030: 0x00 };

/** Twice the signed area (shoelace): positive for a counter-clockwise ring (y up). */
function signedArea2(ring: Position[]): number {
  let s = 0;
  for (let i = 0, n = ring.length - 1; i < n; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s;
}

/** Rings as the Shapefile wants them: each polygon's outer ring clockwise, its holes counter-clockwise. */
export function shapefileRings(polygons: Position[][][]): Position[][] {
  const out: Position[][] = [];
  for (const rings of polygons) {
    rings.forEach((ring, i) => {
      const ccw = signedArea2(ring) > 0;
      out.push((i === 0) === ccw ? [...ring].reverse() : ring);
    });
  }
  return out;
}

function header(fileBytes: number, bbox: [number, number, number, number]): Uint8Array {
  const h = new Uint8Array(100);
  const v = new DataView(h.buffer);
  v.setInt32(0, 9994, false);
  v.setInt32(24, fileBytes / 2, false);
  v.setInt32(28, 1000, true);
  v.setInt32(32, SHAPE_POLYGON, true);
  bbox.forEach((x, i) => v.setFloat64(36 + 8 * i, x, true));
  return h;
}

export interface SpooledShapefile {
  count: number;
  /** The .shp header (100 bytes); the records follow in `body()`. */
  shpHeader: Uint8Array;
  /** The .shp records, read back from the spool file in chunks. */
  body(): AsyncIterable<Uint8Array>;
  shx: Uint8Array;
  remove(): Promise<void>;
}

/** A polygon .shp and .shx being written: add() the shapes in order, then finish(). */
export class PolygonShapefileWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private offsets: number[] = [];
  private lengths: number[] = [];
  private offset = 100;
  private bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];

  private constructor(
    private dir: string,
    private file: fsp.FileHandle,
  ) {}

  static async create(): Promise<PolygonShapefileWriter> {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'wangge-shp-'));
    return new PolygonShapefileWriter(dir, await fsp.open(path.join(dir, 'body.shp'), 'w'));
  }

  /** Adds one shape: a MultiPolygon's polygons (rings of [x, y], closed). */
  async add(polygons: Position[][][]): Promise<void> {
    const rings = shapefileRings(polygons);
    const points = rings.reduce((n, r) => n + r.length, 0);
    const content = 44 + 4 * rings.length + 16 * points;
    const rec = new Uint8Array(8 + content);
    const v = new DataView(rec.buffer);
    v.setInt32(0, this.offsets.length + 1, false);
    v.setInt32(4, content / 2, false);
    v.setInt32(8, SHAPE_POLYGON, true);
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    let at = 52 + 4 * rings.length;
    let first = 0;
    rings.forEach((ring, i) => {
      v.setInt32(52 + 4 * i, first, true);
      first += ring.length;
      for (const [x, y] of ring) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        v.setFloat64(at, x, true);
        v.setFloat64(at + 8, y, true);
        at += 16;
      }
    });
    [x0, y0, x1, y1].forEach((c, i) => v.setFloat64(12 + 8 * i, c, true));
    v.setInt32(44, rings.length, true);
    v.setInt32(48, points, true);
    const b = this.bbox;
    this.bbox = [Math.min(b[0], x0), Math.min(b[1], y0), Math.max(b[2], x1), Math.max(b[3], y1)];
    this.offsets.push(this.offset);
    this.lengths.push(content);
    this.offset += rec.byteLength;
    this.pending.push(rec);
    this.pendingBytes += rec.byteLength;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    await this.file.write(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  async finish(): Promise<SpooledShapefile> {
    await this.flush();
    await this.file.close();
    const count = this.offsets.length;
    const bbox: [number, number, number, number] = count ? this.bbox : [0, 0, 0, 0];
    const shx = new Uint8Array(100 + 8 * count);
    shx.set(header(shx.byteLength, bbox));
    const v = new DataView(shx.buffer);
    for (let i = 0; i < count; i++) {
      v.setInt32(100 + 8 * i, this.offsets[i] / 2, false);
      v.setInt32(104 + 8 * i, this.lengths[i] / 2, false);
    }
    const bodyPath = path.join(this.dir, 'body.shp');
    const dir = this.dir;
    return {
      count,
      shpHeader: header(this.offset, bbox),
      body: () => createReadStream(bodyPath, { highWaterMark: 256 * 1024 }),
      shx,
      remove: () => fsp.rm(dir, { recursive: true, force: true }),
    };
  }

  /** Removes the spool without finishing (an export that failed midway). */
  async abandon(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

export interface DbfField {
  /** At most 10 ASCII characters. */
  name: string;
  /** C: text (width from the longest value, at most 254 bytes); N: number; D: date 'YYYY-MM-DD'. */
  type: 'C' | 'N' | 'D';
  /** N: total width; C: ignored (computed). */
  width?: number;
  decimals?: number;
}
export type DbfValue = string | number | null;

const MAX_C = 254;

/** The bytes of a text value, cut at a character boundary to at most MAX_C bytes. */
function encodeText(s: string, encoding: Encoding): Buffer {
  let b = iconv.encode(s, encoding);
  if (b.length <= MAX_C) return b;
  let chars = [...s];
  while (b.length > MAX_C) {
    chars = chars.slice(0, -1);
    b = iconv.encode(chars.join(''), encoding);
  }
  return b;
}

/** A dBASE III table of `records` (one value per field, in order) in `encoding`. */
export function dbfBytes(
  fields: DbfField[],
  records: DbfValue[][],
  encoding: Encoding,
  today = new Date(),
): Uint8Array {
  for (const f of fields) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,9}$/.test(f.name)) throw new Error(`dBASE field name ${f.name} is not allowed`);
  }
  const texts = records.map((r) =>
    fields.map((f, i) => (f.type === 'C' && r[i] !== null ? encodeText(String(r[i]), encoding) : undefined)),
  );
  const widths = fields.map((f, i) => {
    if (f.type === 'D') return 8;
    if (f.type === 'N') return f.width ?? 18;
    return Math.max(1, ...texts.map((t) => t[i]?.length ?? 0));
  });
  const headerLength = 32 + 32 * fields.length + 1;
  const recordLength = 1 + widths.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(headerLength + recordLength * records.length + 1);
  const v = new DataView(out.buffer);
  out[0] = 0x03;
  out[1] = today.getUTCFullYear() - 1900;
  out[2] = today.getUTCMonth() + 1;
  out[3] = today.getUTCDate();
  v.setUint32(4, records.length, true);
  v.setUint16(8, headerLength, true);
  v.setUint16(10, recordLength, true);
  out[29] = LDID[encoding];
  fields.forEach((f, i) => {
    const at = 32 + 32 * i;
    for (let j = 0; j < f.name.length; j++) out[at + j] = f.name.charCodeAt(j);
    out[at + 11] = f.type.charCodeAt(0);
    out[at + 16] = widths[i];
    out[at + 17] = f.type === 'N' ? (f.decimals ?? 0) : 0;
  });
  out[headerLength - 1] = 0x0d;
  out.fill(0x20, headerLength, out.byteLength - 1);
  records.forEach((r, k) => {
    let at = headerLength + k * recordLength + 1; // the deletion flag stays ' '
    fields.forEach((f, i) => {
      const value = r[i];
      if (value !== null) {
        let bytes: Uint8Array;
        if (f.type === 'C') bytes = texts[k][i]!;
        else if (f.type === 'D') bytes = Buffer.from(String(value).replaceAll('-', '').slice(0, 8), 'latin1');
        else {
          const s = Number(value).toFixed(f.decimals ?? 0);
          bytes = Buffer.from(s.length > widths[i] ? '*'.repeat(widths[i]) : s.padStart(widths[i]), 'latin1');
        }
        out.set(bytes, at);
      }
      at += widths[i];
    });
  });
  out[out.byteLength - 1] = 0x1a;
  return out;
}
