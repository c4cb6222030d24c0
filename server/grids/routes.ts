/** HTTP routes of the grids capability: regions, unit grids, point location. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { feature, parseBbox } from '../http/geo.js';
import { badRequest, notFound } from '../http/problem.js';
import { codeProblem, levelOfCode } from './codes.js';
import { locatePoint, round1 } from './locate.js';
import { getGrid, getRegion, listGrids, listRegions, type GridRow, type RegionRow } from './queries.js';
import { gridHistory } from './history.js';
import { etag } from '../db/write.js';
import * as S from './schema.js';

const GEOJSON = 'application/geo+json';

function gridFeature(g: GridRow) {
  return feature(g.code, g.geometry, {
    code: g.code,
    name: g.name,
    area_m2: round1(g.area_m2),
    initial_date: g.initial_date,
    termination_date: g.termination_date,
    version: g.version,
    community_code: g.community_code,
    community_name: g.community_name,
    street_code: g.street_code,
    street_name: g.street_name,
    district_code: g.district_code,
    district_name: g.district_name,
  });
}

function regionFeature(r: RegionRow, withGeometry = true) {
  return feature(r.code, withGeometry ? r.geometry : null, {
    code: r.code,
    name: r.name,
    level: r.level,
    parent_code: r.parent_code,
    area_m2: round1(r.area_m2),
    initial_date: r.initial_date,
    version: r.version,
  });
}

export function gridRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/regions',
      tag: 'grids',
      summary: 'List districts, streets or communities',
      query: S.regionsQuery,
      produces: GEOJSON,
    },
    async (ctx, { query: q }) => {
      const rows = await listRegions(db, q.level, q.parent, q.geometry);
      ctx.type = GEOJSON;
      ctx.body = {
        type: 'FeatureCollection',
        numberReturned: rows.length,
        features: rows.map((r) => regionFeature(r, q.geometry)),
      };
    },
  );

  /** GET one feature by its code: 400 for a code that is not one of the kind, 404 when there is none. */
  const oneByCode = (
    path: string,
    summary: string,
    missing: string,
    find: (code: string) => Promise<{ body: unknown; version: number }>,
  ) =>
    api.route(
      { method: 'get', path, tag: 'grids', summary, params: S.codeParams, produces: GEOJSON, errors: { 404: missing } },
      async (ctx, { params }) => {
        const { body, version } = await find(params.code);
        ctx.set('ETag', etag(version));
        ctx.type = GEOJSON;
        ctx.body = body;
      },
    );

  oneByCode(
    '/api/regions/:code',
    'One district, street or community',
    'no live region with this code',
    async (code) => {
      const problem = codeProblem(code);
      if (problem) throw badRequest(problem);
      if (levelOfCode(code) === 'grid')
        throw badRequest(`"${code}" is a 15-digit unit-grid code; use /api/grids/${code}`);
      const r = await getRegion(db, code);
      if (!r) throw notFound(`no ${levelOfCode(code)} with code ${code}`);
      return { body: regionFeature(r), version: r.version };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/grids',
      tag: 'grids',
      summary: 'Unit grids in a bbox and/or community, paged by code',
      query: S.gridsQuery,
      produces: GEOJSON,
    },
    async (ctx, { query: q }) => {
      const bbox = q.bbox ? parseBbox(q.bbox) : undefined;
      const rows = await listGrids(db, { bbox, community: q.community, after: q.cursor, limit: q.limit + 1, at: q.at });
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const next = more ? page[page.length - 1].code : null;
      const params = new URLSearchParams();
      if (q.bbox) params.set('bbox', q.bbox);
      if (q.community) params.set('community', q.community);
      if (q.at) params.set('at', q.at);
      params.set('limit', String(q.limit));
      if (next) params.set('cursor', next);
      ctx.type = GEOJSON;
      ctx.body = {
        type: 'FeatureCollection',
        numberReturned: page.length,
        next: next && `/api/grids?${params}`,
        cursor: next,
        features: page.map(gridFeature),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/grids/:code',
      tag: 'grids',
      summary: 'One unit grid with its area, community and street (ETag: its version, for If-Match on edits)',
      params: S.codeParams,
      produces: GEOJSON,
      errors: { 404: 'no live unit grid with this code' },
    },
    async (ctx, { params }) => {
      const problem = codeProblem(params.code, 'grid');
      if (problem) throw badRequest(problem);
      const g = await getGrid(db, params.code);
      if (!g) throw notFound(`no unit grid with code ${params.code}`);
      ctx.set('ETag', etag(g.version));
      ctx.type = GEOJSON;
      ctx.body = gridFeature(g);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/grids/:code/history',
      tag: 'grids',
      summary: 'Every version of a unit grid code, with the changes that started and ended them',
      description:
        'Versions oldest first (initial_date/termination_date, name, area, geometry); `started_by`/`ended_by` name the change (edit or draft, who, when, what); `predecessors` and `successors` are the codes whose area this code took over or that took over its area.',
      params: S.codeParams,
      errors: { 404: 'no unit grid ever had this code' },
    },
    async (ctx, { params }) => {
      const problem = codeProblem(params.code, 'grid');
      if (problem) throw badRequest(problem);
      const h = await gridHistory(db, params.code);
      if (!h) throw notFound(`no unit grid ever had code ${params.code}`);
      ctx.body = h;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/locate',
      tag: 'grids',
      summary: 'The district, street, community and unit grid containing a point',
      description:
        'A point on a shared edge or vertex belongs to the covering grid with the lowest code. A point outside every grid returns 200 with grid: null, reason "outside_coverage" and the nearest grid.',
      query: S.locateQuery,
    },
    async (ctx, { query }) => {
      ctx.body = await locatePoint(db, query.lon, query.lat);
    },
  );
}
