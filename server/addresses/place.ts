/**
 * Doorplates placed along their road (by its name, an alias or a former name): measure (0–1 along the merged line)
 * and side (-1 left, 1 right of the road's direction), for interpolation between known numbers. A road whose parts
 * do not merge into one line (e.g. one that leaves the district and comes back): the part nearest the doorplate
 * gives the side, and the measure runs along the parts in order, each by its length. Set-based: the names, the
 * selected doorplates and the roads' parts are each computed once per statement.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * The rows of `source` — a query with at least the columns road and geom — with three more: road_id, m (measure) and
 * side, null where the road is not in the gazetteer. (Carrying the source's columns through spares a join back, which
 * the planner may make a nested loop over the materialized rows.)
 */
export function placement(source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`with names as materialized (
      select distinct on (n.name) n.name, n.road_id from road_name n order by n.name, n.kind = 'name' desc, n.road_id),
    dp as materialized (select s.*, nm.road_id from (${source}) s left join names nm on nm.name = s.road),
    parts as materialized (
      select r.id as road_id, x.k, x.line, ST_Length(x.line) as len,
             coalesce(sum(ST_Length(x.line)) over (partition by r.id order by x.k
               rows between unbounded preceding and 1 preceding), 0) as before,
             sum(ST_Length(x.line)) over (partition by r.id) as total
      from road r cross join lateral (
        select coalesce(p.path[1], 1) as k, p.geom as line from ST_Dump(
          case when GeometryType(ST_LineMerge(r.geom)) = 'LINESTRING' then ST_LineMerge(r.geom) else r.geom end) p) x
      where r.id in (select road_id from dp))
    select dp.*,
           case when q.len = q.total then l.m else (q.before + l.m * q.len) / nullif(q.total, 0) end as m,
           -sign((ST_X(l.b) - ST_X(l.a)) * (ST_Y(dp.geom) - ST_Y(l.a)) - (ST_Y(l.b) - ST_Y(l.a)) * (ST_X(dp.geom) - ST_X(l.a)))::smallint as side
    from dp
    left join lateral (select * from parts where parts.road_id = dp.road_id
                       order by ST_Distance(parts.line, dp.geom), parts.k limit 1) q on true
    cross join lateral (select ST_LineLocatePoint(q.line, dp.geom) as m) m0
    cross join lateral (select m0.m,
        ST_LineInterpolatePoint(q.line, greatest(m0.m - 0.001, 0)) as a,
        ST_LineInterpolatePoint(q.line, least(m0.m + 0.001, 1)) as b) l`;
}

/** Places the stored doorplates that `where` selects (over the alias d2); rows whose placement is unchanged stay. */
export async function placeDoorplates(trx: Transaction<DB>, where: RawBuilder<unknown>): Promise<void> {
  await sql`with placed as materialized (${placement(sql`select d2.id, d2.road, d2.geom from doorplate d2 where ${where}`)})
    update doorplate d set road_id = p.road_id, measure = p.m, side = p.side from placed p
    where d.id = p.id and (d.road_id, d.measure, d.side) is distinct from (p.road_id, p.m, p.side)`.execute(trx);
}
