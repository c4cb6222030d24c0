/**
 * The OpenAPI 3.0 service description of the OGC API – Features service (the landing page's `service-desc`), built
 * from the collection registry. Paths are relative to the server URL …/ogc, as OGC clients expect: QGIS reads the
 * `limit` parameter's default and maximum from `components.parameters.limit`, and takes the other query parameters
 * of `/collections/{id}/items` (style form, explode false, a simple type) as properties it may filter on.
 */
import type { OgcCollection, PropertyType } from './collections.js';
import { COMMON_PARAMS, CRS_LIST, DEFAULT_LIMIT, MAX_LIMIT, STORAGE_CRS } from './params.js';

export const OPENAPI_TYPE = 'application/vnd.oai.openapi+json;version=3.0';

const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: object, type = 'application/json') => ({ content: { [type]: { schema } } });
const problem = (description: string) => ({
  description,
  ...json({ $ref: '#/components/schemas/problem' }, 'application/problem+json'),
});

function propertySchema(t: PropertyType): object {
  switch (t) {
    case 'date':
      return { type: 'string', format: 'date', nullable: true };
    case 'date-time':
      return { type: 'string', format: 'date-time', nullable: true };
    case 'string[]':
      return { type: 'array', items: { type: 'string' } };
    case 'integer[]':
      return { type: 'array', items: { type: 'integer' } };
    default:
      return { type: t, nullable: true };
  }
}

const QUERY_PARAMS: Record<(typeof COMMON_PARAMS)[number], object> = {
  f: {
    name: 'f',
    in: 'query',
    description: 'output format: json (the default; GeoJSON for features)',
    required: false,
    style: 'form',
    explode: true,
    schema: { type: 'string', enum: ['json', 'geojson'] },
  },
  limit: {
    name: 'limit',
    in: 'query',
    description: `features per page, 1–${MAX_LIMIT} (default ${DEFAULT_LIMIT}); more is a 400, follow the \`next\` link`,
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
  },
  bbox: {
    name: 'bbox',
    in: 'query',
    description:
      'features whose geometry intersects the box: 4 numbers in the axis order of bbox-crs (CRS84: ' +
      'minLon,minLat,maxLon,maxLat; EPSG:4490/4326: minLat,minLon,maxLat,maxLon), or 6 with heights (ignored)',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
  },
  'bbox-crs': {
    name: 'bbox-crs',
    in: 'query',
    description: 'CRS of bbox (default CRS84)',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'string', format: 'uri', enum: [...CRS_LIST], default: STORAGE_CRS },
  },
  crs: {
    name: 'crs',
    in: 'query',
    description:
      'CRS of the output coordinates (default CRS84, lon/lat); EPSG:4490 (CGCS2000) and EPSG:4326 put latitude first',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'string', format: 'uri', enum: [...CRS_LIST], default: STORAGE_CRS },
  },
  datetime: {
    name: 'datetime',
    in: 'query',
    description:
      'an instant or an interval start/end (".." for an open end): a date YYYY-MM-DD (a whole day in China time) or ' +
      'an RFC 3339 date-time; which time it tests is said per collection',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'string' },
  },
  after: {
    name: 'after',
    in: 'query',
    description: 'paging: the page after this feature id (the `next` link sets it)',
    required: false,
    style: 'form',
    explode: true,
    schema: { type: 'string' },
  },
  before: {
    name: 'before',
    in: 'query',
    description: 'paging: the page before this feature id (the `prev` link sets it)',
    required: false,
    style: 'form',
    explode: true,
    schema: { type: 'string' },
  },
};

