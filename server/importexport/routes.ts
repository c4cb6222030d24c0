/**
 * POST /api/import (regions and grids from GeoJSON, a zipped Shapefile or a GeoPackage) and
 * GET /api/export/{layer}.geojson | .shp.zip | .gpkg.
 */
import { Readable } from 'node:stream';
import type Koa from 'koa';
import Type from 'typebox';
import type { Database } from '../db/open.js';
import { scopePrefix } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { HttpError, badRequest, forbidden, validationError } from '../http/problem.js';
import { ENCODINGS } from '../files/text.js';
import { CRS_HELP, epsgOf, parseCensusCrs, type CensusCrs } from '../geo/file-crs.js';
import { EXPORT_LAYERS, exportGeoJson, type BBox, type ExportLayer } from './export.js';
import { exportGeoPackage, exportShapefileZip } from './export-files.js';
import { ImportRejected, describeIssue, importFeatures } from './import.js';
import { MAX_ISSUES } from './checks.js';
import { parseRegionsFile } from './parse.js';
import { locateIssues } from './read.js';
import { readImportBody } from './upload.js';

const importQuery = Type.Object(
  {
    crs: Type.Optional(
      Type.String({ maxLength: 20, description: `the file's CRS when it does not say (or says wrongly): ${CRS_HELP}` }),
    ),
    encoding: Type.Optional(
      Type.Enum([...ENCODINGS], {
        type: 'string',
        description: 'Shapefile .dbf encoding (default: the .cpg, else GBK)',
      }),
    ),
    layer: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'one layer of the file: a .shp name in the zip or a GeoPackage feature table (default: all)',
      }),
    ),
  },
  { additionalProperties: false },
);

const exportCommon = {
  prefix: Type.Optional(
    Type.String({ pattern: '^[0-9]{0,15}$', description: 'only codes under this region-code prefix' }),
  ),
  bbox: Type.Optional(
    Type.String({
      maxLength: 100,
      description: 'minLon,minLat,maxLon,maxLat: only features intersecting this box (e.g. the map view)',
    }),
  ),
  crs: Type.Optional(
    Type.String({
      maxLength: 20,
      description:
        'EPSG:4490 (CGCS2000 lon/lat, default), EPSG:4326, or a CGCS2000 3° Gauss–Krüger zone EPSG:4513–4554',
    }),
  ),
};
const exportParams = Type.Object({ layer: Type.Enum(EXPORT_LAYERS, { type: 'string' }) });

const CGCS2000: CensusCrs = { kind: 'lonlat', name: 'cgcs2000' };

function exportCrs(value: string | undefined): CensusCrs {
  if (value === undefined) return CGCS2000;
  const crs = parseCensusCrs(value);
  if (!crs || epsgOf(crs) === undefined) {
    throw badRequest(
      `crs "${value}" is not a coordinate system exports are written in: EPSG:4490 (CGCS2000 lon/lat, the default), EPSG:4326 (WGS84) or a CGCS2000 3° Gauss–Krüger zone EPSG:4513–4554`,
    );
  }
  return crs;
}

function parseBbox(value: string | undefined): BBox | undefined {
  if (value === undefined) return undefined;
  const n = value.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  const ok =
    n.length === 4 &&
    n.every(Number.isFinite) &&
    n[0] <= n[2] &&
    n[1] <= n[3] &&
    n[0] >= -180 &&
    n[2] <= 180 &&
    n[1] >= -90 &&
    n[3] <= 90;
  if (!ok) {
    throw badRequest(
      `bbox "${value}" must be minLon,minLat,maxLon,maxLat in degrees, with min ≤ max (e.g. 100.0,20.0,100.004,20.003)`,
    );
  }
  return n as BBox;
}

function attachment(ctx: Koa.Context, type: string, file: string): void {
  ctx.type = type;
  ctx.set('Content-Disposition', `attachment; filename="${file}"`);
}

