/**
 * POST /api/components/import: a census file as the request body (CSV, XLSX, GeoJSON or zipped Shapefile), imported
 * all or nothing — waiting for the result, or with `?async=true` as a job polled at GET /api/components/import/{id}.
 */
import type { Database } from '../db/open.js';
import { scopePrefix } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { spoolBody } from '../http/body.js';
import { HttpError, badRequest, forbidden, notFound } from '../http/problem.js';
import { CRS_HELP, parseCensusCrs } from '../geo/file-crs.js';
import { CensusRejected, importCensus, type CensusProgress, type CensusSummary } from './import.js';
import { Jobs } from './jobs.js';
import { FileProblem, openCensusFile } from './readers.js';
import Type from 'typebox';
import * as S from './schema.js';

/** The HTTP problem of a refused import: 422 listing the problems, 403 for the region scope. */
export function rejection(e: unknown, scope: string): HttpError | undefined {
  if (e instanceof FileProblem)
    return new HttpError(422, 'import-rejected', 'Import rejected', `the file cannot be imported: ${e.message}`, {
      errors: [{ message: e.message }],
    });
  if (!(e instanceof CensusRejected)) return undefined;
  const first = e.issues[0]?.text ?? '';
  if (e.kind === 'scope')
    return forbidden(
      `${e.total} row${e.total === 1 ? ' is' : 's are'} outside your region scope ${scope}; first: ${first}`,
    );
  return new HttpError(
    422,
    'import-rejected',
    'Import rejected',
    `${e.total} problem${e.total === 1 ? '' : 's'} found, nothing was imported; first: ${first}`,
    { errors: e.issues, errors_total: e.total },
  );
}

export function componentImportRoutes(api: Api, database: Database, fileLimitBytes: number): void {
  const jobs = new Jobs();
  api.route(
    {
      method: 'post',
      path: '/api/components/import',
      tag: 'components',
      permission: 'importBaseData',
      summary:
        'Import a component census file (CSV, XLSX, GeoJSON, zipped Shapefile): validation first, all or nothing',
      description:
        'The body is the file itself (any Content-Type). Columns: the GB/T 47678.5 表2 abbreviations, their Chinese names or the old field names; coordinates lon/lat, X/Y or PointX/PointY in crs. With async=true the answer is 202 with a job to poll at /api/components/import/{id}.',
      query: S.importQuery,
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
      const run = async (onProgress?: (p: CensusProgress) => void): Promise<CensusSummary> => {
        try {
          const file = await openCensusFile(
            { path: body.path },
            { name: q.name, format: q.format, encoding: q.encoding },
          );
          return await importCensus(database, file, {
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
      const problemOf = (e: unknown) => rejection(e, scope);
      if (!q.async) {
        try {
          ctx.body = await run();
        } catch (e) {
          throw problemOf(e) ?? e;
        }
        return;
      }
      const job = jobs.start('components', run, (e) => {
        const p = problemOf(e);
        return p
          ? { state: 'rejected', problem: { status: p.status, title: p.title, detail: p.detail, ...p.extra } }
          : { state: 'failed', problem: { status: 500, detail: 'the import failed; nothing was stored' } };
      });
      ctx.status = 202;
      ctx.set('Location', `/api/components/import/${job.id}`);
      ctx.body = job;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/components/import/:id',
      tag: 'components',
      permission: 'importBaseData',
      summary: 'An import job: state (running, done, rejected, failed), progress, and the summary or the problems',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      errors: { 404: 'no such job in this process' },
    },
    (ctx, { params }) => {
      const job = jobs.get(params.id, 'components');
      if (!job)
        throw notFound(`no import job ${params.id} (jobs are kept by the process that took the upload, for an hour)`);
      ctx.body = job;
    },
  );
}
