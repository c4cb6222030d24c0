/**
 * Publishing a checked census: one transaction through the write path. A staged code not stored is inserted; a
 * stored one whose attributes or geometry differ ends its row (copied into component_history with the period it was
 * valid) and starts a new one (version + 1); an identical one is left alone, so re-importing a file changes nothing.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { stageTables, type CensusStage } from './census-stage.js';

export interface PublishCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** The census attributes an import compares and writes: component column ← staging column. */
const ATTRS: [string, string][] = [
  ['category_code', 'category_code'],
  ['name', 'name'],
  ['owner_code', 'owner_code'],
  ['owner_name', 'owner_name'],
  ['title_code', 'title_code'],
  ['title_name', 'title_name'],
  ['maintainer_code', 'maintainer_code'],
  ['maintainer_name', 'maintainer_name'],
  ['given_grid_code', 'given_grid_code'],
  ['status', 'status'],
  ['initial_date', 'initial_date'],
  ['change_date', 'change_date'],
  ['data_source', 'data_source'],
  ['note', 'note'],
  ['accuracy', 'accuracy'],
  ['photos', 'photos'],
  ['extras', 'extras'],
  ['geom', 'geom'],
  ['grid_code', 'grid_code'],
  ['community_code', 'community_code'],
  ['street_code', 'street_code'],
  ['district_code', 'district_code'],
];
const COMPARED = ATTRS.filter(([c]) => !['grid_code', 'community_code', 'street_code', 'district_code'].includes(c));

const list = (cols: string[], alias?: string) => sql.raw(cols.map((c) => (alias ? `${alias}.${c}` : c)).join(', '));
const staged = (cols: string[], alias: string) => sql.raw(cols.map((c) => `${alias}.${c}`).join(', '));

/** An import that inserts at least this many rows, and at least as many as are stored, loads in bulk. */
export const BULK_ROWS = 50_000;

/** `steps` receives the milliseconds of the insert (publish_insert) and of the indexes rebuilt after it. */
export async function publishCensus(
  trx: Transaction<DB>,
  stage: CensusStage,
  steps: Record<string, number> = {},
): Promise<PublishCounts> {
  const started = Date.now();
  const t = stageTables(stage);
  const actions = t.actions;
  // Edits of single components wait for the import (and the import for them): no row changes in between.
  await sql`lock table component in share row exclusive mode`.execute(trx);
  const any = await sql<{ any: boolean }>`select exists (select 1 from component) as any`.execute(trx);
  // A table (CSV, XLSX) carries a line's or polygon's point on surface: that point keeps the stored geometry.
  if (any.rows[0].any)
    await sql`update ${t.rows} s set geom = c.geom, point = false from component c, ${t.view} v
      where v.idx = s.idx and c.code = v.code and v.point and GeometryType(c.geom) <> 'POINT'
        and ST_DWithin(ST_PointOnSurface(c.geom), v.geom, 1e-7)`.execute(trx);
  // A staged code already stored is 'same', 'update' or 'regions' (the same but for the derived regions: a grid
  // edit since the last import); the others are inserted. Each kind is then joined back only if there is any.
  const regions = ['grid_code', 'community_code', 'street_code', 'district_code'];
  await sql`create unlogged table ${actions} as select v.idx, v.code, case
      when (${list(
        COMPARED.map(([c]) => c),
        'c',
      )}) is distinct from (${staged(
        COMPARED.map(([, s]) => s),
        'v',
      )}) then 'update'
      when (${list(regions, 'c')}) is distinct from (${list(regions, 'v')}) then 'regions'
      else 'same' end as action
    from ${t.view} v join component c on c.code = v.code ${any.rows[0].any ? sql`` : sql`where false`}`.execute(trx);
  const kinds = await sql<{ action: string; n: number }>`
    select action, count(*)::int as n from ${actions} group by 1`.execute(trx);
  const count = (action: string) => kinds.rows.find((k) => k.action === action)?.n ?? 0;
  const stored = count('update') + count('regions') + count('same');
  let updated = 0;
  if (count('update')) {
    await sql`insert into component_history (code, version, attrs, geom, valid_from, valid_to, ended_by)
      select c.code, c.version, to_jsonb(c) - 'geom', c.geom, c.valid_from, now(), 'import'
      from component c join ${actions} a on a.code = c.code where a.action = 'update'`.execute(trx);
    const u = await sql`update component c set (${list(ATTRS.map(([c]) => c))}) = (${staged(
      ATTRS.map(([, s]) => s),
      'v',
    )}), version = c.version + 1, valid_from = now()
      from ${actions} a join ${t.view} v on v.idx = a.idx where v.code = c.code and a.action = 'update'`.execute(trx);
    updated = Number(u.numAffectedRows ?? 0);
  }
  // Derived regions follow the position even when nothing else changed.
  if (count('regions'))
    await sql`update component c set (${list(regions)}) = (${list(regions, 'v')})
      from ${actions} a join ${t.view} v on v.idx = a.idx where v.code = c.code and a.action = 'regions'`.execute(trx);
  const inserting = stage.size - stored;
  const bulk = inserting >= BULK_ROWS && inserting >= (await storedCount(trx, inserting));
  const rebuild = bulk ? await dropIndexes(trx) : [];
  const inserted = await sql`insert into component (code, ${list(ATTRS.map(([c]) => c))})
    select v.code, ${staged(
      ATTRS.map(([, s]) => s),
      'v',
    )} from ${t.view} v where not exists (select 1 from ${actions} a where a.idx = v.idx)
    ${bulk ? sql`` : sql`order by v.code`}`.execute(trx);
  const insertedAt = Date.now();
  for (const statement of rebuild) await sql.raw(statement).execute(trx);
  steps.publish_compare_insert = insertedAt - started;
  steps.publish_indexes = Date.now() - insertedAt;
  const n = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);
  return { inserted: n(inserted), updated, unchanged: stored - updated };
}

