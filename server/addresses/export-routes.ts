/**
 * GET /api/export/addresses.(geojson|csv|xlsx) — the gazetteer export, with the columns the import accepts, so that
 * the file imports back unchanged. Reads like the census export: open without a token while PUBLIC_READ is on (the
 * default), a bearer token of any role otherwise; the first page is read before the answer starts, so a database
 * fault is a 503 problem, not a cut-off download.
 */
import { PassThrough, Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { ENCODINGS, attachment, encoded } from '../components/export-routes.js';
import { addressPages, csvChunks, geoJsonChunks, writeXlsx, type AddressExportRow } from './export.js';

const tag = 'addresses';
const FIELDS_DOC =
  'Columns (CSV, XLSX) and properties (GeoJSON): kind (road | doorplate | landmark), name, road, number, building, ' +
  'alias (several separated by ;), former (a road’s former names, name@YYYY-MM-DD: the day each ended), category; ' +
  'then in CSV and XLSX lon, lat (WGS84, 7 decimals) for points and wkt (well-known text) for roads and landmark ' +
  'polygons. Roads first, then doorplates, then landmarks. The file re-imports unchanged through ' +
  'POST /api/addresses/import.';

/** The pages of the export, the first read before the answer starts. */
async function prepare(db: Kysely<DB>): Promise<AsyncGenerator<AddressExportRow[]>> {
  const pages = addressPages(db);
  const first = await pages.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* pages;
  })();
}

export function addressExportRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/export/addresses.geojson',
      tag,
      summary: 'Export the address gazetteer (roads, doorplates, landmarks) as GeoJSON',
      description: FIELDS_DOC,
      query: Type.Object({}, { additionalProperties: false }),
      produces: 'application/geo+json',
    },
    async (ctx) => {
      const pages = await prepare(db);
      attachment(ctx, 'application/geo+json', 'wangge-addresses.geojson');
      ctx.body = Readable.from(geoJsonChunks(pages));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/addresses.csv',
      tag,
      summary: 'Export the address gazetteer as CSV (UTF-8 with BOM, or GBK)',
      description: FIELDS_DOC,
      query: Type.Object(
        {
          encoding: Type.Optional(
            Type.Enum(ENCODINGS, {
              type: 'string',
              default: 'utf-8',
              description: 'utf-8 (with a BOM, for Excel) or gbk (characters GBK lacks become "?")',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      produces: 'text/csv',
    },
    async (ctx, { query }) => {
      const pages = await prepare(db);
      const enc = query.encoding ?? 'utf-8';
      attachment(ctx, `text/csv; charset=${enc}`, 'wangge-addresses.csv');
      ctx.body = Readable.from(encoded(csvChunks(pages), enc));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/addresses.xlsx',
      tag,
      summary: 'Export the address gazetteer as an XLSX workbook (one sheet 地址)',
      description: FIELDS_DOC,
      query: Type.Object({}, { additionalProperties: false }),
      produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    },
    async (ctx) => {
      const pages = await prepare(db);
      attachment(ctx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'wangge-addresses.xlsx');
      const out = new PassThrough();
      writeXlsx(pages, out).catch((e: unknown) => out.destroy(e as Error));
      ctx.body = out;
    },
  );
}
