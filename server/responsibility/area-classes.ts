/** Area classes (区域类别 A/B/C) as polygons or region/grid code sets: /api/area-classes and /api/area-classes/:id. */
import { sql, type Kysely, type Transaction } from 'kysely';
import Type from 'typebox';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import * as areas from './areas.js';
import { Problems, idParams } from './common.js';
import { versionedCrudRoutes } from './crud.js';

const createBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    class: Type.Enum(['A', 'B', 'C'], { type: 'string' }),
    area: areas.areaSchema(['polygon', 'regions']),
  },
  { additionalProperties: false },
);
const patchBody = Type.Partial(createBody, { additionalProperties: false, minProperties: 1 });

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
  area: areas.areaJson(z.area_kind, z.area_codes, z.geometry),
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

  versionedCrudRoutes(api, db, tag, {
    names: {
      entity: 'area_class',
      table: 'area_class_zone',
      path: '/api/area-classes',
      key: 'id',
      noun: 'area-class zone',
    },
    schemas: { params: idParams, create: createBody, patch: patchBody },
    get: { summary: 'One area-class zone' },
    read: getZone,
    ...areas.areaHooks('zone'),
    post: {
      summary:
        'Create an area-class zone: {name, class A|B|C, area {kind:"polygon", geometry} | {kind:"regions", codes}}',
      errors: { 422: 'invalid polygon or unknown region code' },
    },
    async insert(trx, b, user) {
      const area = await checkedArea(trx, b.area, user);
      const r = await sql<{ id: number }>`
        insert into area_class_zone (name, class, area_kind, area_codes, area_geom)
        values (${b.name}, ${b.class}, ${area!.kind}, ${area!.codes}::text[], ${areas.storedGeom(area!)}) returning id`.execute(
        trx,
      );
      return r.rows[0].id;
    },
    patch: {
      summary: 'Change an area-class zone (partial; area replaced as a whole)',
      errors: { 422: 'invalid polygon or unknown region code' },
    },
    async update(trx, id, b, _old, user) {
      const area = b.area && (await checkedArea(trx, b.area, user));
      const set: Record<string, unknown> = { updated_at: sql`now()` };
      if (b.name !== undefined) set.name = b.name;
      if (b.class !== undefined) set.class = b.class;
      if (area) Object.assign(set, areas.storedAreaColumns(area));
      return set;
    },
    delete: { summary: 'Delete an area-class zone' },
  });
}

/** The resolved area (422 when it is not valid), in the user's scope (403). */
async function checkedArea(trx: Transaction<DB>, input: areas.AreaInput, user: User) {
  const problems = new Problems();
  const area = await areas.resolveArea(trx, input, 'body.area', problems);
  problems.throwIfAny();
  await areas.requireAreaInScope(trx, user, area!, 'the zone area');
  return area!;
}
