/** The body of POST /api/import: a GeoJSON, zipped Shapefile or GeoPackage file, read whole up to the body limit. */
import type Koa from 'koa';
import { HttpError } from '../http/problem.js';

/** Media types accepted for an import file (the format itself is told by the first bytes, read.ts). */
export const IMPORT_MEDIA_TYPES = [
  'application/geo+json',
  'application/json',
  'application/zip',
  'application/x-zip-compressed',
  'application/geopackage+sqlite3',
  'application/x-sqlite3',
  'application/vnd.sqlite3',
  'application/octet-stream',
];

function accepted(type: string): boolean {
  return IMPORT_MEDIA_TYPES.includes(type) || type.endsWith('+json');
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'payload-too-large', 'Payload too large', `the request body exceeds the limit of ${limit} bytes`);

/** The request body's bytes: 415 for a media type that is no file of ours, 413 beyond the limit. */
export async function readImportBody(ctx: Koa.Context, limitBytes: number): Promise<Buffer> {
  if (!accepted(ctx.request.type)) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `send the file as application/geo+json (GeoJSON), application/zip (zipped Shapefile) or application/geopackage+sqlite3 (GeoPackage) (got "${ctx.get('Content-Type') || 'no Content-Type'}")`,
    );
  }
  const declared = Number(ctx.get('Content-Length') || NaN);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
