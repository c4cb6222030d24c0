/**
 * Census export (部件普查成果导出): the live components as GeoJSON, CSV or XLSX rows, streamed page by page so a city of a
 * million components never sits in memory.
 *
 * Column names are built from data/component-fields.json — the first name of each field, i.e. the GB/T 47678.5 表2
 * abbreviation (GLBJBSM, GLBJMC, ZGBMDM …) or the field's own name (class, accuracy, photos, lon, lat) — so an exported
 * file maps back onto the same fields through the importer's mapHeader(): a re-import changes nothing by construction.
 * Local extra attributes (jsonb `extras`) become one column each (the union of their keys, in code-point order); a key
 * that would read as a standard column is left out.
 */
import { once } from 'node:events';
import type { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import { FIELDS, mapHeader, type Field } from './fields.js';

/** The list filters (same meaning as GET /api/components). */
export interface ComponentFilter {
  bbox?: [number, number, number, number];
  /** 5-digit GB/T 47678.5 class. */
  class?: string;
  /** 2-digit major class. */
  major?: string;
  /** Derived unit grid, community and street codes. */
  grid?: string;
  community?: string;
  street?: string;
  status?: string;
}

/** The standard fields of an exported row, in column order (lon/lat are added for CSV and XLSX). */
export const EXPORT_FIELDS = [
  'code',
  'name',
  'class',
  'owner_code',
  'owner_name',
  'title_code',
  'title_name',
  'maintainer_code',
  'maintainer_name',
  'given_grid_code',
  'status',
  'initial_date',
  'change_date',
  'data_source',
  'note',
  'street_code',
  'street_name',
  'community_code',
  'community_name',
  'accuracy',
  'photos',
] as const satisfies readonly Field[];

/** Column name of a field: its first name in data/component-fields.json. */
export const column = (f: Field): string => FIELDS[f][0];

/** One live component as the export reads it. Dates are YYYYMMDD (表2 D8); empty text is ''. */
export interface ExportRow {
  code: string;
  class: string;
  name: string;
  owner_code: string | null;
  owner_name: string;
  title_code: string | null;
  title_name: string;
  maintainer_code: string | null;
  maintainer_name: string;
  /** 所在单元网格 (SZDYWGBSM): the grid stated by the census where it differed from the position, else the derived one. */
  given_grid_code: string | null;
  status: string;
  initial_date: string | null;
  change_date: string | null;
  data_source: string;
  note: string;
  street_code: string | null;
  street_name: string | null;
  community_code: string | null;
  community_name: string | null;
  accuracy: string | null;
  photos: unknown;
  extras: unknown;
  /** RFC 7946 geometry text (GeoJSON export) or null. */
  geometry: string | null;
  /** A point's position, or a line's or polygon's point on surface (CSV, XLSX); null without geometry. */
  lon: number | null;
  lat: number | null;
}

/** Rows per query: large enough to amortize the round trip, small enough to keep a page's memory modest. */
const PAGE = 5000;

/** SQL conditions of a filter, joined with `and` (`true` when there are none). */
export function filterSql(f: ComponentFilter): RawBuilder<boolean> {
  const conds: RawBuilder<unknown>[] = [];
  if (f.class) conds.push(sql`c.category_code = ${f.class}`);
  if (f.major) conds.push(sql`left(c.category_code, 2) = ${f.major}`);
  if (f.grid) conds.push(sql`c.grid_code = ${f.grid}`);
  if (f.community) conds.push(sql`c.community_code = ${f.community}`);
  if (f.street) conds.push(sql`c.street_code = ${f.street}`);
  if (f.status) conds.push(sql`c.status = ${f.status}`);
  if (f.bbox) {
    const [a, b, cc, d] = f.bbox;
    conds.push(sql`ST_Intersects(c.geom, ST_MakeEnvelope(${a}, ${b}, ${cc}, ${d}, 4326))`);
  }
  return conds.length ? sql<boolean>`(${sql.join(conds, sql` and `)})` : sql<boolean>`true`;
}

/** The union of the extras keys of the filtered components, sorted; keys that name a standard field are left out. */
export async function extraKeys(db: Kysely<DB>, f: ComponentFilter): Promise<string[]> {
  const r = await sql<{ k: string }>`
    select distinct k from component c, jsonb_object_keys(c.extras) k
    where c.extras <> '{}'::jsonb and jsonb_typeof(c.extras) = 'object' and ${filterSql(f)}`.execute(db);
  const keys = r.rows.map((x) => x.k).sort();
  return keys.filter((k) => {
    const m = mapHeader([k]);
    return m.problems.length === 0 && m.extras.size === 1;
  });
}

/** The filtered live components, ordered by code, one page (≤ PAGE rows) at a time. */
export async function* componentPages(
  db: Kysely<DB>,
  f: ComponentFilter,
  shape: 'geojson' | 'table',
): AsyncGenerator<ExportRow[]> {
  const where = filterSql(f);
  const geometry = shape === 'geojson' ? sql`ST_AsGeoJSON(c.geom, 7)` : sql`null`;
  const place = sql`case when c.geom is null then null when GeometryType(c.geom) = 'POINT' then c.geom
    else ST_PointOnSurface(c.geom) end`;
  // Street and community names once per export (a city has a few thousand at most), not once per row.
  const regions = await sql<{ code: string; name: string }>`select code, name from region
    where termination_date is null and level in ('street', 'community')`.execute(db);
  const names = new Map(regions.rows.map((r) => [r.code, r.name]));
  let after = '';
  for (;;) {
    // Empty photos and extras (most rows) come as null: nothing for the driver to parse.
    const r = await sql<ExportRow>`
      select c.code, c.category_code as class, c.name, c.owner_code, c.owner_name, c.title_code, c.title_name,
        c.maintainer_code, c.maintainer_name, coalesce(c.given_grid_code, c.grid_code) as given_grid_code, c.status,
        to_char(c.initial_date, 'YYYYMMDD') as initial_date, to_char(c.change_date, 'YYYYMMDD') as change_date,
        c.data_source, c.note, c.street_code, c.community_code, c.accuracy,
        case when c.photos = '[]'::jsonb then null else c.photos end as photos,
        case when c.extras = '{}'::jsonb then null else c.extras end as extras,
        ${geometry} as geometry, ST_X(p.p) as lon, ST_Y(p.p) as lat
      from component c cross join lateral (select ${place} as p) p
      where c.code > ${after} and ${where}
      order by c.code limit ${PAGE}`.execute(db);
    for (const row of r.rows) {
      row.street_name = row.street_code === null ? null : (names.get(row.street_code) ?? null);
      row.community_name = row.community_code === null ? null : (names.get(row.community_code) ?? null);
    }
    if (r.rows.length) yield r.rows;
    if (r.rows.length < PAGE) return;
    after = r.rows[r.rows.length - 1].code;
  }
}

/** A coordinate with at most 7 decimals (≈ 1 cm), trailing zeros dropped. */
export const coord = (x: number | null): string => (x === null ? '' : x.toFixed(7).replace(/\.?0+$/, ''));

/** The text of an extras value in a table cell: strings as they are, other values as JSON, null as empty. */
function extraText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The text of each standard field of a row, '' for none. */
function fieldText(row: ExportRow, f: (typeof EXPORT_FIELDS)[number]): string {
  if (f === 'photos') return Array.isArray(row.photos) && row.photos.length ? JSON.stringify(row.photos) : '';
  if (f === 'class') return row.class;
  return (row[f as keyof ExportRow] as string | null) ?? '';
}

/** Header of a CSV or XLSX export: the standard columns, lon, lat, then the extras keys. */
export function tableHeader(extras: string[]): string[] {
  return [...EXPORT_FIELDS.map(column), column('lon'), column('lat'), ...extras];
}

/** A row of a CSV or XLSX export, as text cells in header order (lon and lat as numbers for XLSX). */
export function tableRow(row: ExportRow, extras: string[]): string[] {
  const ex = (row.extras ?? {}) as Record<string, unknown>;
  return [
    ...EXPORT_FIELDS.map((f) => fieldText(row, f)),
    coord(row.lon),
    coord(row.lat),
    ...extras.map((k) => extraText(ex[k])),
  ];
}

/** RFC 4180 quoting: a cell with a comma, quote or line break is quoted, its quotes doubled. */
export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export const csvLine = (cells: string[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** GeoJSON properties of a row: the same column names and texts (null for empty), extras with their JSON values. */
export function geoJsonFeature(row: ExportRow, extras: string[]): string {
  const props: Record<string, unknown> = {};
  for (const f of EXPORT_FIELDS) {
    if (f === 'photos') props[column(f)] = Array.isArray(row.photos) && row.photos.length ? row.photos : null;
    else props[column(f)] = fieldText(row, f) || null;
  }
  const ex = (row.extras ?? {}) as Record<string, unknown>;
  for (const k of extras) props[k] = ex[k] ?? null;
  return `{"type":"Feature","id":${JSON.stringify(row.code)},"properties":${JSON.stringify(props)},"geometry":${row.geometry ?? 'null'}}`;
}

/** CSV text in chunks (one per page): header line, then one line per component; CRLF line ends. */
export async function* csvChunks(pages: AsyncIterable<ExportRow[]>, extras: string[]): AsyncGenerator<string> {
  yield csvLine(tableHeader(extras));
  for await (const page of pages) yield page.map((r) => csvLine(tableRow(r, extras))).join('');
}

/** A GeoJSON FeatureCollection in chunks (one per page). */
export async function* geoJsonChunks(pages: AsyncIterable<ExportRow[]>, extras: string[]): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  let first = true;
  for await (const page of pages) {
    yield (first ? '' : ',\n') + page.map((r) => geoJsonFeature(r, extras)).join(',\n');
    first = false;
  }
  yield '\n]}\n';
}

/** Streams an XLSX workbook (exceljs WorkbookWriter, inline strings, no styles) into `out`; one sheet 部件. */
export async function writeXlsx(pages: AsyncIterable<ExportRow[]>, extras: string[], out: PassThrough): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('部件');
  ws.addRow(tableHeader(extras)).commit();
  const lonAt = EXPORT_FIELDS.length;
  for await (const page of pages) {
    for (const r of page) {
      const cells: (string | number | null)[] = tableRow(r, extras);
      cells[lonAt] = r.lon === null ? null : Number(coord(r.lon));
      cells[lonAt + 1] = r.lat === null ? null : Number(coord(r.lat));
      ws.addRow(cells.map((c) => (c === '' ? null : c))).commit();
    }
    // A slow client: wait until it has read what is queued rather than buffer the whole workbook; a client gone
    // (the stream destroyed) ends the export.
    if (out.writableNeedDrain && !out.destroyed) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    if (out.destroyed) return;
  }
  ws.commit();
  await wb.commit();
}
