/**
 * Photos (server/media): POST /api/media stores an uploaded image content-addressed — the same bytes are one media
 * row and one set of files however often they are sent — and GET /api/media/:id and /thumb serve its copy without
 * EXIF and its thumbnail to those who may read it (server/auth/policy.ts mediaRefusal).
 */
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import { mediaRefusal } from '../auth/policy.js';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { readBodyBytes } from '../http/body.js';
import { HttpError, badRequest, notFound } from '../http/problem.js';
import { MEDIA, MEDIA_ID } from './schema.js';
import { FsMediaStore, type MediaStore } from './store.js';
import { findMedia, presentMedia, publicType, uploadMedia } from './upload.js';

const tag = 'media';
const TYPES = 'JPEG, PNG, WebP or HEIC';

const unsupported = (detail: string) => new HttpError(415, 'unsupported-media-type', 'Unsupported media type', detail);

export function mediaRoutes(
  api: Api,
  db: Kysely<DB>,
  config: Config,
  store: MediaStore = new FsMediaStore(config.mediaDir),
): void {
  api.route(
    {
      method: 'post',
      path: '/api/media',
      tag,
      permission: 'uploadMedia',
      summary: `Upload a photo (${TYPES}) as the raw body; stored once per content`,
      description:
        `Send the image bytes with Content-Type image/* (or application/octet-stream); the type is decided by the ` +
        `bytes, not the header. EXIF time and GPS are read into taken_at, lon, lat; the served copy has no EXIF. ` +
        `The same bytes again answer the stored media (200) instead of storing a second copy (201), so retries are ` +
        `safe without an Idempotency-Key. HEIC originals are stored but get no thumbnail.`,
      rawBody: true,
      bodyLimitBytes: config.mediaLimitBytes,
      response: MEDIA,
      errors: {
        400: 'empty body',
        413: 'larger than MEDIA_LIMIT_MB',
        415: `not a ${TYPES} image by its bytes`,
      },
    },
    async (ctx, { user }) => {
      const header = ctx.request.type;
      if (header && !header.startsWith('image/') && header !== 'application/octet-stream') {
        throw unsupported(`send the image bytes as image/* (got "${ctx.get('Content-Type')}")`);
      }
      const bytes = await readBodyBytes(ctx, config.mediaLimitBytes);
      if (bytes.length === 0) throw badRequest('the request body is empty; send the image bytes');
      const { row, created } = await uploadMedia(db, store, bytes, user, TYPES);
      ctx.status = created ? 201 : 200;
      ctx.set('Location', `/api/media/${row.id}`);
      ctx.body = presentMedia(row);
    },
  );

  const serve = async (ctx: Koa.Context, id: number, user: Parameters<typeof mediaRefusal>[0], thumb: boolean) => {
    const found = await findMedia(db, id);
    const refusal = found ? mediaRefusal(user, found.row, found.caseRegion) : `no media ${id}`;
    if (!found || refusal) throw notFound(refusal ?? `no media ${id}`);
    const { row } = found;
    if (thumb && !row.has_thumb) throw notFound(`media ${id} (${row.content_type}) has no thumbnail`);
    const variant = thumb ? 'thumb' : row.has_thumb ? 'public' : 'original';
    const bytes = await store.get(row.sha256, variant);
    if (!bytes) throw new HttpError(503, 'media-missing', 'Media missing', `the stored file of media ${id} is missing`);
    ctx.set('Content-Type', thumb ? 'image/jpeg' : publicType(row));
    ctx.set('Cache-Control', 'private, max-age=86400, immutable');
    ctx.set('ETag', `"${row.sha256}${thumb ? '-t' : ''}"`);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = bytes;
  };

  api.route(
    {
      method: 'get',
      path: '/api/media/:id',
      tag,
      permission: 'readMedia',
      params: MEDIA_ID,
      produces: 'image/*',
      summary: 'A photo without EXIF (upright, re-encoded); a HEIC original as uploaded',
      errors: { 404: 'unknown media, or not yours to read' },
    },
    (ctx, { params, user }) => serve(ctx, params.id, user, false),
  );

  api.route(
    {
      method: 'get',
      path: '/api/media/:id/thumb',
      tag,
      permission: 'readMedia',
      params: MEDIA_ID,
      produces: 'image/jpeg',
      summary: `A photo's thumbnail: JPEG, at most 320 px on its longer side`,
      errors: { 404: 'unknown media, not yours to read, or no thumbnail (HEIC)' },
    },
    (ctx, { params, user }) => serve(ctx, params.id, user, true),
  );
}
