/**
 * The end of an import: which staged rows are new, replacements or unchanged (worked out slice by slice), then ONE
 * short transaction that ends the replaced rows and inserts the new ones from the staging table, where everything
 * is already computed. Readers see the regions before or after the import, never a part of it.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { deriveComponentRegions } from '../components/queries.js';
import type { DB } from '../db/schema.js';
import { HttpError } from '../http/problem.js';
import { sliced, type Stage } from './stage.js';
import { LEVEL_ORDER } from './validate.js';

export const REGION_LAYERS = ['districts', 'streets', 'communities', 'grids'];

export type Counts = Record<
  'district' | 'street' | 'community' | 'grid',
  { inserted: number; replaced: number; unchanged: number }
>;

/** The region layers' versions: any write to regions or grids changes them (the write path bumps them). */
export async function regionsVersion(db: Kysely<DB>): Promise<string> {
  const r = await sql<{ v: string }>`
    select string_agg(layer || ':' || version, ',' order by layer) as v from tile_layer_version
    where layer = any(${REGION_LAYERS}::text[])`.execute(db);
  return r.rows[0]?.v ?? '';
}

/** Marks each staged row insert, replace or unchanged against the live rows. */
export async function plan(stage: Stage): Promise<void> {
  const t = sql.table(stage.table);
  await sliced(stage, async (from, to) => {
    await sql`update ${t} s set action = case
        when live.code is null then 'insert'
        when live.name = s.name and ST_Equals(live.geom, s.multi) and ST_AsBinary(live.geom) = ST_AsBinary(s.multi)
          then 'unchanged'
        else 'replace' end
      from (select s.idx, coalesce(r.code, g.code) as code, coalesce(r.name, g.name) as name,
                   coalesce(r.geom, g.geom) as geom
            from ${t} s
            left join region r on s.level <> 'grid' and r.code = s.code and r.termination_date is null
            left join unit_grid g on s.level = 'grid' and g.code = s.code and g.termination_date is null
            where s.idx >= ${from} and s.idx < ${to}) live
      where live.idx = s.idx`.execute(stage.db);
    return [];
  });
}

export class RegionsChanged extends HttpError {
  constructor() {
    super(
      409,
      'regions-changed',
      'Regions changed during the import',
      'the regions or grids were changed by another write while this file was being checked; nothing was imported — send the file again',
    );
  }
}

/**
 * Inside the import's one transaction: refuses when the regions changed since `version` was read, then writes.
 * Returns the counts per level and action.
 */
export async function publish(trx: Transaction<DB>, stage: Stage, version: string): Promise<Counts> {
  if ((await regionsVersion(trx)) !== version) throw new RegionsChanged();
  const t = sql.table(stage.table);
  await sql`update region set termination_date = current_date, updated_at = now()
    where termination_date is null
      and code in (select code from ${t} where action = 'replace' and level <> 'grid')`.execute(trx);
  await sql`update unit_grid set termination_date = current_date, updated_at = now()
    where termination_date is null
      and code in (select code from ${t} where action = 'replace' and level = 'grid')`.execute(trx);
  // A code's version goes on across its rows (the ETag of grid edits): a replaced row's successor counts on.
  await sql`insert into region (code, level, parent_code, district_code, name, geom, area_m2, version)
    select s.code, s.level, case when s.level = 'district' then null else left(s.code, length(s.code) - 3) end,
           left(s.code, 6), s.name, s.multi, s.area_m2,
           coalesce((select max(r.version) from region r where r.code = s.code and r.level = s.level), 0) + 1
    from ${t} s where s.level <> 'grid' and s.action <> 'unchanged'
    order by length(s.code), s.code`.execute(trx);
  await sql`insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2, version)
    select s.code, s.name, left(s.code, 12), left(s.code, 9), left(s.code, 6), s.multi, s.area_m2,
           coalesce((select max(g.version) from unit_grid g where g.code = s.code), 0) + 1
    from ${t} s where s.level = 'grid' and s.action <> 'unchanged'
    order by s.code`.execute(trx);
  // Components follow their position: those in a new or changed region or grid, or in a replaced grid, again.
  await deriveComponentRegions(
    trx,
    sql`c.geom is not null and (c.grid_code in (select code from ${t} where action = 'replace' and level = 'grid')
      or exists (select 1 from ${t} s where s.action <> 'unchanged' and s.geom && c.geom and ST_Intersects(s.geom, c.geom)))`,
  );
  const rows = await sql<{ level: string; action: string; n: number }>`
    select level, action, count(*)::int as n from ${t} group by level, action`.execute(trx);
  const counts = Object.fromEntries(LEVEL_ORDER.map((l) => [l, { inserted: 0, replaced: 0, unchanged: 0 }])) as Counts;
  for (const r of rows.rows) {
    const c = counts[r.level as keyof Counts];
    if (r.action === 'insert') c.inserted = r.n;
    else if (r.action === 'replace') c.replaced = r.n;
    else c.unchanged = r.n;
  }
  return counts;
}
