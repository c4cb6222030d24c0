/**
 * A draft's view of the boundaries: the live rows, with the draft's current copies in their place. Every edit reads
 * the view and writes copies; nothing live changes until the draft is published (publish.ts). A direct edit is a
 * draft of one step published in the same transaction.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Level } from '../grids/codes.js';
import type { MultiPolygonCoords } from './vertex.js';

export type Trx = Transaction<DB>;

/** A feature of the view: a unit grid or a region. */
export interface ViewFeature {
  level: Level;
  code: string;
  name: string;
  geom: MultiPolygonCoords;
  /** The live row behind it (null: a code new in this draft). */
  base_id: number | null;
  drafted: boolean;
}

const table = (level: Level) => (level === 'grid' ? sql`unit_grid` : sql`region`);
const levelFilter = (level: Level, alias: string) =>
  level === 'grid' ? sql`true` : sql`${sql.ref(`${alias}.level`)} = ${level}`;

/**
 * The view of one level as a subquery with columns code, name, geom, base_id, drafted: live rows the draft does not
 * replace, and the draft's current copies that still have a geometry. With `upTo`, the view as it was after that
 * step (the checks compare before and after a step).
 */
export function view(draftId: number, level: Level, upTo?: number): RawBuilder<unknown> {
  const current =
    upTo === undefined
      ? sql`f.superseded_step is null`
      : sql`f.step <= ${upTo} and (f.superseded_step is null or f.superseded_step > ${upTo})`;
  return sql`(select l.code::text as code, l.name, l.geom, l.id as base_id, false as drafted
      from ${table(level)} l
      where l.termination_date is null and ${levelFilter(level, 'l')}
        and not exists (select 1 from grid_draft_feature f where f.draft_id = ${draftId} and f.level = ${level}
                        and f.code = l.code and ${current})
    union all
    select f.code, f.name, f.geom, f.base_id, true from grid_draft_feature f
    where f.draft_id = ${draftId} and f.level = ${level} and ${current} and f.geom is not null)`;
}

const parse = (r: {
  level: Level;
  code: string;
  name: string;
  geom: string;
  base_id: number | null;
  drafted: boolean;
}) =>
  ({
    ...r,
    base_id: r.base_id === null ? null : Number(r.base_id),
    geom: JSON.parse(r.geom).coordinates,
  }) as ViewFeature;

/** Coordinates with every digit a double holds (15 decimals), so that a read–write round trip is exact. */
const GEOJSON = (col: RawBuilder<unknown>) => sql`ST_AsGeoJSON(ST_Multi(${col}), 15)`;

/** One feature of the view, or undefined. */
export async function getFeature(trx: Trx, draftId: number, level: Level, code: string) {
  const r = await sql<Parameters<typeof parse>[0]>`
    select ${level} as level, v.code, v.name, ${GEOJSON(sql`v.geom`)} as geom, v.base_id, v.drafted
    from ${view(draftId, level)} v where v.code = ${code}`.execute(trx);
  return r.rows[0] ? parse(r.rows[0]) : undefined;
}

/** Features of every level whose boundary passes within `deg` degrees of a point (those that share a vertex). */
export async function featuresNear(trx: Trx, draftId: number, lon: number, lat: number, deg: number) {
  const p = sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;
  const levels: Level[] = ['grid', 'community', 'street', 'district'];
  const r = await sql<Parameters<typeof parse>[0]>`${sql.join(
    levels.map(
      (
        level,
      ) => sql`(select ${level}::text as level, v.code, v.name, ${GEOJSON(sql`v.geom`)} as geom, v.base_id, v.drafted
        from ${view(draftId, level)} v where v.geom && ST_Expand(${p}, ${deg})
          and ST_DWithin(ST_Boundary(v.geom), ${p}, ${deg}))`,
    ),
    sql` union all `,
  )}`.execute(trx);
  return r.rows.map(parse);
}

/** A geometry for SQL from coordinates. */
export const fromCoords = (coords: MultiPolygonCoords): RawBuilder<unknown> =>
  sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify({ type: 'MultiPolygon', coordinates: coords })}), 4326)`;

/**
 * Writes the draft's copy of a feature at `step` (geom null: the code ends). The copy it replaces, if any, is marked
 * superseded by this step; the live row behind it stays the base.
 */
export async function put(
  trx: Trx,
  draftId: number,
  step: number,
  f: { level: Level; code: string; name: string; geom: RawBuilder<unknown> | null },
): Promise<void> {
  const cur = (
    await sql<{ id: number; base_id: number | null }>`
      update grid_draft_feature set superseded_step = ${step}
      where draft_id = ${draftId} and level = ${f.level} and code = ${f.code} and superseded_step is null
      returning id, base_id`.execute(trx)
  ).rows[0];
  const base = cur
    ? sql`${cur.base_id}::bigint`
    : sql`(select id from ${table(f.level)} where code = ${f.code} and termination_date is null
           and ${f.level === 'grid' ? sql`true` : sql`level = ${f.level}`})`;
  await sql`insert into grid_draft_feature (draft_id, step, level, code, name, geom, base_id)
    values (${draftId}, ${step}, ${f.level}, ${f.code}, ${f.name},
            ${f.geom === null ? sql`null` : sql`ST_Multi(${f.geom})`}, ${base})`.execute(trx);
}

/** Undoes the last step of a draft: its copies go, the copies it superseded come back. Returns the step undone. */
export async function undoLast(trx: Trx, draftId: number): Promise<number | undefined> {
  const last = (
    await sql<{ seq: number }>`select max(seq) as seq from grid_draft_step where draft_id = ${draftId}`.execute(trx)
  ).rows[0]?.seq;
  if (last === null || last === undefined) return undefined;
  await sql`delete from grid_draft_feature where draft_id = ${draftId} and step = ${last}`.execute(trx);
  await sql`update grid_draft_feature set superseded_step = null
    where draft_id = ${draftId} and superseded_step = ${last}`.execute(trx);
  await sql`delete from grid_draft_step where draft_id = ${draftId} and seq = ${last}`.execute(trx);
  return last;
}

/** The codes a draft has touched so far, per level (for checks and what-if). */
export async function draftCodes(trx: Trx, draftId: number): Promise<{ level: Level; code: string }[]> {
  const r = await sql<{ level: Level; code: string }>`
    select level, code from grid_draft_feature where draft_id = ${draftId} and superseded_step is null
    order by level, code`.execute(trx);
  return r.rows;
}
