/**
 * Case exchange (数据交换): POST /api/exchange/cases imports an NDJSON history file all or nothing;
 * GET /api/exchange/cases exports the cases reported in a period in the same format, streamed.
 */
import { Readable } from 'node:stream';
import type Koa from 'koa';
import Type from 'typebox';
import type { Database } from '../db/open.js';
import { scopePrefix } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { HttpError, badRequest, forbidden } from '../http/problem.js';
import { exportLines } from './export.js';
import { ExchangeRejected, describeError, importCases } from './import.js';

const NDJSON = 'application/x-ndjson';
const tag = 'exchange';

const FORMAT_DOC =
  'One case per line: {"case_no", "channel", "category" (kind:code), "condition", "description", ' +
  '"location": {"lon", "lat", "crs"} or null, "address", "reported_at", "collector_code", "events": [{"action", "at", ' +
  '"actor"?, "department_code"? (dispatch, reassign), "note"?, "deadline"?}]}; times RFC 3339 with an offset ' +
  '(written in China Standard Time). See the README section "Case exchange (数据交换)".';

const day = (description: string) => Type.Optional(Type.String({ format: 'date', description }));
const EXPORT_QUERY = Type.Object(
  {
    from: day('first day (China Standard Time), inclusive: cases reported on or after it'),
    to: day('end day (China Standard Time), exclusive: cases reported before it'),
  },
  { additionalProperties: false },
);

/** The start of a China Standard Time day. */
const chinaMidnight = (d: string) => new Date(`${d}T00:00:00+08:00`);

/** The request body as chunks, at most `limit` bytes (413 beyond, declared or sent). */
async function* limitedBody(ctx: Koa.Context, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    yield chunk as Buffer;
  }
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'payload-too-large', 'Payload too large', `the request body exceeds the limit of ${limit} bytes`);

/** The HTTP problem of a refused import: 400 for an empty file, 403 for the region scope, 422 listing the lines. */
export function rejection(e: ExchangeRejected, scope: string): HttpError {
  const first = e.errors[0] ? describeError(e.errors[0]) : '';
  if (e.kind === 'empty') return badRequest('the body holds no cases: send one JSON object per line');
  if (e.kind === 'scope')
    return forbidden(
      `${e.total} case${e.total === 1 ? ' lies' : 's lie'} outside your region scope ${scope}; nothing was imported; first: ${first}`,
    );
  return new HttpError(
    422,
    'import-rejected',
    'Import rejected',
    `${e.total} problem${e.total === 1 ? '' : 's'} found, nothing was imported; first: ${first}`,
    { errors: e.errors, errors_total: e.total },
  );
}

export function exchangeRoutes(api: Api, database: Database, fileLimitBytes: number): void {
  api.route(
    {
      method: 'post',
      path: '/api/exchange/cases',
      tag,
      permission: 'exchangeCases',
      summary: 'Import case histories (NDJSON, one case per line): the whole file checked first, all or nothing',
      description: `${FORMAT_DOC} Send Content-Type ${NDJSON}. A case_no already stored with the same case is left alone (counted unchanged); with another body it is an error. The answer counts the cases: inserted, unchanged, unplaced (no location), outside_coverage.`,
      rawBody: true,
      errors: {
        400: 'the body holds no cases',
        403: 'a case lies outside your region scope',
        413: 'the body exceeds FILE_LIMIT_MB',
        415: `not ${NDJSON}`,
        422: 'problems, each naming its line; nothing was stored',
      },
    },
    async (ctx, { user }) => {
      if (ctx.request.type !== NDJSON)
        throw new HttpError(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          `send the cases as ${NDJSON}, one JSON object per line (got "${ctx.get('Content-Type') || 'no Content-Type'}")`,
        );
      const declared = Number(ctx.get('Content-Length') || NaN);
      if (declared > fileLimitBytes) throw tooLarge(fileLimitBytes);
      const scope = scopePrefix(user);
      try {
        ctx.body = await importCases(database, limitedBody(ctx, fileLimitBytes), { actor: user, scope });
      } catch (e) {
        if (e instanceof ExchangeRejected) throw rejection(e, scope);
        throw e;
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/exchange/cases',
      tag,
      permission: 'exchangeCases',
      summary: 'Export the cases reported in a period as NDJSON (the import format), streamed in case_no order',
      description: `${FORMAT_DOC} No reporter name or phone and no photos are written. A scoped admin gets the cases of the scope.`,
      query: EXPORT_QUERY,
      produces: NDJSON,
      errors: { 400: "'from' not before 'to'" },
    },
    async (ctx, { query, user }) => {
      const from = query.from ? chinaMidnight(query.from) : undefined;
      const to = query.to ? chinaMidnight(query.to) : undefined;
      if (from && to && from >= to) throw badRequest("query parameter 'from' must be a day before 'to'");
      ctx.type = `${NDJSON}; charset=utf-8`;
      ctx.set(
        'Content-Disposition',
        `attachment; filename="wangge-cases${query.from ? `-${query.from}` : ''}${query.to ? `-${query.to}` : ''}.ndjson"`,
      );
      ctx.body = Readable.from(exportLines(database.db, { from, to, scope: scopePrefix(user) }));
    },
  );
}
