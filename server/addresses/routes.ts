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
import { CRS_HELP, parseCensusCrs } from '../components/census-crs.js';
import { rejection } from '../components/import-routes.js';
import { Jobs } from '../components/jobs.js';
import { openCensusFile } from '../components/readers.js';
import { importQuery } from '../components/schema.js';
import { importAddresses, type AddressSummary } from './import.js';

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
