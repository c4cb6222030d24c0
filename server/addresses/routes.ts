/**
 * The address gazetteer's HTTP routes: POST /api/addresses/import (a file as the body, all or nothing; `?async=true`
 * for a job polled at GET /api/addresses/import/{id}).
 */
import Type from 'typebox';
import type { Database } from '../db/open.js';
import { scopePrefix } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { spoolBody } from '../http/body.js';
import { badRequest, notFound } from '../http/problem.js';
import { CRS_HELP, parseCensusCrs } from '../geo/file-crs.js';
import { rejection } from '../components/import-routes.js';
import { Jobs } from '../components/jobs.js';
import { openCensusFile } from '../components/readers.js';
import { importQuery } from '../components/schema.js';
import { CRS_NAMES, toWgs84 } from '../geo/crs.js';
import { importAddresses, type AddressSummary } from './import.js';
import { geocode, LEVELS } from './geocode.js';
import { reverseGeocode } from './reverse.js';
import { Defaulted } from '../http/types.js';

export function addressRoutes(api: Api, database: Database, fileLimitBytes: number): void {
  const jobs = new Jobs();
  api.route(
    {
      method: 'post',
      path: '/api/addresses/import',
      tag: 'addresses',
      permission: 'importBaseData',
      summary: 'Import roads, doorplates and landmarks (CSV, XLSX, GeoJSON, zipped Shapefile): all or nothing',
      description:
        'The body is the file itself. Columns or properties: kind (road | doorplate | landmark), name, road, number, building, alias (several separated by ;), category, and lon/lat or X/Y where there is no geometry.',
      query: importQuery,
      rawBody: true,
      errors: {
        202: 'the import runs as a job (async=true)',
        403: 'a row lies outside your region scope',
        413: 'the file exceeds FILE_LIMIT_MB',
        422: 'the file has problems; nothing was stored',
      },
    },
    async (ctx, { query: q, user }) => {
      const crs = q.crs === undefined ? undefined : parseCensusCrs(q.crs);
      if (q.crs !== undefined && !crs) throw badRequest(`crs "${q.crs}" is not one of ${CRS_HELP}`);
      const body = await spoolBody(ctx, fileLimitBytes);
      const scope = scopePrefix(user);
      const run = async (onProgress?: (p: unknown) => void): Promise<AddressSummary> => {
        try {
          const file = await openCensusFile(
            { path: body.path },
            { name: q.name, format: q.format, encoding: q.encoding },
          );
          return await importAddresses(database, file, {
            actor: user,
            crs,
            scope: scope || undefined,
            fileName: q.name,
            onProgress,
          });
        } finally {
          await body.remove();
        }
      };
      if (!q.async) {
        try {
          ctx.body = await run();
        } catch (e) {
          throw rejection(e, scope) ?? e;
        }
        return;
      }
      const job = jobs.start('addresses', run, (e) => {
        const p = rejection(e, scope);
        return p
          ? { state: 'rejected', problem: { status: p.status, title: p.title, detail: p.detail, ...p.extra } }
          : { state: 'failed', problem: { status: 500, detail: 'the import failed; nothing was stored' } };
      });
      ctx.status = 202;
      ctx.set('Location', `/api/addresses/import/${job.id}`);
      ctx.body = job;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/geocode',
      tag: 'addresses',
      summary: 'Forward geocoding: an address, landmark or region in free text → candidate places, best first',
      description: `Understands the standard address (区 + 街道 + 社区 + 路 + 号 + 栋) with any prefix left out, full-width digits and Chinese numerals (十二号), 号/号院/号楼/栋/单元, road and landmark aliases and former names, and a one-character typo. level is one of ${LEVELS.join(', ')}; interpolated is a number missing from the gazetteer placed between the nearest known doorplates of the same parity on that road. score = 0.55·name + 0.25·number + 0.05·building + 0.15·regions (0–1), reasons explain it.`,
      query: Type.Object(
        {
          q: Type.String({ minLength: 1, maxLength: 200, description: 'the text to find' }),
          limit: Defaulted(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
        },
        { additionalProperties: false },
      ),
    },
    async (ctx, { query: q }) => {
      ctx.body = await geocode(database.db, q.q, q.limit);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/geocode/reverse',
      tag: 'addresses',
      summary: 'What is here: the standard address sentence, the nearest doorplate, landmark and road, and the regions',
      description:
        'address is e.g. 翠湖街道长青社区长青路12号东侧约15米: the nearest doorplate within 100 m, else landmark within 300 m, else road within 200 m, with the direction and distance.',
      query: Type.Object(
        {
          lon: Type.Number({ minimum: -180, maximum: 180 }),
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          crs: Type.Optional(Type.Enum(CRS_NAMES, { type: 'string', description: 'default wgs84' })),
        },
        { additionalProperties: false },
      ),
    },
    async (ctx, { query: q }) => {
      const { lon, lat } = toWgs84(q.lon, q.lat, q.crs ?? 'wgs84');
      ctx.body = await reverseGeocode(database.db, lon, lat);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/addresses/import/:id',
      tag: 'addresses',
      permission: 'importBaseData',
      summary: 'An address import job: state, progress, and the summary or the problems',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      errors: { 404: 'no such job in this process' },
    },
    (ctx, { params }) => {
      const job = jobs.get(params.id, 'addresses');
      if (!job)
        throw notFound(`no import job ${params.id} (jobs are kept by the process that took the upload, for an hour)`);
      ctx.body = job;
    },
  );
}
