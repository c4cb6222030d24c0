/**
 * A small Shapefile writer for test fixtures: point (shape type 1) and polyline (type 3) layers with a dBASE III
 * attribute table of C (character) and N (numeric) fields, in a chosen encoding. Layout after the ESRI Shapefile
 * Technical Description (July 1998):
 * - .shp and .shx main header, 100 bytes: file code 9994 (int32 big-endian) at 0; file length in 16-bit words
 *   (int32 BE) at 24; version 1000 (int32 little-endian) at 28; shape type (int32 LE) at 32; bounding box Xmin, Ymin,
 *   Xmax, Ymax (float64 LE) at 36–67; Z and M ranges (zeros here) at 68–99.
 * - .shp record: record number (1-based) and content length in 16-bit words (int32 BE each), then the content:
 *   Point = shape type (int32 LE), X, Y (float64 LE) — 20 bytes; PolyLine = shape type, box (4 × float64), NumParts,
 *   NumPoints (int32 LE), Parts (int32 LE index of each part's first point), Points (X, Y float64 LE each).
 * - .shx record: the .shp record's offset and content length, both in 16-bit words (int32 BE).
 * - .dbf (dBASE III): version 0x03; last update YY MM DD; record count (uint32 LE) at 4; header length (uint16 LE) at
 *   8 = 32 + 32 × fields + 1; record length (uint16 LE) at 10 = 1 + Σ field lengths; then one 32-byte descriptor per
 *   field (name, NUL-padded, 11 bytes; type letter at 11; length at 16; decimal count at 17), the 0x0D terminator, the
 *   records (deletion flag ' ', then each field: C left-aligned and space-padded, N right-aligned), and 0x1A.
 */
import iconv from 'iconv-lite';

export interface DbfField {
  name: string;
  type: 'C' | 'N';
  length: number;
  decimals?: number;
}

export type Position = [number, number];

export interface LayerSpec {
  /** 'point': each geometry a Position; 'polyline': each geometry a list of parts, each a list of positions. */
  type: 'point' | 'polyline';
  fields: DbfField[];
  features: { geometry: Position | Position[][]; properties: Record<string, string | number | null> }[];
  /** Encoding of the .dbf text (field names and C values): 'gbk' or 'utf8'. */
  encoding: 'gbk' | 'utf8';
}

export function writeShapefile(layer: LayerSpec): { shp: Uint8Array; shx: Uint8Array; dbf: Uint8Array } {
  const contents = layer.features.map((f) =>
    layer.type === 'point' ? pointContent(f.geometry as Position) : polylineContent(f.geometry as Position[][]),
  );
  const all = layer.features.flatMap((f) =>
    layer.type === 'point' ? [f.geometry as Position] : (f.geometry as Position[][]).flat(),
  );
  const box = bbox(all);
  const shapeType = layer.type === 'point' ? 1 : 3;
  const shpLength = 100 + contents.reduce((sum, c) => sum + 8 + c.length, 0);
  const shp = new Uint8Array(shpLength);
  const shx = new Uint8Array(100 + 8 * contents.length);
  header(shp, shpLength, shapeType, box);
  header(shx, shx.length, shapeType, box);
  const shpView = new DataView(shp.buffer);
  const shxView = new DataView(shx.buffer);
  let offset = 100;
  contents.forEach((content, i) => {
    shpView.setInt32(offset, i + 1, false);
    shpView.setInt32(offset + 4, content.length / 2, false);
    shp.set(content, offset + 8);
    shxView.setInt32(100 + 8 * i, offset / 2, false);
    shxView.setInt32(100 + 8 * i + 4, content.length / 2, false);
    offset += 8 + content.length;
  });
  return {
    shp,
    shx,
    dbf: writeDbf(
      layer.fields,
      layer.features.map((f) => f.properties),
      layer.encoding,
    ),
  };
}

function header(bytes: Uint8Array, length: number, shapeType: number, box: number[]): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setInt32(0, 9994, false);
  view.setInt32(24, length / 2, false);
  view.setInt32(28, 1000, true);
  view.setInt32(32, shapeType, true);
  box.forEach((v, i) => view.setFloat64(36 + 8 * i, v, true));
}

function bbox(points: Position[]): number[] {
  if (!points.length) return [0, 0, 0, 0];
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function pointContent([x, y]: Position): Uint8Array {
  const bytes = new Uint8Array(20);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 1, true);
  view.setFloat64(4, x, true);
  view.setFloat64(12, y, true);
  return bytes;
}

function polylineContent(parts: Position[][]): Uint8Array {
  const points = parts.flat();
  const bytes = new Uint8Array(44 + 4 * parts.length + 16 * points.length);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 3, true);
  bbox(points).forEach((v, i) => view.setFloat64(4 + 8 * i, v, true));
  view.setInt32(36, parts.length, true);
  view.setInt32(40, points.length, true);
  let start = 0;
  parts.forEach((part, i) => {
    view.setInt32(44 + 4 * i, start, true);
    start += part.length;
  });
  const base = 44 + 4 * parts.length;
  points.forEach(([x, y], i) => {
    view.setFloat64(base + 16 * i, x, true);
    view.setFloat64(base + 16 * i + 8, y, true);
  });
  return bytes;
}

export function writeDbf(
  fields: DbfField[],
  rows: Record<string, string | number | null>[],
  encoding: 'gbk' | 'utf8',
): Uint8Array {
  const encode = (s: string) => (encoding === 'utf8' ? Buffer.from(s, 'utf8') : iconv.encode(s, 'gbk'));
  const headerLength = 32 + 32 * fields.length + 1;
  const recordLength = 1 + fields.reduce((sum, f) => sum + f.length, 0);
  const bytes = new Uint8Array(headerLength + recordLength * rows.length + 1);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x03;
  bytes.set([125, 6, 30], 1); // 2025-06-30
  view.setUint32(4, rows.length, true);
  view.setUint16(8, headerLength, true);
  view.setUint16(10, recordLength, true);
  fields.forEach((f, i) => {
    const at = 32 + 32 * i;
    const name = encode(f.name);
    if (name.length > 10) throw new Error(`field name ${f.name} is longer than 10 bytes`);
    bytes.set(name, at);
    bytes[at + 11] = f.type.charCodeAt(0);
    bytes[at + 16] = f.length;
    bytes[at + 17] = f.decimals ?? 0;
  });
  bytes[headerLength - 1] = 0x0d;
  rows.forEach((row, r) => {
    let at = headerLength + recordLength * r;
    bytes[at++] = 0x20;
    for (const f of fields) {
      const v = row[f.name];
      const text = v == null ? '' : f.type === 'N' ? Number(v).toFixed(f.decimals ?? 0) : String(v);
      const raw = encode(text);
      if (raw.length > f.length) throw new Error(`${JSON.stringify(text)} does not fit field ${f.name}`);
      const cell = new Uint8Array(f.length).fill(0x20);
      cell.set(raw, f.type === 'N' ? f.length - raw.length : 0);
      bytes.set(cell, at);
      at += f.length;
    }
  });
  bytes[bytes.length - 1] = 0x1a;
  return bytes;
}
