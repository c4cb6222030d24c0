/** RFC 9457 problem details: one error type for every 4xx/5xx the API sends. */
import type Koa from 'koa';
import type { Logger } from 'pino';
import { problemFromDatabaseError } from './dberrors.js';
import { isUnavailable } from '../db/faults.js';

/** Seconds a client should wait before retrying while the database is unreachable (Retry-After). */
export const RETRY_AFTER_S = 5;

export interface ProblemFieldError {
  /** Where the bad value was: "query.lat", "body.features[3].properties.code", "path.code". */
  location: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    public status: number,
    /** Short slug, becomes the problem `type` (/problems/<slug>). */
    public slug: string,
    public title: string,
    public detail: string,
    public extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new HttpError(400, 'bad-request', 'Bad request', detail, extra);
export const validationError = (detail: string, errors: ProblemFieldError[]) =>
  new HttpError(400, 'validation', 'Invalid input', detail, { errors });
export const notFound = (detail: string) => new HttpError(404, 'not-found', 'Not found', detail);
export const unauthorized = (detail: string) => new HttpError(401, 'unauthorized', 'Authentication required', detail);
export const forbidden = (detail: string) => new HttpError(403, 'forbidden', 'Forbidden', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new HttpError(409, 'conflict', 'Conflict', detail, extra);
export const unprocessable = (detail: string, extra?: Record<string, unknown>) =>
  new HttpError(422, 'unprocessable', 'Unprocessable content', detail, extra);

export function sendProblem(ctx: Koa.Context, err: HttpError): void {
  ctx.status = err.status;
  ctx.type = 'application/problem+json';
  ctx.body = {
    type: `/problems/${err.slug}`,
    title: err.title,
    status: err.status,
    detail: err.detail,
    instance: ctx.path,
    ...err.extra,
  };
  if (err.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="wangge"');
}

/** Outermost middleware: every thrown error becomes problem+json; unknown errors are logged, never leaked. */
export function problemMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/')) {
        throw notFound(`no API route ${ctx.method} ${ctx.path}; see /api/openapi.json`);
      }
    } catch (e) {
      if (e instanceof HttpError) return sendProblem(ctx, e);
      const status = (e as { status?: number; expose?: boolean }).status;
      if (status && status >= 400 && status < 500) {
        return sendProblem(ctx, new HttpError(status, 'http', 'Request error', (e as Error).message));
      }
      if (isUnavailable(e)) {
        log.warn({ path: ctx.path, method: ctx.method, err: (e as Error).message }, 'database unavailable');
        ctx.set('Retry-After', String(RETRY_AFTER_S));
        return sendProblem(
          ctx,
          new HttpError(
            503,
            'database-unavailable',
            'Service unavailable',
            `the database is not answering (${(e as Error).message}); retry in ${RETRY_AFTER_S} s`,
          ),
        );
      }
      const fromDb = problemFromDatabaseError(e);
      if (fromDb) return sendProblem(ctx, fromDb);
      log.error({ err: e, path: ctx.path, method: ctx.method }, 'unhandled error');
      sendProblem(
        ctx,
        new HttpError(
          500,
          'internal',
          'Internal server error',
          'the server failed to handle this request; the error was logged',
        ),
      );
    }
  };
}
