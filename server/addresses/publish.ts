/**
 * Publishing a checked gazetteer file: one transaction. Roads first (by name), then their names (the current one
 * and the aliases; former names are kept), doorplates (by road + number + building; placed along their road: measure
 * 0–1 and side), landmarks (by name). A stored row that changed goes to address_history first; an identical one is
 * left alone.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export interface AddressCounts {
  roads: { inserted: number; updated: number; unchanged: number };
  doorplates: { inserted: number; updated: number; unchanged: number };
  landmarks: { inserted: number; updated: number; unchanged: number };
}

const history = (kind: string, key: string, alias: string) =>
  sql.raw(`insert into address_history (kind, key, version, attrs, geom, valid_from, valid_to, ended_by)
    select '${kind}', ${key}, ${alias}.version, to_jsonb(${alias}) - 'geom', ${alias}.geom, ${alias}.valid_from, now(), 'import'`);

export async function publishAddresses(trx: Transaction<DB>, table: string): Promise<AddressCounts> {
  const t = sql.table(table);
  await sql`lock table road, doorplate, landmark in share row exclusive mode`.execute(trx);

  // Roads: the geometry or the aliases changed → update.
  await sql`update ${t} s set action = case
      when r.id is null then 'insert'
      when ST_Equals(r.geom, ST_Multi(s.geom)) and r.geom = ST_Multi(s.geom)
       and (select coalesce(jsonb_agg(n.name order by n.name), '[]') from road_name n where n.road_id = r.id and n.kind = 'alias')
           = (select coalesce(jsonb_agg(a order by a), '[]') from jsonb_array_elements_text(s.aliases) a) then 'same'
      else 'update' end
    from (select s2.idx, (select r2.id from road r2 where r2.name = s2.name order by r2.id limit 1) as id
          from ${t} s2 where s2.kind = 'road') m left join road r on r.id = m.id
    where s.idx = m.idx`.execute(trx);
  await sql`${history('road', 'r.name', 'r')} from road r join ${t} s on s.kind = 'road' and s.name = r.name
    where s.action = 'update'`.execute(trx);
  await sql`update road r set geom = ST_Multi(s.geom), district_code = s.district_code, version = r.version + 1,
      valid_from = now() from ${t} s where s.kind = 'road' and s.name = r.name and s.action = 'update'`.execute(trx);
  await sql`insert into road (name, geom, district_code)
    select name, ST_Multi(geom), district_code from ${t} where kind = 'road' and action = 'insert' order by idx`.execute(
    trx,
  );
  await sql`delete from road_name n using road r, ${t} s
    where n.road_id = r.id and r.name = s.name and s.kind = 'road' and s.action <> 'same' and n.kind <> 'former'`.execute(
    trx,
  );
  await sql`insert into road_name (road_id, name, kind)
    select r.id, s.name, 'name' from road r join ${t} s on s.kind = 'road' and s.name = r.name and s.action <> 'same'
    union
    select r.id, a, 'alias' from road r join ${t} s on s.kind = 'road' and s.name = r.name and s.action <> 'same',
      jsonb_array_elements_text(s.aliases) a where a <> s.name
    on conflict (road_id, name) do update set kind = excluded.kind, valid_to = null`.execute(trx);

  // Doorplates: position along the road (by its current name or an alias).
  await sql`update ${t} s set action = case when d.id is null then 'insert'
      when d.geom = s.geom then 'same' else 'update' end
    from ${t} s2 left join doorplate d on d.road = s2.name and d.number = s2.number and d.building = s2.building
    where s.idx = s2.idx and s.kind = 'doorplate'`.execute(trx);
  await sql`${history('doorplate', "d.road || '|' || d.number || '|' || d.building", 'd')}
    from doorplate d join ${t} s on s.kind = 'doorplate' and d.road = s.name and d.number = s.number
      and d.building = s.building where s.action = 'update'`.execute(trx);
  await sql`update doorplate d set geom = s.geom, number_int = s.number_int, grid_code = s.grid_code,
      community_code = s.community_code, street_code = s.street_code, district_code = s.district_code,
      version = d.version + 1, valid_from = now()
    from ${t} s where s.kind = 'doorplate' and s.action = 'update' and d.road = s.name and d.number = s.number
      and d.building = s.building`.execute(trx);
  await sql`insert into doorplate (road, number, number_int, building, geom, grid_code, community_code, street_code,
      district_code)
    select name, number, number_int, building, geom, grid_code, community_code, street_code, district_code
    from ${t} where kind = 'doorplate' and action = 'insert' order by idx`.execute(trx);
  await placeDoorplates(
    trx,
    sql`d2.road in (select name from ${t} where kind in ('doorplate', 'road') and action <> 'same')`,
  );

  // Landmarks.
  await sql`update ${t} s set action = case when l.id is null then 'insert'
      when l.geom = s.geom and l.aliases = array(select jsonb_array_elements_text(s.aliases)) and l.kind = s.category
      then 'same' else 'update' end
    from ${t} s2 left join landmark l on l.name = s2.name
    where s.idx = s2.idx and s.kind = 'landmark'`.execute(trx);
  await sql`${history('landmark', 'l.name', 'l')} from landmark l join ${t} s on s.kind = 'landmark' and s.name = l.name
    where s.action = 'update'`.execute(trx);
  await sql`update landmark l set geom = s.geom, aliases = array(select jsonb_array_elements_text(s.aliases)),
      kind = s.category, grid_code = s.grid_code, community_code = s.community_code, street_code = s.street_code,
      district_code = s.district_code, version = l.version + 1, valid_from = now()
    from ${t} s where s.kind = 'landmark' and s.action = 'update' and l.name = s.name`.execute(trx);
  await sql`insert into landmark (name, aliases, kind, geom, grid_code, community_code, street_code, district_code)
    select name, array(select jsonb_array_elements_text(aliases)), category, geom, grid_code, community_code,
           street_code, district_code
    from ${t} where kind = 'landmark' and action = 'insert' order by idx`.execute(trx);

  const r = await sql<{ kind: string; action: string; n: number }>`
    select kind, action, count(*)::int as n from ${t} group by kind, action`.execute(trx);
  const of = (kind: string) => {
    const n = (a: string) => r.rows.find((x) => x.kind === kind && x.action === a)?.n ?? 0;
    return { inserted: n('insert'), updated: n('update'), unchanged: n('same') };
  };
  return { roads: of('road'), doorplates: of('doorplate'), landmarks: of('landmark') };
}

/**
 * Links doorplates to their road (by its name or an alias) and places them along it: measure (0–1 along the merged
 * line) and side (-1 left, 1 right of the road's direction), for interpolation between known numbers.
 */
