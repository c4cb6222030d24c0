/** Components (管理部件), minimal: enough for reports that name one. /api/components and /api/components/:code. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { conflict, notFound } from '../http/problem.js';
import { requireGeometryInScope } from '../auth/policy.js';
import { DEPT_CODE, Problems, libraryWrite, lockOrNotFound, plain, sendVersioned } from './common.js';

const tag = 'responsibility';
const location = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['lon', 'lat'],
  description: 'WGS84 {lon, lat}, or null',
  properties: {
    lon: { type: 'number', minimum: -180, maximum: 180 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
  },
};
const fields = {
  category_code: { type: 'string', pattern: '^[0-9]{5}$', description: 'a 5-digit component category code' },
  name: { type: 'string', maxLength: 100 },
  owner_code: {
    type: ['string', 'null'],
    pattern: DEPT_CODE,
    description: 'the owning department (主管部门), or null',
  },
  maintainer_code: {
    type: ['string', 'null'],
    pattern: DEPT_CODE,
    description: 'the maintaining department (养护单位), or null',
  },
  status: { type: 'string', minLength: 1, maxLength: 20 },
  location,
};
const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'category_code'],
  properties: { code: { type: 'string', pattern: '^[0-9]{16,17}$', description: '16 or 17 digits' }, ...fields },
};
const patchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: fields };
const codeParams = {
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string', pattern: '^[0-9]{16,17}$', description: '16 or 17 digits' } },
};

interface Location {
  lon: number;
  lat: number;
}
interface ComponentInput {
  code?: string;
  category_code?: string;
  name?: string;
  owner_code?: string | null;
  maintainer_code?: string | null;
  status?: string;
  location?: Location | null;
}
interface ComponentRow {
  code: string;
  category_code: string;
  category_name: string;
  name: string;
  owner_code: string | null;
  maintainer_code: string | null;
  status: string;
  lon: number | null;
  lat: number | null;
  version: number;
}

const present = (c: ComponentRow) => ({
  code: c.code,
  category_code: c.category_code,
  category_name: c.category_name,
  name: c.name,
  owner_code: c.owner_code,
  maintainer_code: c.maintainer_code,
  status: c.status,
  location: c.lon === null ? null : { lon: c.lon, lat: c.lat! },
  version: c.version,
});

async function selectComponents(db: Kysely<DB> | Transaction<DB>, code?: string) {
  const r = await sql<ComponentRow>`
    select p.code, p.category_code, c.name as category_name, p.name, p.owner_code, p.maintainer_code, p.status,
           ST_X(p.geom) as lon, ST_Y(p.geom) as lat, p.version
    from component p join category c on c.kind = p.category_kind and c.code = p.category_code
    where ${code === undefined ? sql`true` : sql`p.code = ${code}`} order by p.code`.execute(db);
  return r.rows.map(present);
}
const getComponent = async (db: Kysely<DB> | Transaction<DB>, code: string) => (await selectComponents(db, code))[0];

const point = (l: Location) => sql`ST_SetSRID(ST_MakePoint(${l.lon}::float8, ${l.lat}::float8), 4326)`;

async function checkComponent(trx: Transaction<DB>, b: ComponentInput, user: User): Promise<void> {
  const problems = new Problems();
  if (b.category_code !== undefined) {
    const c = await trx
      .selectFrom('category')
      .select('code')
      .where('kind', '=', 'component')
      .where('code', '=', b.category_code)
      .executeTakeFirst();
    if (!c)
      problems.add('body.category_code', `component category ${b.category_code} is not in the category dictionary`);
  }
  for (const field of ['owner_code', 'maintainer_code'] as const) {
    const code = b[field];
    if (code === undefined || code === null) continue;
    const d = await trx.selectFrom('department').select('code').where('code', '=', code).executeTakeFirst();
    if (!d) problems.add(`body.${field}`, `${field}: department ${code} does not exist`);
  }
  problems.throwIfAny();
  // A component without a location is everywhere: only unscoped editors may leave it without one.
  if (b.location !== undefined)
    await requireGeometryInScope(trx, user, b.location ? point(b.location) : null, 'location');
}

export function componentRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    { method: 'get', path: '/api/components', tag, summary: 'List components (ordered by code)' },
    async (ctx) => {
      ctx.body = await selectComponents(db);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/components/:code',
      tag,
      params: codeParams,
      summary: 'One component',
      errors: { 404: 'no component with this code' },
    },
    async (ctx, { params }) => {
      const c = await getComponent(db, params.code);
      if (!c) throw notFound(`no component with code ${params.code}`);
      sendVersioned(ctx, c);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/components',
      tag,
      permission: 'editLibrary',
      body: createBody,
      summary: 'Create a component {code, category_code, name?, owner_code?, maintainer_code?, status?, location?}',
      errors: { 409: 'the code exists', 422: 'unknown component category or department' },
    },
    async (ctx, { body, user }) => {
      const b = body as ComponentInput & { code: string; category_code: string };
      const row = await libraryWrite(db, user, async (trx) => {
        await checkComponent(trx, { ...b, location: b.location ?? null }, user);
        if (await getComponent(trx, b.code)) throw conflict(`component ${b.code} already exists`);
        await sql`insert into component (code, category_code, name, owner_code, maintainer_code, status, geom)
        values (${b.code}, ${b.category_code}, ${b.name ?? ''}, ${b.owner_code ?? null}, ${b.maintainer_code ?? null},
                ${b.status ?? '完好'}, ${b.location ? point(b.location) : sql`null`})`.execute(trx);
        const row = (await getComponent(trx, b.code))!;
        return { result: row, action: 'create', entity: 'component', key: b.code, detail: { new: plain(row) } };
      });
      sendVersioned(ctx, row, 201);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/api/components/:code',
      tag,
      permission: 'editLibrary',
      params: codeParams,
      body: patchBody,
      summary: 'Change a component (partial; null clears owner, maintainer or location)',
      errors: { 404: 'no component with this code', 422: 'unknown component category or department' },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      const code = params.code as string;
      const b = body as ComponentInput;
      const row = await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'component', code, ifMatch, `component with code ${code}`);
        const old = (await getComponent(trx, code))!;
        await requireGeometryInScope(
          trx,
          user,
          old.location ? point(old.location) : null,
          `component ${code}'s current location`,
        );
        await checkComponent(trx, b, user);
        const { location: loc, ...rest } = b;
        const set: Record<string, unknown> = { ...rest, version: sql`version + 1` };
        if (loc !== undefined) set.geom = loc === null ? null : point(loc);
        await trx
          .updateTable('component')
          .set(set as never)
          .where('code', '=', code)
          .execute();
        const row = (await getComponent(trx, code))!;
        return {
          result: row,
          action: 'update',
          entity: 'component',
          key: code,
          detail: { old: plain(old), new: plain(row) },
        };
      });
      sendVersioned(ctx, row);
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/api/components/:code',
      tag,
      permission: 'editLibrary',
      params: codeParams,
      summary: 'Delete a component no case names',
      errors: { 404: 'no component with this code', 409: 'cases name it' },
    },
    async (ctx, { params, user, ifMatch }) => {
      const code = params.code as string;
      await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'component', code, ifMatch, `component with code ${code}`);
        const old = (await getComponent(trx, code))!;
        await requireGeometryInScope(
          trx,
          user,
          old.location ? point(old.location) : null,
          `component ${code}'s location`,
        );
        const cases = await sql<{
          n: number;
        }>`select count(*)::int as n from case_record where component_code = ${code}`.execute(trx);
        if (cases.rows[0].n > 0) {
          throw conflict(
            `component ${code} is named by ${cases.rows[0].n} case${cases.rows[0].n === 1 ? '' : 's'}; it cannot be deleted`,
            { references: { cases: cases.rows[0].n } },
          );
        }
        await trx.deleteFrom('component').where('code', '=', code).execute();
        return { result: undefined, action: 'delete', entity: 'component', key: code, detail: { old: plain(old) } };
      });
      ctx.status = 204;
    },
  );
}
