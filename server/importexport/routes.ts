/** POST /api/import (GeoJSON regions and grids) and GET /api/export/{layer}.geojson. */
import { Readable } from 'node:stream';
import Type from 'typebox';
import type { Database } from '../db/open.js';
import { scopePrefix } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { readJsonBytes } from '../http/body.js';
import { HttpError, badRequest, forbidden, validationError } from '../http/problem.js';
import { EXPORT_LAYERS, exportGeoJson } from './export.js';
import { ImportRejected, describeIssue, importFeatures } from './import.js';
import { MAX_ISSUES } from './checks.js';
import { parseRegionsFile } from './parse.js';

export function importExportRoutes(api: Api, database: Database, bodyLimitBytes: number): void {
  api.route(
    {
      method: 'post',
      path: '/api/import',
      tag: 'import-export',
      permission: 'importRegions',
      summary:
        'Import districts, streets, communities and unit grids from a GeoJSON FeatureCollection (all or nothing)',
      description:
        'Properties: code (6/9/12/15 digits), name, optional level (inferred from the code length). Coordinates RFC 7946 lon/lat. Rejected imports return 422 with every problem (feature index, code, location) and store nothing.',
      body: Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Unknown()) }),
      // Parsed and checked in a worker thread: a whole city's file must not stall every other request.
      rawBody: true,
      errors: { 403: 'a feature lies outside your region scope', 422: 'the file has problems; nothing was stored' },
    },
    async (ctx, { user }) => {
      const parsed = await parseRegionsFile(await readJsonBytes(ctx, bodyLimitBytes));
      if (parsed.kind === 'not-json') throw badRequest(parsed.message);
      if (parsed.kind === 'edges') throw validationError(parsed.errors.map((e) => e.message).join('; '), parsed.errors);
      try {
        if (parsed.issues.length) throw new ImportRejected(parsed.issues.slice(0, MAX_ISSUES));
        const summary = await importFeatures(database, parsed.features, {
          actor: user,
          scope: scopePrefix(user) || undefined,
        });
        ctx.body = summary;
      } catch (e) {
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
      params: Type.Object({ layer: Type.Enum(EXPORT_LAYERS, { type: 'string' }) }),
      query: Type.Object(
        {
          prefix: Type.Optional(
            Type.String({ pattern: '^[0-9]{0,15}$', description: 'only codes under this region-code prefix' }),
          ),
        },
        { additionalProperties: false },
      ),
      produces: 'application/geo+json',
    },
    (ctx, { params, query }) => {
      const layer = params.layer;
      ctx.type = 'application/geo+json';
      ctx.set('Content-Disposition', `attachment; filename="wangge-${layer}.geojson"`);
      ctx.body = Readable.from(exportGeoJson(database.db, layer, query.prefix ?? ''));
    },
  );
}