/** `where` selects doorplates over the alias d2. */
export async function placeDoorplates(trx: Transaction<DB>, where: RawBuilder<unknown>): Promise<void> {
  await sql`update doorplate d set road_id = p.road_id, measure = p.m, side = p.side
    from (
      select d2.id, r.id as road_id, l.m,
             -sign((ST_X(l.b) - ST_X(l.a)) * (ST_Y(d2.geom) - ST_Y(l.a)) - (ST_Y(l.b) - ST_Y(l.a)) * (ST_X(d2.geom) - ST_X(l.a)))::smallint as side
      from doorplate d2
      join lateral (select n.road_id from road_name n where n.name = d2.road order by n.kind = 'name' desc, n.road_id limit 1) rn on true
      join road r on r.id = rn.road_id
      cross join lateral (select line, ST_LineLocatePoint(line, d2.geom) as m from (
          select case when GeometryType(ST_LineMerge(r.geom)) = 'LINESTRING' then ST_LineMerge(r.geom)
                      else ST_GeometryN(r.geom, 1) end as line) x) q
      cross join lateral (select q.m,
          ST_LineInterpolatePoint(q.line, greatest(q.m - 0.001, 0)) as a,
          ST_LineInterpolatePoint(q.line, least(q.m + 0.001, 1)) as b) l
      where ${where}) p
    where d.id = p.id`.execute(trx);
}
