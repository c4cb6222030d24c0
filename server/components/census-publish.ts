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

export async function publishCensus(trx: Transaction<DB>, stage: CensusStage): Promise<PublishCounts> {
  const t = sql.table(stage.table);
  // Edits of single components wait for the import (and the import for them): no row changes in between.
  await sql`lock table component in share row exclusive mode`.execute(trx);
  // A table (CSV, XLSX) carries a line's or polygon's point on surface: that point keeps the stored geometry.
  await sql`update ${t} s set geom = c.geom, point = false from component c
    where c.code = s.code and s.point and GeometryType(c.geom) <> 'POINT'
      and ST_DWithin(ST_PointOnSurface(c.geom), s.geom, 1e-7)`.execute(trx);
  await sql`update ${t} set action = 'insert'`.execute(trx);
  await sql`update ${t} s set action = case when (${list(
    COMPARED.map(([c]) => c),
    'c',
  )})
      is not distinct from (${staged(
        COMPARED.map(([, s]) => s),
        's',
      )}) then 'same' else 'update' end
    from component c where c.code = s.code`.execute(trx);
  await sql`insert into component_history (code, version, attrs, geom, valid_from, valid_to, ended_by)
    select c.code, c.version, to_jsonb(c) - 'geom', c.geom, c.valid_from, now(), 'import'
    from component c join ${t} s on s.code = c.code where s.action = 'update'`.execute(trx);
  await sql`update component c set (${list(ATTRS.map(([c]) => c))}) = (${staged(
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
  await sql`insert into component (code, ${list(ATTRS.map(([c]) => c))})
    select s.code, ${staged(
      ATTRS.map(([, s]) => s),
      's',
    )} from ${t} s where s.action = 'insert'`.execute(trx);
  const counts = await sql<{ action: string; n: number }>`
    select action, count(*)::int as n from ${t} group by action`.execute(trx);
  const n = (a: string) => counts.rows.find((r) => r.action === a)?.n ?? 0;
  return { inserted: n('insert'), updated: n('update'), unchanged: n('same') };
}