function itemsPath(c: OgcCollection): object {
  const params = COMMON_PARAMS.filter((p) => p !== 'datetime' || c.temporal).map((p) => ref(p));
  const filters = Object.entries(c.filters).map(([name, f]) => ({
    name,
    in: 'query',
    description: `only features whose ${name} is ${f.description}`,
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'string', pattern: f.pattern },
  }));
  const properties = Object.fromEntries(
    Object.entries(c.properties).map(([name, p]) => [name, { ...propertySchema(p.type), description: p.description }]),
  );
  return {
    get: {
      tags: ['data'],
      summary: `${c.title}: a page of features`,
      description:
        c.description +
        (c.temporal ? `. datetime tests ${c.temporal.description}.` : '. No time: datetime is a 400.') +
        ` Pages of ${DEFAULT_LIMIT} features by default, at most ${MAX_LIMIT}; the \`next\` link gives the following page.`,
      operationId: `getItems_${c.id.replace(/-/g, '_')}`,
      parameters: [...params, ...filters],
      responses: {
        200: {
          description: 'a GeoJSON FeatureCollection with numberMatched, numberReturned, timeStamp and links',
          headers: { 'Content-Crs': { schema: { type: 'string' }, description: 'the output CRS, <uri>' } },
          ...json(
            {
              type: 'object',
              properties: {
                type: { type: 'string', enum: ['FeatureCollection'] },
                features: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      type: { type: 'string' },
                      id: { type: 'string' },
                      geometry: { type: 'object', nullable: true },
                      properties: { type: 'object', properties },
                    },
                  },
                },
                numberMatched: { type: 'integer' },
                numberReturned: { type: 'integer' },
                timeStamp: { type: 'string', format: 'date-time' },
                links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
              },
            },
            'application/geo+json',
          ),
        },
        400: problem('a bad or unknown query parameter (the detail says which)'),
        404: problem('no such collection'),
      },
    },
  };
}

function itemPath(c: OgcCollection): object {
  return {
    get: {
      tags: ['data'],
      summary: `${c.title}: one feature`,
      operationId: `getItem_${c.id.replace(/-/g, '_')}`,
      parameters: [ref('featureId'), ref('crs'), ref('f')],
      responses: {
        200: {
          description: 'a GeoJSON Feature with links self and collection',
          ...json({ type: 'object' }, 'application/geo+json'),
        },
        400: problem('a bad query parameter'),
        404: problem('no such feature'),
      },
    },
  };
}

/** The OpenAPI 3.0 document; `base` is the absolute URL of the service (…/ogc). */
export function ogcOpenApi(collections: readonly OgcCollection[], base: string, version: string): object {
  const simple = (summary: string, operationId: string, description: string) => ({
    get: {
      tags: ['capabilities'],
      summary,
      operationId,
      parameters: [ref('f')],
      responses: { 200: { description, ...json({ type: 'object' }) }, 400: problem('an unknown query parameter') },
    },
  });
  const paths: Record<string, object> = {
    '/': simple('Landing page', 'getLandingPage', 'links to the API description, conformance and the collections'),
    '/conformance': simple('Conformance classes', 'getConformance', 'the conformance classes this server implements'),
    '/collections': simple('Feature collections', 'getCollections', 'every collection with its extent and CRSs'),
    '/collections/{collectionId}': {
      get: {
        tags: ['capabilities'],
        summary: 'One feature collection',
        operationId: 'getCollection',
        parameters: [ref('collectionId'), ref('f')],
        responses: {
          200: { description: 'the collection with its extent, CRSs and links', ...json({ type: 'object' }) },
          404: problem('no such collection'),
        },
      },
    },
  };
  for (const c of collections) {
    paths[`/collections/${c.id}/items`] = itemsPath(c);
    paths[`/collections/${c.id}/items/{featureId}`] = itemPath(c);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'wangge OGC API – Features',
      version,
      description:
        'Read-only OGC API – Features (Part 1 Core, GeoJSON, OpenAPI 3.0; Part 2 CRS by reference) of the unit ' +
        'grids, regions, responsibility layers, components and open cases. CGCS2000 (EPSG:4490) and WGS84 ' +
        'coordinates are the same numbers here.',
      contact: { name: 'wangge' },
      license: { name: 'Apache-2.0' },
    },
    servers: [{ url: base }],
    tags: [{ name: 'capabilities' }, { name: 'data' }],
    paths,
    components: {
      parameters: {
        ...QUERY_PARAMS,
        collectionId: {
          name: 'collectionId',
          in: 'path',
          required: true,
          schema: { type: 'string', enum: collections.map((c) => c.id) },
        },
        featureId: { name: 'featureId', in: 'path', required: true, schema: { type: 'string' } },
      },
      schemas: {
        link: {
          type: 'object',
          required: ['href', 'rel'],
          properties: {
            href: { type: 'string' },
            rel: { type: 'string' },
            type: { type: 'string' },
            title: { type: 'string' },
          },
        },
        problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
          },
        },
      },
    },
  };
}
