/** Components (管理部件), minimal: enough for reports that name one. /api/components and /api/components/:code. */
import { sql, type Kysely, type Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { conflict } from '../http/problem.js';
import { Nullable } from '../http/types.js';
import { requireGeometryInScope } from '../auth/policy.js';
import { DEPT_CODE, Problems } from './common.js';
import { versionedCrudRoutes } from './crud.js';

const tag = 'responsibility';
const COMPONENT_CODE = () => Type.String({ pattern: '^[0-9]{16,17}$', description: '16 or 17 digits' });
const location = Nullable(
  Type.Object(
    { lon: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) },
    { additionalProperties: false },
  ),
  { description: 'WGS84 {lon, lat}, or null' },
);
const departmentOrNull = (description: string) =>
  Type.Optional(Nullable(Type.String({ pattern: DEPT_CODE }), { description }));
const createBody = Type.Object(
  {
    code: COMPONENT_CODE(),
    category_code: Type.String({ pattern: '^[0-9]{5}$', description: 'a 5-digit component category code' }),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    owner_code: departmentOrNull('the owning department (主管部门), or null'),
    maintainer_code: departmentOrNull('the maintaining department (养护单位), or null'),
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    location: Type.Optional(location),
  },
  { additionalProperties: false },
);
const patchBody = Type.Partial(Type.Omit(createBody, ['code']), { additionalProperties: false, minProperties: 1 });
const codeParams = Type.Object({ code: COMPONENT_CODE() });

type ComponentInput = Static<typeof patchBody>;
type Location = NonNullable<ComponentInput['location']>;

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

  versionedCrudRoutes(api, db, tag, {
    names: { entity: 'component', table: 'component', path: '/api/components', key: 'code', noun: 'component' },
    schemas: { params: codeParams, create: createBody, patch: patchBody },
    get: { summary: 'One component' },
    read: getComponent,
    scope: (trx, user, old, code, change) =>
      requireGeometryInScope(
        trx,
        user,
        old.location ? point(old.location) : null,
        `component ${code}'s ${change === 'patch' ? 'current ' : ''}location`,
      ),
    post: {
      summary: 'Create a component {code, category_code, name?, owner_code?, maintainer_code?, status?, location?}',
      errors: { 409: 'the code exists', 422: 'unknown component category or department' },
    },
    async insert(trx, b, user) {
      await checkComponent(trx, { ...b, location: b.location ?? null }, user);
      if (await getComponent(trx, b.code)) throw conflict(`component ${b.code} already exists`);
      await sql`insert into component (code, category_code, name, owner_code, maintainer_code, status, geom)
        values (${b.code}, ${b.category_code}, ${b.name ?? ''}, ${b.owner_code ?? null}, ${b.maintainer_code ?? null},
                ${b.status ?? '完好'}, ${b.location ? point(b.location) : sql`null`})`.execute(trx);
      return b.code;
    },
    patch: {
      summary: 'Change a component (partial; null clears owner, maintainer or location)',
      errors: { 422: 'unknown component category or department' },
    },
    async update(trx, code, b, _old, user) {
      await checkComponent(trx, b, user);
      const { location: loc, ...rest } = b;
      const set: Record<string, unknown> = { ...rest };
      if (loc !== undefined) set.geom = loc === null ? null : point(loc);
      return set;
    },
    delete: {
      summary: 'Delete a component no case names',
      errors: { 409: 'cases name it' },
    },
    async references(trx, code) {
      const cases = await sql<{
        n: number;
      }>`select count(*)::int as n from case_record where component_code = ${code}`.execute(trx);
      if (cases.rows[0].n > 0) {
        throw conflict(
          `component ${code} is named by ${cases.rows[0].n} case${cases.rows[0].n === 1 ? '' : 's'}; it cannot be deleted`,
          { references: { cases: cases.rows[0].n } },
        );
      }
    },
  });
}
