/**
 * A synthetic component census for the tile benchmark: about `target` points spread evenly over the live grids
 * (ST_GeneratePoints inside each grid, seeded by the grid's id, so a rerun makes the same points), classes cycling
 * through the whole GB/T 47678.5 catalog, 3 % 破损 and 2 % 丢失, 17-digit codes (district + class + serial per
 * district and class), and the grid, community, street and district of the grid each point was made in (the point
 * is inside it, so that is what the position derives). Written straight in SQL: the census import is another bench.
 */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { bumpLayers } from '../../server/db/write.js';

export async function componentCount(database: Database): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from component`.execute(database.db)).rows[0].n;
}

/** Replaces every component by about `target` generated ones (when the table does not already hold that many). */
export async function ensureComponents(
  database: Database,
  target: number,
  log: (msg: string) => void,
): Promise<number> {
  const have = await componentCount(database);
  if (Math.abs(have - target) <= target * 0.05) {
    log(`${have} components already there: keeping them`);
    return have;
  }
  const grids = (
    await sql<{ n: number }>`select count(*)::int as n from unit_grid where termination_date is null`.execute(
      database.db,
    )
  ).rows[0].n;
  const perGrid = Math.max(1, Math.round(target / grids));
  log(`generating ${perGrid} components in each of ${grids} grids`);
  const t0 = Date.now();
  await database.db.transaction().execute(async (trx) => {
    await sql`set local statement_timeout = 0`.execute(trx); // a million rows and their index take minutes
    await sql`update case_record set component_code = null where component_code is not null`.execute(trx);
    await sql`delete from component`.execute(trx);
    await sql`
      with cls as (select array_agg(code::text order by code) as a from category where kind = 'component'),
      pts as (
        select g.code::text as grid_code, g.community_code::text as community_code, g.street_code::text as street_code,
               g.district_code::text as district_code, g.id, (d).path[1] as i, (d).geom as geom
        from unit_grid g, lateral ST_Dump(ST_GeneratePoints(g.geom, ${perGrid}::int, g.id::int)) d
        where g.termination_date is null
      ),
      x as (select p.*, cls.a[1 + ((p.id * 7 + p.i) % array_length(cls.a, 1))] as cls from pts p, cls)
      insert into component (code, category_code, status, geom, grid_code, community_code, street_code, district_code)
      select district_code || cls || lpad(row_number() over (partition by district_code, cls order by id, i)::text, 6, '0'),
             cls, case when (id + i) % 33 = 0 then '破损' when (id + i) % 50 = 0 then '丢失' else '完好' end,
             geom, grid_code, community_code, street_code, district_code
      from x`.execute(trx);
    await bumpLayers(trx, ['components']);
  });
  await sql`analyze component`.execute(database.db);
  const n = await componentCount(database);
  log(`${n} components in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return n;
}
