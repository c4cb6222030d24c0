/**
 * Publishing a checked census: one transaction through the write path. A staged code not stored is inserted; a
 * stored one whose attributes or geometry differ ends its row (copied into component_history with the period it was
 * valid) and starts a new one (version + 1); an identical one is left alone, so re-importing a file changes nothing.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { CensusStage } from './census-stage.js';

export interface PublishCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** The census attributes an import compares and writes: component column ← staging column. */
const ATTRS: [string, string][] = [
  ['category_code', 'cls'],
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
const cast = (c: string, alias: string) =>
  c === 'cls' ? `${alias}.cls::char(5)` : c === 'accuracy' ? `${alias}.accuracy::char(1)` : `${alias}.${c}`;
const staged = (cols: string[], alias: string) => sql.raw(cols.map((c) => cast(c, alias)).join(', '));

/** An import that inserts at least this many rows, and at least as many as are stored, loads in bulk. */
export const BULK_ROWS = 50_000;

export async function publishCensus(trx: Transaction<DB>, stage: CensusStage): Promise<PublishCounts> {
  const t = sql.table(stage.table);
  // Edits of single components wait for the import (and the import for them): no row changes in between.
  await sql`lock table component in share row exclusive mode`.execute(trx);
  // A table (CSV, XLSX) carries a line's or polygon's point on surface: that point keeps the stored geometry.
  await sql`update ${t} s set geom = c.geom, point = false from component c
    where c.code = s.code and s.point and GeometryType(c.geom) <> 'POINT'
      and ST_DWithin(ST_PointOnSurface(c.geom), s.geom, 1e-7)`.execute(trx);
  // A staged code already stored is 'same' or 'update'; the others (action null) are inserted.
  const matched = await sql`update ${t} s set action = case when (${list(
    COMPARED.map(([c]) => c),
    'c',
  )})
      is not distinct from (${staged(
        COMPARED.map(([, s]) => s),
        's',
      )}) then 'same' else 'update' end
    from component c where c.code = s.code`.execute(trx);
  const stored = Number(matched.numAffectedRows ?? 0);
  await sql`insert into component_history (code, version, attrs, geom, valid_from, valid_to, ended_by)
    select c.code, c.version, to_jsonb(c) - 'geom', c.geom, c.valid_from, now(), 'import'
    from component c join ${t} s on s.code = c.code where s.action = 'update'`.execute(trx);
  const updated = await sql`update component c set (${list(ATTRS.map(([c]) => c))}) = (${staged(
    ATTRS.map(([, s]) => s),
    's',
  )}), version = c.version + 1, valid_from = now()
    from ${t} s where s.code = c.code and s.action = 'update'`.execute(trx);
  // Derived regions follow the position even when nothing else changed (a grid edit since the last import).
  await sql`update component c set (grid_code, community_code, street_code, district_code) =
      (s.grid_code, s.community_code, s.street_code, s.district_code)
    from ${t} s where s.code = c.code and s.action = 'same'
      and (c.grid_code, c.community_code, c.street_code, c.district_code)
          is distinct from (s.grid_code, s.community_code, s.street_code, s.district_code)`.execute(trx);
  const inserting = stage.size - stored;
  const bulk = inserting >= BULK_ROWS && inserting >= (await storedCount(trx, inserting));
  const rebuild = bulk ? await dropSecondary(trx) : [];
  const inserted = await sql`insert into component (code, ${list(ATTRS.map(([c]) => c))})
    select s.code, ${staged(
      ATTRS.map(([, s]) => s),
      's',
    )} from ${t} s where s.action is null order by s.code`.execute(trx);
  for (const statement of rebuild) await sql.raw(statement).execute(trx);
  const n = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);
  return { inserted: n(inserted), updated: n(updated), unchanged: stored - n(updated) };
}

/** Stored components, counted up to `enough`. */
async function storedCount(trx: Transaction<DB>, enough: number): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from (select 1 from component limit ${enough}) c`.execute(trx);
  return r.rows[0].n;
}

/**
 * A bulk load (the first census, or one that at least doubles it) is faster into a table without its secondary
 * indexes and foreign keys, built again in one pass each (the primary key stays). Readers wait for the publishing
 * transaction meanwhile. Returns the statements that restore them, as the catalog defines them.
 */
async function dropSecondary(trx: Transaction<DB>): Promise<string[]> {
  const r = await sql<{ name: string; def: string; fk: boolean }>`
    select c.conname as name, pg_get_constraintdef(c.oid) as def, true as fk from pg_constraint c
    where c.conrelid = 'component'::regclass and c.contype = 'f'
    union all
    select i.relname, pg_get_indexdef(i.oid), false from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = 'component'::regclass and not x.indisprimary and not x.indisunique
      and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)
    order by 3 desc, 1`.execute(trx);
  const restore: string[] = [];
  for (const { name, def, fk } of r.rows) {
    if (fk) {
      await sql`alter table component drop constraint ${sql.id(name)}`.execute(trx);
      restore.push(`alter table component add constraint "${name.replace(/"/g, '""')}" ${def}`);
    } else {
      await sql`drop index ${sql.id(name)}`.execute(trx);
      restore.push(def);
    }
  }
  // Indexes first, then the foreign keys (each checked by one query over the table).
  return [...restore.filter((s) => !s.startsWith('alter')), ...restore.filter((s) => s.startsWith('alter'))];
}
