/**
 * Response compression (gzip) for the large answers: GeoJSON of a city's grids and hot spots, emerging-hot-spot series
 * (tens of MB at 100,000 grids), CSV and NDJSON exports, the web bundle's chunks — when the client accepts gzip and the
 * body is at least THRESHOLD bytes (or a stream, whose size is unknown).
 *
 * Not compressed: answers with an ETag (a strong validator names one representation; grids, cases and the like are
 * small and their ETags are what If-Match compares), and bodies already encoded (vector tiles make their own gzip
 * representation with its own ETag, server/tiles/service.ts), XLSX and ZIP (already deflated). gzip only (no brotli:
 * its cost per byte is higher and every client has gzip); level 1, as nginx: GeoJSON and z-scores are mostly digits, and
 * level 6 compresses them only ~10 % smaller at two to three times the CPU.
 */
import { pipeline, Readable, Writable } from 'node:stream';
import type Koa from 'koa';
import compress from 'koa-compress';

export const THRESHOLD = 16 * 1024;

/** Text-like types: JSON and its +json kinds (GeoJSON, problem+json), NDJSON, CSV and other text, JavaScript, SVG. */
const TEXTUAL = /^(text\/|application\/(json|[\w.+-]*\+json|x-ndjson|javascript|xml)\b|image\/svg\+xml)/;
const isCompressible = (type: string): boolean => TEXTUAL.test(type);

export function compressMiddleware(): Koa.Middleware {
  const gzip = compress({
    threshold: THRESHOLD,
    filter: isCompressible,
    gzip: { level: 1 },
    br: false,
    deflate: false,
  });
  return async (ctx, next) => {
    let source: unknown;
    await gzip(ctx, async () => {
      await next();
      if (ctx.response.get('ETag')) ctx.compress = false;
      source = ctx.body;
    });
    // koa-compress pipes a streamed body into gzip with pipe(), which neither ends gzip when the source fails (the
    // response would hang) nor stops the source when gzip is destroyed: link them with pipeline() instead, so a failing
    // export cuts the response as it does uncompressed.
    const out = ctx.body;
    if (source instanceof Readable && out instanceof Writable && (out as unknown) !== source) {
      source.unpipe(out);
      pipeline(source, out, () => {});
    }
  };
}
