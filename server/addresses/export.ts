/**
 * Gazetteer export (地址库导出): the live roads, doorplates and landmarks as GeoJSON, CSV or XLSX rows with the
 * properties the import accepts — kind, name, road, number, building, alias (;-joined), former (a road's former names,
 * name@YYYY-MM-DD), category — plus the geometry (GeoJSON), or lon/lat for points and `wkt` for lines and polygons
 * (CSV, XLSX). Column names are the first names of data/address-fields.json, so an exported file imports back into
 * an empty database as the same gazetteer and exports again identically. Streamed page by page (roads, then
 * doorplates, then landmarks, each in id order — the order an import inserts them).
 */
import { once } from 'node:events';
import type { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Geometry } from 'geojson';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { coord, csvLine } from '../components/export.js';
import { ADDRESS_FIELDS, type AddressField } from './fields.js';
import { toWkt } from './wkt.js';

/** The text fields of an exported row, in column order. */
export const EXPORT_FIELDS = [
  'kind',
  'name',
  'road',
  'number',
  'building',
  'alias',
  'former',
  'category',
] as const satisfies readonly AddressField[];

export type AddressExportRow = Record<(typeof EXPORT_FIELDS)[number], string> & {
  id: string;
  /** RFC 7946 geometry text, 7 decimals. */
  geometry: string;
};

const PAGE = 5000;
const column = (f: AddressField) => ADDRESS_FIELDS[f][0];

/** One page of a kind after the id `after`. Empty text is ''. */
function page(db: Kysely<DB>, kind: 'road' | 'doorplate' | 'landmark', after: string) {
  const a = Number(after);
  if (kind === 'road')
    return sql<AddressExportRow>`
      select r.id::text as id, 'road' as kind, r.name, '' as road, '' as number, '' as building,
        coalesce((select string_agg(n.name, ';' order by n.name collate "C") from road_name n
                  where n.road_id = r.id and n.kind = 'alias'), '') as alias,
        coalesce((select string_agg(n.name || coalesce('@' || to_char(n.valid_to, 'YYYY-MM-DD'), ''), ';'
                    order by n.valid_to, n.name collate "C")
                  from road_name n where n.road_id = r.id and n.kind = 'former'), '') as former,
        '' as category, ST_AsGeoJSON(r.geom, 7) as geometry
      from road r where r.id > ${a} order by r.id limit ${PAGE}`.execute(db);
  if (kind === 'doorplate')
    return sql<AddressExportRow>`
      select d.id::text as id, 'doorplate' as kind, '' as name, d.road, d.number, d.building, '' as alias,
        '' as former, '' as category, ST_AsGeoJSON(d.geom, 7) as geometry
      from doorplate d where d.id > ${a} order by d.id limit ${PAGE}`.execute(db);
  return sql<AddressExportRow>`
    select l.id::text as id, 'landmark' as kind, l.name, '' as road, '' as number, '' as building,
      array_to_string(l.aliases, ';') as alias, '' as former, l.kind as category, ST_AsGeoJSON(l.geom, 7) as geometry
    from landmark l where l.id > ${a} order by l.id limit ${PAGE}`.execute(db);
}

/** Every live road, doorplate and landmark, one page (≤ PAGE rows) at a time. */
export async function* addressPages(db: Kysely<DB>): AsyncGenerator<AddressExportRow[]> {
  for (const kind of ['road', 'doorplate', 'landmark'] as const) {
    let after = '0';
    for (;;) {
      const r = await page(db, kind, after);
      if (r.rows.length) yield r.rows;
      if (r.rows.length < PAGE) break;
      after = r.rows[r.rows.length - 1].id;
    }
  }
}

/** Header of a CSV or XLSX export. */
export const tableHeader = (): string[] => [...EXPORT_FIELDS.map(column), column('lon'), column('lat'), column('wkt')];

/** A CSV or XLSX row: the text fields, then lon/lat of a point or the WKT of a line or polygon. */
export function tableRow(row: AddressExportRow): string[] {
  const g = JSON.parse(row.geometry) as Geometry;
  const point = g.type === 'Point' ? g.coordinates : null;
  return [
    ...EXPORT_FIELDS.map((f) => row[f]),
    point ? coord(point[0]) : '',
    point ? coord(point[1]) : '',
    point ? '' : toWkt(g),
  ];
}

/** GeoJSON properties: the same names and texts (null for empty). */
export function geoJsonFeature(row: AddressExportRow): string {
  const props: Record<string, string | null> = {};
  for (const f of EXPORT_FIELDS) props[column(f)] = row[f] || null;
  return `{"type":"Feature","properties":${JSON.stringify(props)},"geometry":${row.geometry}}`;
}

export async function* csvChunks(pages: AsyncIterable<AddressExportRow[]>): AsyncGenerator<string> {
  yield csvLine(tableHeader());
  for await (const p of pages) yield p.map((r) => csvLine(tableRow(r))).join('');
}

export async function* geoJsonChunks(pages: AsyncIterable<AddressExportRow[]>): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  let first = true;
  for await (const p of pages) {
    yield (first ? '' : ',\n') + p.map(geoJsonFeature).join(',\n');
    first = false;
  }
  yield '\n]}\n';
}

/** Streams an XLSX workbook (one sheet 地址; lon/lat as numbers) into `out`. */
export async function writeXlsx(pages: AsyncIterable<AddressExportRow[]>, out: PassThrough): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('地址');
  ws.addRow(tableHeader()).commit();
  const lonAt = EXPORT_FIELDS.length;
  for await (const p of pages) {
    for (const r of p) {
      const cells: (string | number | null)[] = tableRow(r);
      if (cells[lonAt] !== '') {
        cells[lonAt] = Number(cells[lonAt]);
        cells[lonAt + 1] = Number(cells[lonAt + 1]);
      }
      ws.addRow(cells.map((c) => (c === '' ? null : c))).commit();
    }
    if (out.writableNeedDrain && !out.destroyed) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    if (out.destroyed) return;
  }
  ws.commit();
  await wb.commit();
}
