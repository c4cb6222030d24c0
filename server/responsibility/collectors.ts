/** Collectors (监督员): /api/collectors[/:id]. Their areas are in collector-areas.ts. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { requireCodesInScope, visibleCollector, visibleCollectors } from '../auth/policy.js';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { conflict, notFound } from '../http/problem.js';
import {
  DEPT_CODE,
  Problems,
  idParams,
  libraryWrite,
  listText,
  lockOrNotFound,
  plain,
  sendVersioned,
} from './common.js';

export const tag = 'responsibility';
/** Said in every route that shows collectors (server/auth/visibility.ts). */
export const WHO_SEES =
  "Collectors' names only for signed-in staff (admin, dispatcher, gis_editor, department_handler, collector) and phone numbers only for admin and dispatcher; others get id and code.";

// ---- collectors ----

const collectorFields = {
  code: { type: 'string', pattern: DEPT_CODE, description: '1–40 letters, digits, _ . -' },
  name: { type: 'string', minLength: 1, maxLength: 100 },
  phone: { type: 'string', maxLength: 40 },
  user_id: {
    type: ['integer', 'null'],
    minimum: 1,
    maximum: 2147483647,
    description: 'an app_user with role collector, or null',
  },
};
const collectorCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name'],
  properties: collectorFields,
};
const collectorPatch = { type: 'object', additionalProperties: false, minProperties: 1, properties: collectorFields };

interface CollectorInput {
  code?: string;
  name?: string;
  phone?: string;
  user_id?: number | null;
}

const COLLECTOR_COLUMNS = ['id', 'code', 'name', 'phone', 'user_id', 'version'] as const;
const getCollector = (db: Kysely<DB> | Transaction<DB>, id: number) =>
  db.selectFrom('collector').select(COLLECTOR_COLUMNS).where('id', '=', id).executeTakeFirst();

/**
 * 403 unless a scoped user's scope covers every grid of the collector areas the collector works in (a collector in
 * no area belongs to no region yet, so any editor may set it up).
 */
async function requireCollectorInScope(trx: Transaction<DB>, user: User, id: number, what: string): Promise<void> {
  if (!user.regionScope) return;
  const r = await sql<{ grids: string[] | null }>`
    select array_agg(distinct g order by g) as grids
    from collector_area a, unnest(a.grid_codes) g where ${id} = any(a.collector_ids)`.execute(trx);
  requireCodesInScope(user, r.rows[0]?.grids ?? [], what);
}

async function checkCollector(trx: Transaction<DB>, b: CollectorInput, self: number | null): Promise<void> {
  const problems = new Problems();
  if (b.user_id !== undefined && b.user_id !== null) {
    const u = await trx
      .selectFrom('app_user')
      .select(['id', 'name', 'role'])
      .where('id', '=', b.user_id)
      .executeTakeFirst();
    if (!u) problems.add('body.user_id', `no user with id ${b.user_id}`);
    else if (u.role !== 'collector')
      problems.add('body.user_id', `user ${b.user_id} (${u.name}) has role ${u.role}, not collector`);
  }
  problems.throwIfAny();
  if (b.code !== undefined) {
    const taken = await trx.selectFrom('collector').select('id').where('code', '=', b.code).executeTakeFirst();
    if (taken && taken.id !== self)
      throw conflict(`collector code ${b.code} is already used by collector #${taken.id}`);
  }
}

export function collectorRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/collectors',
      tag,
      summary: 'List collectors (ordered by code)',
      description: WHO_SEES,
    },
    async (ctx, { user }) => {
      ctx.body = visibleCollectors(
        await db.selectFrom('collector').select(COLLECTOR_COLUMNS).orderBy('code').execute(),
        user,
      );
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/collectors/:id',
      tag,
      params: idParams,
      summary: 'One collector',
      description: WHO_SEES,
      errors: { 404: 'no collector with this id' },
    },
    async (ctx, { params, user }) => {
      const c = await getCollector(db, params.id);
      if (!c) throw notFound(`no collector with id ${params.id}`);
      sendVersioned(ctx, visibleCollector(c, user));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/collectors',
      tag,
      permission: 'editLibrary',
      body: collectorCreate,
      summary: 'Create a collector {code, name, phone?, user_id?}',
      errors: { 409: 'the code is taken', 422: 'user_id is not a collector user' },
    },
    async (ctx, { body, user }) => {
      const b = body as CollectorInput & { code: string; name: string };
      const row = await libraryWrite(db, user, async (trx) => {
        await checkCollector(trx, b, null);
        const row = await trx
          .insertInto('collector')
          .values({ code: b.code, name: b.name, phone: b.phone ?? '', user_id: b.user_id ?? null })
          .returning(COLLECTOR_COLUMNS)
          .executeTakeFirstOrThrow();
        return {
          result: visibleCollector(row, user),
          action: 'create',
          entity: 'collector',
          key: String(row.id),
          detail: { new: plain(row) },
        };
      });
      sendVersioned(ctx, row, 201);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/api/collectors/:id',
      tag,
      permission: 'editLibrary',
      params: idParams,
      body: collectorPatch,
      summary: 'Change a collector (partial)',
      errors: { 404: 'no collector with this id', 409: 'the code is taken', 422: 'user_id is not a collector user' },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      const id = params.id as number;
      const row = await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'collector', id, ifMatch, `collector with id ${id}`);
        const old = (await getCollector(trx, id))!;
        await requireCollectorInScope(trx, user, id, `collector ${old.code}'s collector areas`);
        await checkCollector(trx, body as CollectorInput, id);
        const row = await trx
          .updateTable('collector')
          .set({ ...(body as CollectorInput), version: sql`version + 1` } as never)
          .where('id', '=', id)
          .returning(COLLECTOR_COLUMNS)
          .executeTakeFirstOrThrow();
        return {
          result: visibleCollector(row, user),
          action: 'update',
          entity: 'collector',
          key: String(id),
          detail: { old: plain(old), new: plain(row) },
        };
      });
      sendVersioned(ctx, row);
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/api/collectors/:id',
      tag,
      permission: 'editLibrary',
      params: idParams,
      summary: 'Delete a collector that no collector area lists',
      errors: { 404: 'no collector with this id', 409: 'still in collector areas' },
    },
    async (ctx, { params, user, ifMatch }) => {
      const id = params.id as number;
      await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'collector', id, ifMatch, `collector with id ${id}`);
        const old = (await getCollector(trx, id))!;
        await requireCollectorInScope(trx, user, id, `collector ${old.code}'s collector areas`);
        const areas = await sql<{ id: number; name: string }>`
        select id, name from collector_area where ${id} = any(collector_ids) order by id`.execute(trx);
        if (areas.rows.length) {
          throw conflict(
            `collector ${old.code} is still in collector area${areas.rows.length === 1 ? '' : 's'} ${listText(areas.rows.map((a) => `"${a.name}" (#${a.id})`))}; remove it there first`,
            { references: { collector_areas: areas.rows.map((a) => a.id) } },
          );
        }
        await trx.deleteFrom('collector').where('id', '=', id).execute();
        return {
          result: undefined,
          action: 'delete',
          entity: 'collector',
          key: String(id),
          detail: { old: plain(old) },
        };
      });
      ctx.status = 204;
    },
  );
}
