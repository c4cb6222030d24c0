/** Area classes (区域类别 A/B/C) as polygons or region/grid code sets: /api/area-classes and /api/area-classes/:id. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { notFound } from '../http/problem.js';
import {
  areaJson,
  areaSchema,
  checkAreaShape,
  requireAreaInScope,
  resolveArea,
  storedAreaOf,
  storedGeom,
  type AreaInput,
} from './areas.js';
import { Problems, idParams, libraryWrite, lockOrNotFound, plain, sendVersioned } from './common.js';

const fields = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  class: { type: 'string', enum: ['A', 'B', 'C'] },
  area: areaSchema(['polygon', 'regions']),
};
const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'class', 'area'],
  properties: fields,
};
const patchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: fields };

interface ZoneInput {
  name?: string;
  class?: 'A' | 'B' | 'C';
  area?: AreaInput;
}
interface ZoneRow {
  id: number;
  name: string;
  class: 'A' | 'B' | 'C';
  area_kind: 'polygon' | 'regions';
  area_codes: string[];
  geometry: unknown;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const present = (z: ZoneRow) => ({
  id: z.id,
  name: z.name,
  class: z.class,
  area: areaJson(z.area_kind, z.area_codes, z.geometry),
  version: z.version,
  created_at: z.created_at,
  updated_at: z.updated_at,
});

async function selectZones(db: Kysely<DB> | Transaction<DB>, id?: number) {
  const r = await sql<ZoneRow>`
    select id, name, class, area_kind, area_codes, ST_AsGeoJSON(area_geom)::json as geometry, version, created_at, updated_at
    from area_class_zone where ${id === undefined ? sql`true` : sql`id = ${id}`} order by id`.execute(db);
  return r.rows.map(present);
}
const getZone = async (db: Kysely<DB> | Transaction<DB>, id: number) => (await selectZones(db, id))[0];

export function areaClassRoutes(api: Api, db: Kysely<DB>): void {
  const tag = 'responsibility';
  api.route(
    {
      method: 'get',
      path: '/api/area-classes',
      tag,
      summary: 'List area-class zones (ordered by id); unlisted places are class C',
    },
    async (ctx) => {
      ctx.body = await selectZones(db);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/area-classes/:id',
      tag,
      params: idParams,
      summary: 'One area-class zone',
      errors: { 404: 'no zone with this id' },
    },
    async (ctx, { params }) => {
      const z = await getZone(db, params.id);
      if (!z) throw notFound(`no area-class zone with id ${params.id}`);
      sendVersioned(ctx, z);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/area-classes',
      tag,
      permission: 'editLibrary',
      body: createBody,
      summary:
        'Create an area-class zone: {name, class A|B|C, area {kind:"polygon", geometry} | {kind:"regions", codes}}',
      errors: { 422: 'invalid polygon or unknown region code' },
    },
    async (ctx, { body, user }) => {
      const b = body as Required<ZoneInput>;
      checkAreaShape(b.area, 'body.area');
      const zone = await libraryWrite(db, user, async (trx) => {
        const problems = new Problems();
        const area = await resolveArea(trx, b.area, 'body.area', problems);
        problems.throwIfAny();
        await requireAreaInScope(trx, user, area!, 'the zone area');
        const r = await sql<{ id: number }>`
        insert into area_class_zone (name, class, area_kind, area_codes, area_geom)
        values (${b.name}, ${b.class}, ${area!.kind}, ${area!.codes}::text[], ${storedGeom(area!)}) returning id`.execute(
          trx,
        );
        const z = (await getZone(trx, r.rows[0].id))!;
        return { result: z, action: 'create', entity: 'area_class', key: String(z.id), detail: { new: plain(z) } };
      });
      sendVersioned(ctx, zone, 201);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/api/area-classes/:id',
      tag,
      permission: 'editLibrary',
      params: idParams,
      body: patchBody,
      summary: 'Change an area-class zone (partial; area replaced as a whole)',
      errors: { 404: 'no zone with this id', 422: 'invalid polygon or unknown region code' },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      const b = body as ZoneInput;
      const id = params.id as number;
      if (b.area) checkAreaShape(b.area, 'body.area');
      const zone = await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'area_class_zone', id, ifMatch, `area-class zone with id ${id}`);
        const old = (await getZone(trx, id))!;
        await requireAreaInScope(trx, user, storedAreaOf(old.area), `zone ${id}'s current area`);
        const problems = new Problems();
        const area = b.area ? await resolveArea(trx, b.area, 'body.area', problems) : undefined;
        problems.throwIfAny();
        if (area) await requireAreaInScope(trx, user, area, 'the zone area');
        const set: Record<string, unknown> = { version: sql`version + 1`, updated_at: sql`now()` };
        if (b.name !== undefined) set.name = b.name;
        if (b.class !== undefined) set.class = b.class;
        if (area) {
          set.area_kind = area.kind;
          set.area_codes = sql`${area.codes}::text[]`;
          set.area_geom = storedGeom(area);
        }
        await trx
          .updateTable('area_class_zone')
          .set(set as never)
          .where('id', '=', id)
          .execute();
        const z = (await getZone(trx, id))!;
        return {
          result: z,
          action: 'update',
          entity: 'area_class',
          key: String(id),
          detail: { old: plain(old), new: plain(z) },
        };
      });
      sendVersioned(ctx, zone);
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/api/area-classes/:id',
      tag,
      permission: 'editLibrary',
      params: idParams,
      summary: 'Delete an area-class zone',
      errors: { 404: 'no zone with this id' },
    },
    async (ctx, { params, user, ifMatch }) => {
      const id = params.id as number;
      await libraryWrite(db, user, async (trx) => {
        await lockOrNotFound(trx, 'area_class_zone', id, ifMatch, `area-class zone with id ${id}`);
        const old = (await getZone(trx, id))!;
        await requireAreaInScope(trx, user, storedAreaOf(old.area), `zone ${id}'s area`);
        await trx.deleteFrom('area_class_zone').where('id', '=', id).execute();
        return {
          result: undefined,
          action: 'delete',
          entity: 'area_class',
          key: String(id),
          detail: { old: plain(old) },
        };
      });
      ctx.status = 204;
    },
  );
}