/** Stored components, counted up to `enough`. */
async function storedCount(trx: Transaction<DB>, enough: number): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from (select 1 from component limit ${enough}) c`.execute(trx);
  return r.rows[0].n;
}

/**
 * A bulk load (the first census, or one that at least doubles it) is faster into a table without its indexes and
 * foreign keys, built again in one pass each: the secondary ones, and the primary key too when no foreign key
 * references it (the staged codes were checked unique and apart from the stored ones). Readers wait for the
 * publishing transaction meanwhile. Returns the statements that restore them, as the catalog defines them.
 */
export async function dropIndexes(trx: Transaction<DB>): Promise<string[]> {
  const r = await sql<{ name: string; def: string; fk: boolean; pk: boolean }>`
    select c.conname as name, pg_get_constraintdef(c.oid) as def, c.contype = 'f' as fk, c.contype = 'p' as pk
    from pg_constraint c
    where c.conrelid = 'component'::regclass and (c.contype = 'f'
      or c.contype = 'p' and not exists (select 1 from pg_constraint r where r.confrelid = 'component'::regclass))
    union all
    select i.relname, pg_get_indexdef(i.oid), false, false from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = 'component'::regclass and not x.indisprimary and not x.indisunique
      and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)
    order by 3 desc, 4 desc, 1`.execute(trx);
  const keys: string[] = [];
  const indexes: string[] = [];
  const foreign: string[] = [];
  for (const { name, def, fk, pk } of r.rows) {
    if (fk || pk) {
      await sql`alter table component drop constraint ${sql.id(name)}`.execute(trx);
      (pk ? keys : foreign).push(`alter table component add constraint "${name.replace(/"/g, '""')}" ${def}`);
    } else {
      await sql`drop index ${sql.id(name)}`.execute(trx);
      indexes.push(def);
    }
  }
  // The primary key, the indexes, then the foreign keys (each checked by one query over the table).
  return [...keys, ...indexes, ...foreign];
}
