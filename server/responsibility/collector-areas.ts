/** Collector areas (监督员责任网格: named sets of unit grids, one area per grid): /api/collector-areas[/:id]. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { requireCodesInScope, visibleCollectors } from '../auth/policy.js';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { conflict, notFound } from '../http/problem.js';
import {
  Problems,
  distinct,
  idParams,
  libraryWrite,
  listText,
  lockOrNotFound,
  plain,
  sendVersioned,
} from './common.js';
import { WHO_SEES, tag } from './collectors.js';

// ---- collector areas ----

const areaFields = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  grid_codes: {
    type: 'array',
    minItems: 1,
    maxItems: 10000,
    items: { type: 'string', pattern: '^[0-9]{15}$', description: 'a 15-digit unit-grid code' },
  },
  collector_ids: { type: 'array', maxItems: 1000, items: { type: 'integer', minimum: 1, maximum: 2147483647 } },
};
const areaCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'grid_codes'],
  properties: areaFields,
};
const areaPatch = { type: 'object', additionalProperties: false, minProperties: 1, properties: areaFields };

interface AreaInput {
  name?: string;
  grid_codes?: string[];
  collector_ids?: number[];
}
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

  api.route(
    {
      method: 'get',
      path: '/api/collector-areas/:id',
      tag,
      params: idParams,
      summary: 'One collector area',
      description: WHO_SEES,
      errors: { 404: 'no collector area with this id' },
    },
    async (ctx, { params, user }) => {
      const a = await getArea(db, params.id);
      if (!a) throw notFound(`no collector area with id ${params.id}`);
      sendVersioned(ctx, visibleArea(a, user));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/collector-areas',
      tag,
      permission: 'editLibrary',
      body: areaCreate,
      summary: 'Create a collector area {name, grid_codes, collector_ids?}',
      errors: {
        409: 'the name is taken or a grid is in another collector area',
        422: 'unknown grid codes or collector ids',
      },
    },
    async (ctx, { body, user }) => {
      const b = normalise(body as AreaInput) as Required<AreaInput>;
      const area = await libraryWrite(db, user, async (trx) => {
        await checkArea(trx, b, null, user);
        const r = await sql<{ id: number }>`
        insert into collector_area (name, grid_codes, collector_ids)
        values (${b.name}, ${b.grid_codes}::text[], ${b.collector_ids ?? []}::int[]) returning id`.execute(trx);
        const row = (await getArea(trx, r.rows[0].id))!;
        return {
          result: visibleArea(row, user),
          action: 'create',
          entity: 'collector_area',
          key: String(row.id),
          detail: { new: plain(row) },
        };
      });
      sendVersioned(ctx, area, 201);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/api/collector-areas/:id',
      tag,
      permission: 'editLibrary',
      params: idParams,
      body: areaPatch,
      summary: 'Change a collector area (partial; grid_codes and collector_ids are replaced as a whole)',
      errors: {
        404: 'no collector area with this id',
        409: 'the name is taken or a grid is in another collector area',
        422: 'unknown grid codes or collector ids',
      },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      const id = params.id as number;
      const b = normalise(body as AreaInput);
      const area = await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'collector_area', id, ifMatch, `collector area with id ${id}`);
        const old = (await getArea(trx, id))!;
        requireCodesInScope(user, old.grid_codes, `collector area ${id}'s current grid_codes`);
        await checkArea(trx, b, id, user);
        const set: Record<string, unknown> = { version: sql`version + 1`, updated_at: sql`now()` };
        if (b.name !== undefined) set.name = b.name;
        if (b.grid_codes !== undefined) set.grid_codes = sql`${b.grid_codes}::text[]`;
        if (b.collector_ids !== undefined) set.collector_ids = sql`${b.collector_ids}::int[]`;
        await trx
          .updateTable('collector_area')
          .set(set as never)
          .where('id', '=', id)
          .execute();
        const row = (await getArea(trx, id))!;
        return {
          result: visibleArea(row, user),
          action: 'update',
          entity: 'collector_area',
          key: String(id),
          detail: { old: plain(old), new: plain(row) },
        };
      });
      sendVersioned(ctx, area);
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/api/collector-areas/:id',
      tag,
      permission: 'editLibrary',
      params: idParams,
      summary: 'Delete a collector area',
      errors: { 404: 'no collector area with this id' },
    },
    async (ctx, { params, user, ifMatch }) => {
      const id = params.id as number;
      await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'collector_area', id, ifMatch, `collector area with id ${id}`);
        const old = (await getArea(trx, id))!;
        requireCodesInScope(user, old.grid_codes, `collector area ${id}'s grid_codes`);
        await trx.deleteFrom('collector_area').where('id', '=', id).execute();
        return {
          result: undefined,
          action: 'delete',
          entity: 'collector_area',
          key: String(id),
          detail: { old: plain(old) },
        };
      });
      ctx.status = 204;
    },
  );
}

/** Repeated grid codes or collector ids count once. */
function normalise(b: AreaInput): AreaInput {
  return {
    ...b,
    ...(b.grid_codes && { grid_codes: distinct(b.grid_codes) }),
    ...(b.collector_ids && { collector_ids: distinct(b.collector_ids) }),
  };
}
