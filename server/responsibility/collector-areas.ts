/** Collector areas (监督员责任网格: named sets of unit grids, one area per grid): /api/collector-areas[/:id]. */
import { sql, type Kysely, type Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import { requireCodesInScope, visibleCollectors } from '../auth/policy.js';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { conflict } from '../http/problem.js';
import { Problems, distinct, idParams, listText } from './common.js';
import { versionedCrudRoutes } from './crud.js';
import { WHO_SEES, tag } from './collectors.js';

// ---- collector areas ----

const areaCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    grid_codes: Type.Array(Type.String({ pattern: '^[0-9]{15}$', description: 'a 15-digit unit-grid code' }), {
      minItems: 1,
      maxItems: 10000,
    }),
    collector_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
const areaPatch = Type.Partial(areaCreate, { additionalProperties: false, minProperties: 1 });

type AreaInput = Static<typeof areaPatch>;

interface AreaRow {
  id: number;
  name: string;
  grid_codes: string[];
  collector_ids: number[];
  collectors: { id: number; code: string; name: string; phone: string }[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

async function selectAreas(db: Kysely<DB> | Transaction<DB>, id?: number) {
  const r = await sql<AreaRow>`
    select a.id, a.name, a.grid_codes, a.collector_ids,
      coalesce((select json_agg(json_build_object('id', c.id, 'code', c.code, 'name', c.name, 'phone', c.phone) order by u.n)
                from unnest(a.collector_ids) with ordinality u(id, n) join collector c on c.id = u.id), '[]'::json) as collectors,
      a.version, a.created_at, a.updated_at
    from collector_area a where ${id === undefined ? sql`true` : sql`a.id = ${id}`} order by a.id`.execute(db);
  return r.rows;
}
/** A collector area with its collectors as this caller may see them. */
const visibleArea = (a: AreaRow, user: Parameters<typeof visibleCollectors>[1]) => ({
  ...a,
  collectors: visibleCollectors(a.collectors, user),
});
const getArea = async (db: Kysely<DB> | Transaction<DB>, id: number) => (await selectAreas(db, id))[0];

/** 422 for unknown grids or collectors, 403 out of scope, 409 for a taken name or grids of another area. */
async function checkArea(trx: Transaction<DB>, b: AreaInput, self: number | null, user: User) {
  const problems = new Problems();
  if (b.grid_codes) {
    const live = await sql<{ code: string }>`
      select code from unit_grid where termination_date is null and code = any(${b.grid_codes}::text[])`.execute(trx);
    const found = new Set(live.rows.map((r) => r.code));
    const unknown = b.grid_codes.filter((c) => !found.has(c));
    if (unknown.length)
      problems.add('body.grid_codes', `grid_codes: no live unit grid with code ${listText(unknown, 50)}`);
  }
  if (b.collector_ids && b.collector_ids.length) {
    const rows = await trx.selectFrom('collector').select('id').where('id', 'in', b.collector_ids).execute();
    const found = new Set(rows.map((r) => r.id));
    const unknown = b.collector_ids.filter((c) => !found.has(c));
    if (unknown.length)
      problems.add('body.collector_ids', `collector_ids: no collector with id ${listText(unknown, 50)}`);
  }
  problems.throwIfAny();
  if (b.grid_codes) requireCodesInScope(user, b.grid_codes, 'grid_codes');
  if (b.name !== undefined) {
    const taken = await trx.selectFrom('collector_area').select('id').where('name', '=', b.name).executeTakeFirst();
    if (taken && taken.id !== self) throw conflict(`a collector area named "${b.name}" already exists (#${taken.id})`);
  }
  if (b.grid_codes) {
    const others = await sql<{ id: number; name: string; grids: string[] }>`
      select id, name, array(select g from unnest(grid_codes) g where g = any(${b.grid_codes}::text[]) order by g) as grids
      from collector_area where grid_codes && ${b.grid_codes}::text[] and id <> ${self ?? 0} order by id`.execute(trx);
    if (others.rows.length) {
      const text = others.rows.map(
        (o) =>
          `${listText(o.grids)} already belong${o.grids.length === 1 ? 's' : ''} to collector area "${o.name}" (#${o.id})`,
      );
      throw conflict(`a unit grid belongs to one collector area: ${text.join('; ')}`, {
        conflicts: others.rows.map((o) => ({ id: o.id, name: o.name, grid_codes: o.grids })),
      });
    }
  }
}

export function collectorAreaRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/collector-areas',
      tag,
      summary: 'List collector areas (ordered by id)',
      description: WHO_SEES,
    },
    async (ctx, { user }) => {
      ctx.body = (await selectAreas(db)).map((a) => visibleArea(a, user));
    },
  );

  versionedCrudRoutes(api, db, tag, {
    names: {
      entity: 'collector_area',
      table: 'collector_area',
      path: '/api/collector-areas',
      key: 'id',
      noun: 'collector area',
    },
    schemas: { params: idParams, create: areaCreate, patch: areaPatch },
    get: { summary: 'One collector area', description: WHO_SEES },
    read: getArea,
    present: visibleArea,
    scope: (_trx, user, old, id, change) =>
      requireCodesInScope(
        user,
        old.grid_codes,
        `collector area ${id}'s ${change === 'patch' ? 'current ' : ''}grid_codes`,
      ),
    post: {
      summary: 'Create a collector area {name, grid_codes, collector_ids?}',
      errors: {
        409: 'the name is taken or a grid is in another collector area',
        422: 'unknown grid codes or collector ids',
      },
    },
    async insert(trx, body, user) {
      const b = normalise(body);
      await checkArea(trx, b, null, user);
      const r = await sql<{ id: number }>`
        insert into collector_area (name, grid_codes, collector_ids)
        values (${b.name}, ${b.grid_codes}::text[], ${b.collector_ids ?? []}::int[]) returning id`.execute(trx);
      return r.rows[0].id;
    },
    patch: {
      summary: 'Change a collector area (partial; grid_codes and collector_ids are replaced as a whole)',
      errors: {
        409: 'the name is taken or a grid is in another collector area',
        422: 'unknown grid codes or collector ids',
      },
    },
    async update(trx, id, body, _old, user) {
      const b = normalise(body);
      await checkArea(trx, b, id, user);
      const set: Record<string, unknown> = { updated_at: sql`now()` };
      if (b.name !== undefined) set.name = b.name;
      if (b.grid_codes !== undefined) set.grid_codes = sql`${b.grid_codes}::text[]`;
      if (b.collector_ids !== undefined) set.collector_ids = sql`${b.collector_ids}::int[]`;
      return set;
    },
    delete: { summary: 'Delete a collector area' },
  });
}

/** Repeated grid codes or collector ids count once. */
function normalise<T extends AreaInput>(b: T): T {
  return {
    ...b,
    ...(b.grid_codes && { grid_codes: distinct(b.grid_codes) }),
    ...(b.collector_ids && { collector_ids: distinct(b.collector_ids) }),
  };
}
