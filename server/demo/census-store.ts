/**
 * Writes the demo census: set-based inserts of a few thousand rows each (one `insert … select from unnest(…)` per
 * batch, the same on PostgreSQL and PGlite). The same statement derives every component's unit grid, community,
 * street and district from its position by the foundation's boundary rule (the live grid covering the point; on a
 * shared boundary the lowest code): a lateral lookup per row is about twice as fast as an update afterwards, which
 * rewrites every row and its index entries once more.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { CensusRow } from './census-params.js';

const BATCH = 4000;

export async function insertCensus(trx: Transaction<DB>, rows: CensusRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    const col = <T>(f: (r: CensusRow) => T) => b.map(f);
    await sql`
      insert into component (code, category_code, name, owner_code, owner_name, title_code, title_name,
        maintainer_code, maintainer_name, status, geom, initial_date, change_date, data_source, note, accuracy, extras,
        grid_code, community_code, street_code, district_code)
      select t.code, cls, t.name, owner_code, owner_name, title_code, title_name, maintainer_code, maintainer_name, status,
        p.geom, initial_date::date, change_date::date, data_source, note, accuracy,
        case when road is null then '{}'::jsonb else jsonb_build_object('road', road) end,
        u.code, u.community_code, u.street_code, u.district_code
      from unnest(${col((r) => r.code)}::text[], ${col((r) => r.cls)}::text[], ${col((r) => r.name)}::text[],
        ${col((r) => r.ownerCode)}::text[], ${col((r) => r.ownerName)}::text[], ${col((r) => r.titleCode)}::text[],
        ${col((r) => r.titleName)}::text[], ${col((r) => r.maintainerCode)}::text[],
        ${col((r) => r.maintainerName)}::text[], ${col((r) => r.status)}::text[], ${col((r) => r.lon)}::float8[],
        ${col((r) => r.lat)}::float8[], ${col((r) => r.initialDate)}::text[], ${col((r) => r.changeDate)}::text[],
        ${col((r) => r.dataSource)}::text[], ${col((r) => r.note)}::text[], ${col((r) => r.accuracy)}::text[],
        ${col((r) => r.road ?? null)}::text[])
        as t(code, cls, name, owner_code, owner_name, title_code, title_name, maintainer_code, maintainer_name, status,
          lon, lat, initial_date, change_date, data_source, note, accuracy, road)
        cross join lateral (select ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) as geom) p
        left join lateral (
          select g.code, g.community_code, g.street_code, g.district_code from unit_grid g
          where g.termination_date is null and ST_Covers(g.geom, p.geom) order by g.code limit 1) u on true`.execute(
      trx,
    );
  }
  // Fresh planner statistics for the queries that follow (PGlite runs no autovacuum).
  await sql`analyze component`.execute(trx);
}