export function importExportRoutes(api: Api, database: Database, bodyLimitBytes: number): void {
  api.route(
    {
      method: 'post',
      path: '/api/import',
      tag: 'import-export',
      permission: 'importRegions',
      summary:
        'Import districts, streets, communities and unit grids from GeoJSON, a zipped Shapefile or a GeoPackage (all or nothing)',
      description:
        "The body is the file: GeoJSON (application/geo+json), a zipped Shapefile (application/zip; every .shp in the zip, or ?layer=) or a GeoPackage (application/geopackage+sqlite3; every feature table, or ?layer=); the format is told by the first bytes. Attributes: code (6/9/12/15 digits; also DYWGBM, WGBM, 单元网格标识码, 网格编码…), name (名称…), optional level (inferred from the code length). Coordinates: the file's CRS from ?crs=, else the .prj / gpkg_spatial_ref_sys / GeoJSON crs member, else lon/lat; Gauss–Krüger EPSG:4513–4554 is reprojected. Rejected imports return 422 with every problem (feature index, layer and row, code, location) and store nothing.",
      query: importQuery,
      body: Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Unknown()) }),
      // Parsed and checked in a worker thread: a whole city's file must not stall every other request.
      rawBody: true,
      errors: {
        403: 'a feature lies outside your region scope',
        413: 'the file exceeds BODY_LIMIT_MB',
        415: 'not a GeoJSON, zip or GeoPackage media type',
        422: 'the file has problems; nothing was stored',
      },
    },
    async (ctx, { query: q, user }) => {
      const crs = q.crs === undefined ? undefined : parseCensusCrs(q.crs);
      if (q.crs !== undefined && !crs) throw badRequest(`crs "${q.crs}" is not one of ${CRS_HELP}`);
      const parsed = await parseRegionsFile(await readImportBody(ctx, bodyLimitBytes), {
        crs,
        encoding: q.encoding,
        layer: q.layer,
      });
      if (parsed.kind === 'not-json') throw badRequest(parsed.message);
      if (parsed.kind === 'edges') throw validationError(parsed.errors.map((e) => e.message).join('; '), parsed.errors);
      if (parsed.kind === 'file-problem') {
        throw new HttpError(
          422,
          'import-rejected',
          'Import rejected',
          `the file cannot be imported: ${parsed.message}`,
          {
            errors: [{ index: -1, problem: parsed.message, message: parsed.message }],
          },
        );
      }
      try {
        if (parsed.issues.length) throw new ImportRejected(parsed.issues.slice(0, MAX_ISSUES));
        const summary = await importFeatures(database, parsed.features, {
          actor: user,
          scope: scopePrefix(user) || undefined,
        });
        locateIssues(parsed.file, summary.warnings);
        ctx.body = { ...summary, file: parsed.file };
      } catch (e) {
        if (e instanceof ImportRejected) locateIssues(parsed.file, e.issues);
        if (e instanceof ImportRejected && e.kind === 'scope') {
          throw forbidden(
            `${e.issues.length} feature${e.issues.length === 1 ? ' is' : 's are'} outside your region scope ${user.regionScope}; first: ${describeIssue(e.issues[0])}`,
          );
        }
        if (e instanceof ImportRejected) {
          throw new HttpError(
            422,
            'import-rejected',
            'Import rejected',
            `${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} found, nothing was imported; first: ${describeIssue(e.issues[0])}`,
            { errors: e.issues.map((i) => ({ ...i, message: describeIssue(i) })) },
          );
        }
        throw e;
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/:layer.geojson',
      tag: 'import-export',
      summary: 'Download a whole layer (districts, streets, communities, grids or all) as GeoJSON',
      description:
        'In a Gauss–Krüger crs the coordinates are metres and the legacy "crs" member names the EPSG code (RFC 7946 knows only lon/lat).',
      params: exportParams,
      query: Type.Object(exportCommon, { additionalProperties: false }),
      produces: 'application/geo+json',
    },
    (ctx, { params, query }) => {
      const crs = exportCrs(query.crs);
      const filter = { prefix: query.prefix ?? '', bbox: parseBbox(query.bbox) };
      attachment(ctx, 'application/geo+json', `wangge-${params.layer}.geojson`);
      ctx.body = Readable.from(exportGeoJson(database.db, params.layer, filter, crs));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/:layer.shp.zip',
      tag: 'import-export',
      summary: 'Download a layer as a zipped Shapefile (all: one Shapefile per level), with .prj and .cpg',
      description:
        'Fields: code, name, level, area_m2, init_date (dBASE names ≤ 10 characters). encoding=gbk writes the .dbf in GBK for older desktop tools (default UTF-8); the .cpg names it.',
      params: exportParams,
      query: Type.Object(
        {
          ...exportCommon,
          encoding: Type.Optional(
            Type.Enum([...ENCODINGS], { type: 'string', description: '.dbf encoding (default utf8)' }),
          ),
        },
        { additionalProperties: false },
      ),
      produces: 'application/zip',
    },
    (ctx, { params, query }) => {
      const opts = {
        crs: exportCrs(query.crs),
        prefix: query.prefix ?? '',
        bbox: parseBbox(query.bbox),
        encoding: query.encoding,
      };
      attachment(ctx, 'application/zip', `wangge-${params.layer}.shp.zip`);
      ctx.body = Readable.from(exportShapefileZip(database.db, params.layer as ExportLayer, opts));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/export/:layer.gpkg',
      tag: 'import-export',
      summary: 'Download a layer as a GeoPackage (all: one feature table per level)',
      description: 'Columns: code, name, level, area_m2, initial_date; geometry MULTIPOLYGON in the chosen crs.',
      params: exportParams,
      query: Type.Object(exportCommon, { additionalProperties: false }),
      produces: 'application/geopackage+sqlite3',
    },
    async (ctx, { params, query }) => {
      const opts = { crs: exportCrs(query.crs), prefix: query.prefix ?? '', bbox: parseBbox(query.bbox) };
      const bytes = await exportGeoPackage(database.db, params.layer as ExportLayer, opts);
      attachment(ctx, 'application/geopackage+sqlite3', `wangge-${params.layer}.gpkg`);
      ctx.body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  );
}
