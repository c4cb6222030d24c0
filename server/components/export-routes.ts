/**
 * GET /api/export/components.(geojson|csv|xlsx) — the census export with the list filters — and
 * GET /api/components/stats — the census statistics table (普查统计表), JSON or CSV.
 *
 * Reads like the region export (/api/export/{layer}.geojson): open without a token while PUBLIC_READ is on (the
 * default), a bearer token of any role otherwise. The census names departments only, no person.
 */
import { Readable, PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { parseBbox } from '../http/geo.js';
import {
  componentPages,
  csvChunks,
  csvLine,
  extraKeys,
  geoJsonChunks,
  writeXlsx,
  type ComponentFilter,
  type ExportRow,
} from './export.js';
import { STATUSES } from './fields.js';
import { STATS_LEVELS, censusStats, statsCsv } from './stats.js';

const tag = 'components';
export const ENCODINGS = ['utf-8', 'gbk'] as const;

const filterProps = {
  bbox: Type.Optional(
    Type.String({ maxLength: 200, description: 'minLon,minLat,maxLon,maxLat (WGS84): components that touch it' }),
  ),
  class: Type.Optional(Type.String({ pattern: '^[0-9]{5}$', description: 'a 5-digit GB/T 47678.5 class, e.g. 01001' })),
  major: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: 'a 2-digit major class, e.g. 01' })),
  grid: Type.Optional(
    Type.String({ pattern: '^[0-9]{15}$', description: 'a 15-digit unit-grid code (the grid derived from position)' }),
  ),
  community: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: 'a 12-digit community code' })),
  street: Type.Optional(Type.String({ pattern: '^[0-9]{9}$', description: 'a 9-digit street code' })),
  status: Type.Optional(Type.Enum(STATUSES, { type: 'string', description: '管理部件状态' })),
};
const encoding = Type.Optional(
  Type.Enum(ENCODINGS, {
    type: 'string',
    default: 'utf-8',
    description: 'utf-8 (with a BOM, for Excel) or gbk (characters GBK lacks become "?")',
  }),
);
const exportQuery = Type.Object(filterProps, { additionalProperties: false });
const csvQuery = Type.Object({ ...filterProps, encoding }, { additionalProperties: false });

const FIELDS_DOC =
  'Columns (CSV, XLSX) and properties (GeoJSON): GLBJBSM, GLBJMC, class, ZGBMDM, ZGBMMC, QSDWDM, QSDWMC, YHDWDM, ' +
  'YHDWMC, SZDYWGBSM, GLBJZT, CSRQ, BGRQ (YYYYMMDD), SJLY, BZ, SZJDDM, SZJDMC, SZSQDM, SZSQMC, accuracy, photos, then ' +
  'lon, lat (WGS84, 7 decimals; CSV and XLSX only) and one column per local extra attribute. The file re-imports ' +
  'unchanged through POST /api/components/import. Streamed in code order.';

interface FilterQuery {
  bbox?: string;
  class?: string;
  major?: string;
  grid?: string;
  community?: string;
  street?: string;
  status?: string;
}

function filterOf(q: FilterQuery): ComponentFilter {
  return {
    bbox: q.bbox === undefined ? undefined : parseBbox(q.bbox),
    class: q.class,
    major: q.major,
    grid: q.grid,
    community: q.community,
    street: q.street,
    status: q.status,
  };
}

/**
 * The extras columns and the pages of the export, the first page read before the answer starts: a database fault or
 * a bad value shows as a problem (503, 400), not as a cut-off download.
 */
async function prepare(db: Kysely<DB>, q: FilterQuery, shape: 'geojson' | 'table') {
  const filter = filterOf(q);
  const extras = await extraKeys(db, filter);
  const pages = componentPages(db, filter, shape);
  const first = await pages.next();
  async function* all(): AsyncGenerator<ExportRow[]> {
    if (first.done) return;
    yield first.value;
    yield* pages;
  }
  return { extras, pages: all() };
}

export function attachment(ctx: Koa.Context, type: string, filename: string): void {
  ctx.type = type;
  ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
}

