/** Collectors (监督员): /api/collectors[/:id]. Their areas are in collector-areas.ts. */
import { sql, type Kysely, type Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import { requireCodesInScope, visibleCollector, visibleCollectors } from '../auth/policy.js';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { conflict } from '../http/problem.js';
import { Nullable } from '../http/types.js';
import { DEPT_CODE, Problems, idParams, listText } from './common.js';
import { versionedCrudRoutes } from './crud.js';

export const tag = 'responsibility';
/** Said in every route that shows collectors (server/auth/visibility.ts). */
export const WHO_SEES =
  "Collectors' names only for signed-in staff (admin, dispatcher, gis_editor, department_handler, collector) and phone numbers only for admin and dispatcher; others get id and code.";

// ---- collectors ----

const collectorCreate = Type.Object(
  {
    code: Type.String({ pattern: DEPT_CODE, description: '1–40 letters, digits, _ . -' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
    user_id: Type.Optional(
      Nullable(Type.Integer({ minimum: 1, maximum: 2147483647 }), {
        description: 'an app_user with role collector, or null',
      }),
    ),
  },
  { additionalProperties: false },
);
const collectorPatch = Type.Partial(collectorCreate, { additionalProperties: false, minProperties: 1 });

type CollectorInput = Static<typeof collectorPatch>;

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

  versionedCrudRoutes(api, db, tag, {
    names: { entity: 'collector', table: 'collector', path: '/api/collectors', key: 'id', noun: 'collector' },
    schemas: { params: idParams, create: collectorCreate, patch: collectorPatch },
    get: { summary: 'One collector', description: WHO_SEES },
    read: getCollector,
    present: visibleCollector,
    scope: (trx, user, old, id) => requireCollectorInScope(trx, user, id, `collector ${old.code}'s collector areas`),
    post: {
      summary: 'Create a collector {code, name, phone?, user_id?}',
      errors: { 409: 'the code is taken', 422: 'user_id is not a collector user' },
    },
    async insert(trx, b) {
      await checkCollector(trx, b, null);
      const row = await trx
        .insertInto('collector')
        .values({ code: b.code, name: b.name, phone: b.phone ?? '', user_id: b.user_id ?? null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    patch: {
      summary: 'Change a collector (partial)',
      errors: { 409: 'the code is taken', 422: 'user_id is not a collector user' },
    },
    async update(trx, id, b) {
      await checkCollector(trx, b, id);
      return b;
    },
    delete: {
      summary: 'Delete a collector that no collector area lists',
      errors: { 409: 'still in collector areas' },
    },
    async references(trx, id, old) {
      const areas = await sql<{ id: number; name: string }>`
        select id, name from collector_area where ${id} = any(collector_ids) order by id`.execute(trx);
      if (areas.rows.length) {
        throw conflict(
          `collector ${old.code} is still in collector area${areas.rows.length === 1 ? '' : 's'} ${listText(areas.rows.map((a) => `"${a.name}" (#${a.id})`))}; remove it there first`,
          { references: { collector_areas: areas.rows.map((a) => a.id) } },
        );
      }
    },
  });
}
