/**
 * HTTP routes of the OGC API – Features service under /ogc (Part 1 Core + GeoJSON + OAS30, Part 2 CRS by
 * reference): landing page, conformance, the OpenAPI 3.0 service description, collections and their items.
 *
 * Reads are public like the map's other GET routes (PUBLIC_READ=false makes them need a token): every collection is
 * non-personal — cases carry no reporter, description, address, photos or staff names (see collections.ts).
 */
import type Koa from 'koa';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { badRequest, notFound } from '../http/problem.js';
import { collectionIds, findCollection, OGC_COLLECTIONS, type OgcCollection } from './collections.js';
import { OPENAPI_TYPE, ogcOpenApi } from './openapi.js';
import {
  checkKnownParams,
  CRS84,
  CRS_LIST,
  datetimeCondition,
  DEFAULT_LIMIT,
  filterConditions,
  keyCompare,
  latFirst,
  MAX_LIMIT,
  parseBbox,
  parseCursor,
  STORAGE_CRS,
} from './params.js';
import { collectionFacts, itemsPage, keyEquals, oneFeature, type CollectionFacts } from './queries.js';
import * as S from './schema.js';

const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
];

const TRS = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian';

interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

/** The service's absolute base URL (…/ogc), from the request (X-Forwarded-* only with TRUST_PROXY). */
const baseOf = (ctx: Koa.Context) => `${ctx.protocol}://${ctx.host}/ogc`;

function send(ctx: Koa.Context, type: string, body: unknown) {
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.type = type;
  ctx.body = body;
}

function collectionDoc(c: OgcCollection, base: string, facts: CollectionFacts | undefined) {
  const url = `${base}/collections/${c.id}`;
  const extent: Record<string, unknown> = {};
  if (facts?.bbox) extent.spatial = { bbox: [facts.bbox], crs: CRS84 };
  if (c.temporal && facts?.interval) extent.temporal = { interval: [facts.interval], trs: TRS };
  return {
    id: c.id,
    title: c.title,
    description:
      `${c.description}. Pages of ${DEFAULT_LIMIT} features by default, at most ${MAX_LIMIT} (limit). ` +
      (c.temporal ? `datetime tests ${c.temporal.description}. ` : 'No time (datetime is a 400). ') +
      (Object.keys(c.filters).length ? `Filters: ${Object.keys(c.filters).join(', ')}.` : ''),
    links: [
      { href: url, rel: 'self', type: JSON_TYPE, title: 'this collection' },
      { href: `${url}/items`, rel: 'items', type: GEOJSON, title: 'its features' },
    ] satisfies Link[],
    ...(Object.keys(extent).length ? { extent } : {}),
    itemType: 'feature',
    crs: [...CRS_LIST],
    storageCrs: STORAGE_CRS,
  };
}

/** The collection of a path, or 404; components only once there are any. */
async function collectionOr404(db: Kysely<DB>, id: string): Promise<OgcCollection> {
  const c = findCollection(id);
  if (!c) throw notFound(`no collection "${id.slice(0, 60)}"; the collections are ${collectionIds().join(', ')}`);
  if (c.available) {
    const r = await sql<{ ok: boolean }>`select ${c.available} as ok`.execute(db);
    if (!r.rows[0].ok) throw notFound(`collection ${c.id} has no features yet`);
  }
  return c;
}

/** The URL of this request with some query parameters replaced (undefined removes one). */
function withParams(ctx: Koa.Context, base: string, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams(ctx.querystring);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return `${base}${ctx.path.slice('/ogc'.length)}${s ? `?${s}` : ''}`;
}