/** Text chunks as UTF-8 with a BOM (Excel reads it as UTF-8), or GBK (stateless: chunk by chunk is exact). */
export async function* encoded(chunks: AsyncIterable<string>, enc: (typeof ENCODINGS)[number]): AsyncGenerator<Buffer> {
  if (enc === 'utf-8') yield Buffer.from('\uFEFF', 'utf8');
  for await (const c of chunks) yield enc === 'gbk' ? iconv.encode(c, 'gbk') : Buffer.from(c, 'utf8');
}

async function* lines(rows: string[][]): AsyncGenerator<string> {
  yield rows.map(csvLine).join('');
}

const byStatus = Type.Object(Object.fromEntries(STATUSES.map((s) => [s, Type.Integer()])), {
  description: 'count per 管理部件状态',
});
const counted = { total: Type.Integer(), by_status: byStatus };
const regionRef = {
  region_code: Type.Union([Type.String(), Type.Null()], { description: 'null: outside every unit grid' }),
  region_name: Type.String({ description: 'the region name, or 未落入网格' }),
};
const statsResponse = Type.Object({
  level: Type.Enum(STATS_LEVELS, { type: 'string' }),
  rows: Type.Array(Type.Object({ ...regionRef, class: Type.String(), class_name: Type.String(), ...counted }), {
    description: 'one per region and class with components: regions by code (null last), then classes',
  }),
  regions: Type.Array(Type.Object({ ...regionRef, ...counted }), { description: 'totals per region, same order' }),
  total: Type.Object(counted, { description: 'grand total' }),
});

export function componentExportRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/export/components.geojson',
      tag,
      summary: 'Export the component census as GeoJSON (filters as for the list)',
      description: FIELDS_DOC,
      query: exportQuery,
      produces: 'application/geo+json',
    },
    async (ctx, { query }) => {
      const { extras, pages } = await prepare(db, query, 'geojson');
      attachment(ctx, 'application/geo+json', 'wangge-components.geojson');
      ctx.body = Readable.from(geoJsonChunks(pages, extras));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/components.csv',
      tag,
      summary: 'Export the component census as CSV (UTF-8 with BOM, or GBK)',
      description: FIELDS_DOC,
      query: csvQuery,
      produces: 'text/csv',
    },
    async (ctx, { query }) => {
      const { extras, pages } = await prepare(db, query, 'table');
      const enc = query.encoding ?? 'utf-8';
      attachment(ctx, `text/csv; charset=${enc}`, 'wangge-components.csv');
      ctx.body = Readable.from(encoded(csvChunks(pages, extras), enc));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/components.xlsx',
      tag,
      summary: 'Export the component census as an XLSX workbook (one sheet 部件)',
      description: FIELDS_DOC,
      query: exportQuery,
      produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    },
    async (ctx, { query }) => {
      const { extras, pages } = await prepare(db, query, 'table');
      attachment(ctx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'wangge-components.xlsx');
      const out = new PassThrough();
      writeXlsx(pages, extras, out).catch((e: unknown) => out.destroy(e as Error));
      ctx.body = out;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/components/stats',
      tag,
      summary: 'The census statistics table (普查统计表): components per region and class, by status',
      description:
        'Regions of the level (street, community or unit grid) are those derived from each component’s position; ' +
        'components outside every grid count under region_code null (未落入网格). format=csv gives the same table ' +
        'with Chinese headers (<level>代码, <level>名称, 分类代码, 分类名称, 完好, 破损, 丢失, 废弃, 移除, 合计), a 小计 ' +
        'row after each region and a 总计 row last.',
      query: Type.Object(
        {
          level: Type.Enum(STATS_LEVELS, { type: 'string', description: 'street, community or grid' }),
          format: Type.Optional(Type.Enum(['json', 'csv'] as const, { type: 'string', default: 'json' })),
          encoding,
        },
        { additionalProperties: false },
      ),
      response: statsResponse,
    },
    async (ctx, { query }) => {
      const stats = await censusStats(db, query.level);
      if (query.format !== 'csv') {
        ctx.body = stats;
        return;
      }
      const enc = query.encoding ?? 'utf-8';
      attachment(ctx, `text/csv; charset=${enc}`, `wangge-component-stats-${query.level}.csv`);
      ctx.body = Readable.from(encoded(lines(statsCsv(stats)), enc));
    },
  );
}
