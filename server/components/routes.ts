/**
 * The component census API: a paged GeoJSON list with filters, one component with every 表2 attribute, its history,
 * and the versioned writes (POST, PATCH and DELETE with If-Match; an edit ends the old row into history).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Static } from 'typebox';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { requireGeometryInScope } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { feature, parseBbox } from '../http/geo.js';
import { conflict, notFound } from '../http/problem.js';
import { Problems } from '../responsibility/common.js';
import { versionedCrudRoutes } from '../responsibility/crud.js';
import { componentCatalog } from './catalog.js';
import { SerialAllocator, classMismatch, parseComponentCode } from './codes.js';
import {
  componentHistory,
  deriveComponentRegions,
  endRow,
  getComponent,
  highestSerials,
  listComponents,
  type ComponentRow,
} from './queries.js';
import * as S from './schema.js';

const tag = 'components';
const GEOJSON = 'application/geo+json';
type Location = NonNullable<S.ComponentInput['location']>;

const dept = (code: string | null, name: string) => (code === null && name === '' ? null : { code, name });

/** One component as the API shows it. */
export const present = (c: ComponentRow) => ({
  code: c.code,
  class: c.class,
  class_name: c.class_name,
  major: c.class.slice(0, 2),
  name: c.name,
  status: c.status,
  owner: dept(c.owner_code, c.owner_name),
  title: dept(c.title_code, c.title_name),
  maintainer: dept(c.maintainer_code, c.maintainer_name),
  grid_code: c.grid_code,
  community_code: c.community_code,
  community_name: c.community_name,
  street_code: c.street_code,
  street_name: c.street_name,
  district_code: c.district_code,
  given_grid_code: c.given_grid_code,
  initial_date: c.initial_date,
  change_date: c.change_date,
  data_source: c.data_source,
  note: c.note,
  accuracy: c.accuracy,
  photos: c.photos,
  extras: c.extras,
  location: c.lon === null ? null : { lon: round7(c.lon), lat: round7(c.lat!) },
  geometry: c.geometry,
  valid_from: c.valid_from,
  version: c.version,
});
const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

/** The list's feature: the geometry and the attributes a map or a table needs. */
const listFeature = (c: ComponentRow) =>
  feature(c.code, c.geometry, {
    code: c.code,
    class: c.class,
    class_name: c.class_name,
    major: c.class.slice(0, 2),
    name: c.name,
    status: c.status,
    grid_code: c.grid_code,
    community_code: c.community_code,
    street_code: c.street_code,
    ...(c.given_grid_code ? { given_grid_code: c.given_grid_code } : {}),
    owner_code: c.owner_code,
    maintainer_code: c.maintainer_code,
    version: c.version,
  });

/** 422 with one problem. */
function refuse(location: string, message: string): never {
  const p = new Problems();
  p.add(location, message);
  p.throwIfAny();
  throw new Error('unreachable');
}

const point = (l: Location) => sql`ST_SetSRID(ST_MakePoint(${l.lon}::float8, ${l.lat}::float8), 4326)`;

/** 422 for an unknown class or department code; names default to the department's. */
async function checkInput(trx: Transaction<DB>, b: S.ComponentInput, user: User): Promise<Record<string, unknown>> {
  const problems = new Problems();
  const set: Record<string, unknown> = {};
  if (b.class !== undefined) {
    if (!componentCatalog().name(b.class))
      problems.add('body.class', `${b.class} is not a component class of GB/T 47678.5 表A.1`);
    set.category_code = b.class;
  }
  for (const role of ['owner', 'title', 'maintainer'] as const) {
    const code = b[`${role}_code`];
    if (code === undefined) continue;
    set[`${role}_code`] = code;
    if (code === null) {
      if (b[`${role}_name`] === undefined) set[`${role}_name`] = '';
      continue;
    }
    const d = await trx.selectFrom('department').select('name').where('code', '=', code).executeTakeFirst();
    if (!d) problems.add(`body.${role}_code`, `${role}_code: department ${code} does not exist`);
    else if (b[`${role}_name`] === undefined) set[`${role}_name`] = d.name;
  }
  problems.throwIfAny();
  for (const k of ['name', 'owner_name', 'title_name', 'maintainer_name', 'status', 'data_source', 'note'] as const)
    if (b[k] !== undefined) set[k] = b[k];
  for (const k of ['initial_date', 'change_date', 'accuracy'] as const) if (b[k] !== undefined) set[k] = b[k];
  if (b.photos !== undefined) set.photos = JSON.stringify(b.photos);
  if (b.extras !== undefined) set.extras = JSON.stringify(b.extras);
  if (b.location !== undefined) {
    await requireGeometryInScope(trx, user, b.location ? point(b.location) : null, 'location');
    set.geom = b.location ? point(b.location) : null;
  }
  set.valid_from = sql`now()`;
  return set;
}