export function ogcRoutes(api: Api, db: Kysely<DB>, version: string): void {
  const tag = 'ogc';

  api.route(
    {
      method: 'get',
      path: '/ogc',
      tag,
      summary: 'OGC API – Features landing page (QGIS: Add WFS / OGC API – Features Layer with this URL)',
      description: 'Links: self, service-desc (OpenAPI 3.0 at /ogc/api), conformance, data (/ogc/collections).',
      query: S.plainQuery,
    },
    (ctx) => {
      const base = baseOf(ctx);
      send(ctx, JSON_TYPE, {
        title: 'wangge OGC API – Features',
        description:
          'Unit grids, regions, responsibility layers, components and open cases of the digital urban management ' +
          'platform (数字化城市管理), read-only. CRS84 by default; CGCS2000 (EPSG:4490) on request.',
        links: [
          { href: base, rel: 'self', type: JSON_TYPE, title: 'this document' },
          { href: `${base}/api`, rel: 'service-desc', type: OPENAPI_TYPE, title: 'the API definition (OpenAPI 3.0)' },
          { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'conformance classes' },
          {
            href: `${base}/conformance`,
            rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance',
            type: JSON_TYPE,
            title: 'conformance classes',
          },
          { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'the feature collections' },
          {
            href: `${base}/collections`,
            rel: 'http://www.opengis.net/def/rel/ogc/1.0/data',
            type: JSON_TYPE,
            title: 'the feature collections',
          },
        ] satisfies Link[],
      });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/ogc/conformance',
      tag,
      summary: 'OGC API – Features conformance classes (core, geojson, oas30, crs)',
      query: S.plainQuery,
    },
    (ctx) => send(ctx, JSON_TYPE, { conformsTo: CONFORMANCE }),
  );

  api.route(
    {
      method: 'get',
      path: '/ogc/api',
      tag,
      summary: 'OpenAPI 3.0 description of the OGC API (the landing page service-desc)',
      query: S.plainQuery,
      produces: OPENAPI_TYPE,
    },
    (ctx) => send(ctx, OPENAPI_TYPE, ogcOpenApi(OGC_COLLECTIONS, baseOf(ctx), version)),
  );

  api.route(
    {
      method: 'get',
      path: '/ogc/collections',
      tag,
      summary: 'OGC feature collections with their extents and CRSs',
      description: `Collections: ${collectionIds().join(', ')} (components once the census has any).`,
      query: S.plainQuery,
    },
    async (ctx) => {
      const base = baseOf(ctx);
      const facts = await collectionFacts(db, OGC_COLLECTIONS);
      send(ctx, JSON_TYPE, {
        links: [{ href: `${base}/collections`, rel: 'self', type: JSON_TYPE, title: 'this document' }],
        crs: [...CRS_LIST],
        collections: OGC_COLLECTIONS.filter((c) => facts.get(c.id)?.available).map((c) =>
          collectionDoc(c, base, facts.get(c.id)),
        ),
      });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/ogc/collections/:collectionId',
      tag,
      summary: 'One OGC feature collection',
      params: S.collectionParams,
      query: S.plainQuery,
      errors: { 404: 'no such collection (the detail lists them)' },
    },
    async (ctx, { params }) => {
      const c = await collectionOr404(db, params.collectionId);
      const facts = await collectionFacts(db, [c]);
      send(ctx, JSON_TYPE, collectionDoc(c, baseOf(ctx), facts.get(c.id)));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/ogc/collections/:collectionId/items',
      tag,
      summary: 'A page of features of a collection (GeoJSON, numberMatched, next/prev links)',
      description:
        `limit (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}), bbox + bbox-crs, datetime, crs (Content-Crs says which), ` +
        "the collection's property filters (see /ogc/api); unknown parameters are a 400. Keyset paging: `next` " +
        'carries after=<last feature id>, `prev` before=<first feature id>.',
      params: S.collectionParams,
      query: S.itemsQuery,
      produces: GEOJSON,
      errors: { 404: 'no such collection' },
    },
    async (ctx, { params, query }) => {
      const c = await collectionOr404(db, params.collectionId);
      checkKnownParams(c, query);
      if (query.after !== undefined && query.before !== undefined) throw badRequest('give after or before, not both');
      const crs = query.crs ?? STORAGE_CRS;
      const conditions = filterConditions(c, query);
      if (query.bbox !== undefined) {
        const [a, b, cc, d] = parseBbox(query.bbox, query['bbox-crs'] ?? STORAGE_CRS);
        const env = sql`ST_MakeEnvelope(${a}, ${b}, ${cc}, ${d}, 4326)`;
        conditions.push(
          c.intersects ? c.intersects(env) : sql<boolean>`(${c.geom} && ${env} and ST_Intersects(${c.geom}, ${env}))`,
        );
      } else if (query['bbox-crs'] !== undefined) {
        throw badRequest('bbox-crs is given without bbox');
      }
      if (query.datetime !== undefined) conditions.push(datetimeCondition(c, query.datetime));
      else if (c.temporal?.kind === 'validity' && c.temporal.current) conditions.push(c.temporal.current);
      const page = await itemsPage(db, c, {
        conditions,
        limit: query.limit,
        after: query.after !== undefined ? parseCursor(c.key, 'after', query.after) : undefined,
        before: query.before !== undefined ? parseCursor(c.key, 'before', query.before) : undefined,
        latFirst: latFirst(crs),
        compare: (values, op) => keyCompare(c.key, values, op),
      });
      const base = baseOf(ctx);
      const links: Link[] = [
        { href: withParams(ctx, base, {}), rel: 'self', type: GEOJSON, title: 'this page' },
        { href: `${base}/collections/${c.id}`, rel: 'collection', type: JSON_TYPE, title: c.title },
      ];
      if (page.hasNext && page.lastId)
        links.push({
          href: withParams(ctx, base, { after: page.lastId, before: undefined }),
          rel: 'next',
          type: GEOJSON,
          title: 'next page',
        });
      if (page.hasPrev && page.firstId)
        links.push({
          href: withParams(ctx, base, { before: page.firstId, after: undefined }),
          rel: 'prev',
          type: GEOJSON,
          title: 'previous page',
        });
      ctx.set('Content-Crs', `<${crs}>`);
      // The features stay the text PostgreSQL built: the envelope is written around them.
      send(
        ctx,
        GEOJSON,
        `{"type":"FeatureCollection","timeStamp":${JSON.stringify(new Date().toISOString())},` +
          `"numberMatched":${page.numberMatched},"numberReturned":${page.numberReturned},` +
          `"links":${JSON.stringify(links)},"features":${page.features}}`,
      );
    },
  );

  api.route(
    {
      method: 'get',
      path: '/ogc/collections/:collectionId/items/:featureId',
      tag,
      summary: 'One feature of a collection (any version: terminated grids too)',
      description:
        'Regions and grids: {code}-v{version} names one version; a bare code names the live row. Others: the id or code.',
      params: S.itemParams,
      query: S.itemQuery,
      produces: GEOJSON,
      errors: { 404: 'no such collection or feature' },
    },
    async (ctx, { params, query }) => {
      const c = await collectionOr404(db, params.collectionId);
      const crs = query.crs ?? STORAGE_CRS;
      const key = c.key.parse(params.featureId);
      const match = key ? keyEquals(c, key) : c.key.alias?.(params.featureId);
      const found = match ? await oneFeature(db, c, match, latFirst(crs)) : undefined;
      if (!found) throw notFound(`collection ${c.id} has no feature "${params.featureId.slice(0, 60)}"`);
      const base = baseOf(ctx);
      const links: Link[] = [
        { href: `${base}/collections/${c.id}/items/${encodeURIComponent(found.fid)}`, rel: 'self', type: GEOJSON },
        { href: `${base}/collections/${c.id}`, rel: 'collection', type: JSON_TYPE, title: c.title },
      ];
      ctx.set('Content-Crs', `<${crs}>`);
      send(ctx, GEOJSON, `${found.f.slice(0, -1)},"links":${JSON.stringify(links)}}`);
    },
  );

  // Anything else under /ogc/ gets a problem, not the web map's 404.
  api.router.get('/ogc/{*rest}', () => {
    throw notFound('no OGC API route here; start at /ogc (landing page) or /ogc/collections');
  });
}
