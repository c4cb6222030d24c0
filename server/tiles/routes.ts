/** HTTP routes of the tiles capability: Mapbox vector tiles and TileJSON for every registry layer. */
import type Koa from 'koa';
import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { Api } from '../http/api.js';
import { badRequest, notFound } from '../http/problem.js';
import { chooseEncoder } from './encode.js';
import { findLayer, layerIds, TILE_LAYERS, type TileLayer } from './layers.js';
import * as S from './schema.js';
import { TileService } from './service.js';
import { MAX_ZOOM, tileProblem } from './tilemath.js';

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';
/** Tiles whose ?v= is the layer's current version never change (an edit bumps the version, hence the URL). */
const CACHE_VERSIONED = 'public, max-age=86400, immutable';
const CACHE_DEFAULT = 'public, max-age=60';

function layerOr404(id: string): TileLayer {
  const layer = findLayer(id);
  if (!layer) throw notFound(`unknown tile layer "${id}"; the layers are: ${layerIds().join(', ')}`);
  return layer;
}

/** If-None-Match (weak comparison, RFC 9110 §13.1.2) against the representation's ETag. */
export function etagMatches(header: string, etag: string): boolean {
  if (!header || !etag) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

/**
 * @param encoderOverride TILE_ENCODER: "geojson-vt" forces the JavaScript encoder on PostgreSQL (default: by driver)
 */
export function tileRoutes(
  api: Api,
  database: Database,
  config: Config,
  encoderOverride: string | undefined = config.tileEncoder,
): TileService {
  const service = new TileService(database, {
    cacheBytes: config.tileCacheBytes,
    encoder: chooseEncoder(database.driver, encoderOverride),
  });

  const cors = (ctx: Koa.Context) => ctx.set('Access-Control-Allow-Origin', '*');

  api.route(
    {
      method: 'get',
      path: '/tiles/:layer.json',
      tag: 'tiles',
      summary: 'TileJSON 3.0.0 of a vector-tile layer',
      description:
        "The `tiles` URL is absolute (built from the request's host) and carries `?v=<layer version>`: " +
        'every import or edit of the layer bumps the version, so clients that reload the TileJSON fetch new tiles at once. ' +
        '`bounds` is the extent of the data.',
      params: S.layerParams,
      response: S.tileJsonResponse,
      errors: { 404: 'unknown layer (the detail lists the layers)' },
    },
    async (ctx, { params }) => {
      const layer = layerOr404(params.layer);
      // ctx.protocol / ctx.host follow X-Forwarded-Proto / -Host only with TRUST_PROXY (app.proxy). (Koa 3's ctx.origin is the Origin header.)
      const doc = await service.tileJson(layer, `${ctx.protocol}://${ctx.host}`);
      cors(ctx);
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = doc;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/tiles/:layer/:z/:x/:y.mvt',
      tag: 'tiles',
      summary: 'A Mapbox vector tile (MVT) of a layer',
      description: [
        'The tile holds one MVT layer named like the registry layer, with these properties:',
        TILE_LAYERS.map((l) => `${l.id}: ${Object.keys(l.properties).join(', ')}`).join('; ') + '.',
        "Answers **204 No Content** for a tile without features, including every tile below the layer's minzoom",
        `(${TILE_LAYERS.map((l) => `${l.id} ${l.minzoom}`).join(', ')}: at lower zooms the map shows a coarser layer).`,
        `Tiles are built up to z${MAX_ZOOM}; TileJSON advertises each layer's maxzoom, beyond which clients overzoom.`,
        'Strong `ETag` per representation (identity and gzip), `304` on `If-None-Match`, gzip when `Accept-Encoding` allows it.',
        '`Cache-Control: public, max-age=60`, or a day (immutable) when `?v=` is the current layer version.',
      ].join(' '),
      params: S.tileParams,
      query: S.tileQuery,
      produces: MVT_TYPE,
      errors: { 404: 'unknown layer (the detail lists the layers)' },
    },
    async (ctx, { params, query }) => {
      const { z, x, y } = params;
      const layer = layerOr404(params.layer);
      const problem = tileProblem(z, x, y);
      if (problem) throw badRequest(problem);
      const want = query.v;
      const version = await service.version(layer, want);
      const tile = await service.tile(layer, z, x, y, version);

      cors(ctx);
      ctx.set('Cache-Control', want === version ? CACHE_VERSIONED : CACHE_DEFAULT);
      ctx.set('Vary', 'Accept-Encoding');
      if (tile.data.length === 0) {
        ctx.status = 204;
        return;
      }
      const gzip = ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
      const rep = gzip ? await service.gzipped(tile) : { data: tile.data, etag: tile.etag };
      ctx.set('ETag', rep.etag);
      if (etagMatches(ctx.get('If-None-Match'), rep.etag)) {
        ctx.status = 304;
        return;
      }
      ctx.body = rep.data;
      ctx.type = MVT_TYPE;
      if (gzip) ctx.set('Content-Encoding', 'gzip');
    },
  );

  // Anything else under /tiles/ (a typo'd extension, a missing segment) gets a problem, not the web map's 404.
  api.router.get('/tiles/{*rest}', () => {
    throw notFound(
      `no tile route here; use /tiles/{layer}/{z}/{x}/{y}.mvt or /tiles/{layer}.json with layer one of ${layerIds().join(', ')}`,
    );
  });

  return service;
}