/** The code of a new component: the given one checked against the standard, or the next of its district and class. */
async function newCode(trx: Transaction<DB>, b: Static<typeof S.createBody>): Promise<string> {
  const catalog = componentCatalog();
  const where = async () =>
    b.location
      ? (
          await sql<{ district: string | null }>`select coalesce(
          (select u.district_code from unit_grid u where u.termination_date is null and ST_Covers(u.geom, ${point(b.location)}) order by u.code limit 1),
          (select d.code from region d where d.level = 'district' and d.termination_date is null and ST_Covers(d.geom, ${point(b.location)}) order by d.code limit 1)) as district`.execute(
            trx,
          )
        ).rows[0].district
      : null;
  if (b.code === undefined) {
    const district = await where();
    if (!district) refuse('body.code', 'a component without a code needs a location inside a district');
    await sql`lock table component in share row exclusive mode`.execute(trx);
    const serials = new SerialAllocator();
    for (const s of await highestSerials(trx)) {
      const cls = s.seg.length === 5 ? s.seg : catalog.fromLegacy(s.seg);
      if (cls) serials.takeSerial(s.district, cls, s.serial);
    }
    return serials.next(district, b.class);
  }
  const parsed = parseComponentCode(b.code, catalog);
  const problems = new Problems();
  if (!parsed.ok) problems.add('body.code', parsed.problem);
  else {
    const mismatch = classMismatch(parsed.ok, b.class, catalog);
    if (mismatch) problems.add('body.code', mismatch);
    const live = await sql`select 1 from region where level = 'district' and termination_date is null
      and code = ${parsed.ok.district}`.execute(trx);
    if (live.rows.length === 0)
      problems.add('body.code', `the district ${parsed.ok.district} of code ${b.code} is not a district of this city`);
  }
  problems.throwIfAny();
  if (await getComponent(trx, b.code)) throw conflict(`component ${b.code} already exists`);
  const ended = await sql`select 1 from component_history where code = ${b.code} limit 1`.execute(trx);
  if (ended.rows.length) throw conflict(`the code ${b.code} belonged to a deleted component; codes are not reused`);
  return b.code;
}

export function componentRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/components',
      tag,
      summary: 'Components in a bbox, class, grid, community, street or status, paged by code (GeoJSON)',
      query: S.listQuery,
      produces: GEOJSON,
    },
    async (ctx, { query: q }) => {
      const bbox = q.bbox ? parseBbox(q.bbox) : undefined;
      const rows = await listComponents(db, q, bbox, q.limit + 1);
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const next = more ? page[page.length - 1].code : null;
      const params = new URLSearchParams();
      for (const k of ['bbox', 'class', 'major', 'grid', 'community', 'street', 'status', 'q'] as const)
        if (q[k]) params.set(k, q[k]);
      params.set('limit', String(q.limit));
      if (next) params.set('cursor', next);
      ctx.type = GEOJSON;
      ctx.body = {
        type: 'FeatureCollection',
        numberReturned: page.length,
        next: next && `/api/components?${params}`,
        cursor: next,
        features: page.map(listFeature),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/components/:code/history',
      tag,
      summary: 'The versions of a component, newest first: the live one, then the ended ones with their period',
      params: S.codeParams,
      errors: { 404: 'no component, live or ended, with this code' },
    },
    async (ctx, { params }) => {
      const live = await getComponent(db, params.code);
      const ended = await componentHistory(db, params.code);
      if (!live && ended.length === 0) throw notFound(`no component with code ${params.code}`);
      ctx.body = {
        code: params.code,
        versions: [
          ...(live ? [{ ...present(live), valid_to: null, ended_by: null }] : []),
          ...ended.map((h) => ({
            version: h.version,
            valid_from: h.valid_from,
            valid_to: h.valid_to,
            ended_by: h.ended_by,
            attributes: h.attrs,
            geometry: h.geometry,
          })),
        ],
      };
    },
  );

  versionedCrudRoutes(api, db, tag, {
    names: {
      entity: 'component',
      table: 'component',
      path: '/api/components',
      key: 'code',
      noun: 'component',
      layers: ['components'],
    },
    schemas: { params: S.codeParams, create: S.createBody, patch: S.patchBody },
    get: { summary: 'One component with every census attribute (GB/T 47678.5 表2)' },
    read: getComponent,
    present,
    scope: (trx, user, old, code, change) =>
      requireGeometryInScope(
        trx,
        user,
        old.lon === null ? null : point({ lon: old.lon, lat: old.lat! }),
        `component ${code}'s ${change === 'patch' ? 'current ' : ''}location`,
      ),
    post: {
      summary: 'Create a component (without a code it gets the next 17-digit code of its district and class)',
      errors: { 409: 'the code exists or existed', 422: 'bad code, unknown class or department' },
    },
    async insert(trx, b, user) {
      const set = await checkInput(trx, b, user);
      const code = await newCode(trx, b);
      await trx
        .insertInto('component')
        .values({ code, ...(set as { category_code: string }), name: b.name ?? componentCatalog().name(b.class) ?? '' })
        .execute();
      await deriveComponentRegions(trx, sql`c.code = ${code}`);
      return code;
    },
    patch: {
      summary:
        'Change a component (partial; null clears a department, a date or the location); the old row goes to history',
      errors: { 422: 'unknown class or department, or a class its code does not name' },
    },
    async update(trx, code, b, _old, user) {
      if (b.class !== undefined) {
        const parsed = parseComponentCode(code, componentCatalog());
        const mismatch = parsed.ok && classMismatch(parsed.ok, b.class, componentCatalog());
        if (mismatch) refuse('body.class', mismatch);
      }
      return checkInput(trx, b, user);
    },
    endRow: (trx, code, change) => endRow(trx, code, change === 'patch' ? 'edit' : 'delete'),
    afterUpdate: async (trx, code) => {
      await deriveComponentRegions(trx, sql`c.code = ${code}`);
    },
    delete: {
      summary: 'Delete a component no case names (its last row stays in history)',
      errors: { 409: 'cases name it' },
    },
    async references(trx, code) {
      const cases = await sql<{ n: number }>`
        select count(*)::int as n from case_record where component_code = ${code}`.execute(trx);
      if (cases.rows[0].n > 0) {
        throw conflict(
          `component ${code} is named by ${cases.rows[0].n} case${cases.rows[0].n === 1 ? '' : 's'}; it cannot be deleted`,
          { references: { cases: cases.rows[0].n } },
        );
      }
    },
  });
}
