/**
 * Publishing a checked gazetteer file: one transaction. Roads first — matched by their current name, else renamed
 * (a road row whose name is new and one of whose `former` names is a live road's current name) — then their names
 * (the current one, the aliases, the former names with the day each ended; stored former names are kept),
 * doorplates (by road + number + building; placed along their road: measure 0–1 and side), landmarks (by name). A
 * stored row that changed goes to address_history first; an identical one is left alone. A renamed road's doorplates
 * follow its new name (each with its history row).
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { placeDoorplates, placement } from './place.js';

export interface Count {
  inserted: number;
  updated: number;
  unchanged: number;
}
export interface AddressCounts {
  /** renamed: roads renamed (a new name whose former name was the road's current name). */
  roads: Count & { renamed: number };
  /** renamed: stored doorplates that followed their road's new name. */
  doorplates: Count & { renamed: number };
  landmarks: Count;
}

const history = (kind: string, key: string, alias: string) =>
  sql.raw(`insert into address_history (kind, key, version, attrs, geom, valid_from, valid_to, ended_by)
    select '${kind}', ${key}, ${alias}.version, to_jsonb(${alias}) - 'geom', ${alias}.geom, ${alias}.valid_from, now(), 'import'`);

/** The staged road's given end date of the former name `name` (null: not given). */
const givenUntil = (name: RawBuilder<unknown>) =>
  sql`(select (e->>'until')::date from jsonb_array_elements(s.former) e where e->>'name' = ${name})`;

export async function publishAddresses(trx: Transaction<DB>, table: string): Promise<AddressCounts> {
  const t = sql.table(table);
  await sql`lock table road, road_name, doorplate, landmark in share row exclusive mode`.execute(trx);

  // Roads: the stored road of the same name, else the live road a former name names (a rename).
  await sql`update ${t} s set target = m.id, old_name = m.old
    from (select s2.idx, coalesce(l.id, f.id) as id, case when l.id is null then f.name end as old
          from ${t} s2
          left join lateral (select r.id from road r where r.name = s2.name order by r.id limit 1) l on true
          left join lateral (select r.id, r.name from road r join jsonb_array_elements(s2.former) e
                             on r.name = e->>'name' order by r.id limit 1) f on true
          where s2.kind = 'road') m
    where s.idx = m.idx`.execute(trx);
  // Same: geometry, aliases, and every given former name stored (with its end day, where given).
  await sql`update ${t} s set action = case
      when m.target is null then 'insert'
      when s.old_name is not null then 'rename'
      when ST_Equals(r.geom, ST_Multi(s.geom)) and r.geom = ST_Multi(s.geom)
       and (select coalesce(jsonb_agg(n.name order by n.name), '[]') from road_name n where n.road_id = r.id and n.kind = 'alias')
           = (select coalesce(jsonb_agg(a order by a), '[]') from jsonb_array_elements_text(s.aliases) a)
       and not exists (select 1 from jsonb_array_elements(s.former) e where not exists (
           select 1 from road_name n where n.road_id = r.id and n.kind = 'former' and n.name = e->>'name'
             and (e->>'until' is null or n.valid_to = (e->>'until')::date))) then 'same'
      else 'update' end
    from (select idx, target from ${t} where kind = 'road') m left join road r on r.id = m.target
    where s.idx = m.idx`.execute(trx);
  await sql`${history('road', 'r.name', 'r')} from road r join ${t} s on s.kind = 'road' and s.target = r.id
    where s.action in ('update', 'rename')`.execute(trx);
  await sql`update road r set name = s.name, geom = ST_Multi(s.geom), district_code = s.district_code,
      version = r.version + 1, valid_from = now()
    from ${t} s where s.kind = 'road' and s.target = r.id and s.action in ('update', 'rename')`.execute(trx);
  await sql`insert into road (name, geom, district_code)
    select name, ST_Multi(geom), district_code from ${t} where kind = 'road' and action = 'insert' order by idx`.execute(
    trx,
  );
  await sql`update ${t} s set target = (select r.id from road r where r.name = s.name order by r.id limit 1)
    where s.kind = 'road' and s.action = 'insert'`.execute(trx);

  // A renamed road's doorplates follow its new name.
  await sql`${history('doorplate', "d.road || '|' || d.number || '|' || d.building", 'd')}
    from doorplate d join ${t} s on s.action = 'rename' and d.road = s.old_name`.execute(trx);
  const followed = await sql<{ n: number }>`with u as (
      update doorplate d set road = s.name, version = d.version + 1, valid_from = now()
      from ${t} s where s.action = 'rename' and d.road = s.old_name returning 1)
    select count(*)::int as n from u`.execute(trx);

  // Names: the current one (a renamed road's new name valid from the day its old one ended), the aliases, then the
  // former names (stored ones are kept; a former name without a given day keeps its stored day, or gets today).
  await sql`delete from road_name n using ${t} s
    where n.road_id = s.target and s.kind = 'road' and s.action <> 'same' and n.kind <> 'former' and n.name <> s.name`.execute(
    trx,
  );
  await sql`insert into road_name (road_id, name, kind, valid_from)
    select s.target, s.name, 'name',
           case when s.action = 'rename' then coalesce(${givenUntil(sql`s.old_name`)}, current_date) end
    from ${t} s where s.kind = 'road' and s.action <> 'same'
    union
    select s.target, a, 'alias', null from ${t} s, jsonb_array_elements_text(s.aliases) a
    where s.kind = 'road' and s.action <> 'same' and a <> s.name
    on conflict (road_id, name) do update set kind = excluded.kind, valid_to = null,
      valid_from = coalesce(excluded.valid_from, road_name.valid_from)`.execute(trx);
  await sql`insert into road_name (road_id, name, kind, valid_to)
    select s.target, e->>'name', 'former', (e->>'until')::date
    from ${t} s, jsonb_array_elements(s.former) e where s.kind = 'road' and s.action <> 'same'
    on conflict (road_id, name) do update set kind = 'former',
      valid_to = coalesce(excluded.valid_to, case when road_name.kind = 'former' then road_name.valid_to end)`.execute(
    trx,
  );
  await sql`update road_name set valid_to = current_date
    where kind = 'former' and valid_to is null
      and road_id in (select target from ${t} where kind = 'road' and action <> 'same')`.execute(trx);

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
  // Stored doorplates of a changed road or moved are placed anew; new ones are placed as they are inserted.
  await placeDoorplates(
    trx,
    sql`(d2.road in (select name from ${t} where kind in ('doorplate', 'road') and action <> 'same')
      or d2.road_id in (select target from ${t} where kind = 'road' and action <> 'same'))`,
  );
  await sql`insert into doorplate (road, number, number_int, building, geom, grid_code, community_code, street_code,
      district_code, road_id, measure, side)
    select road, number, number_int, building, geom, grid_code, community_code, street_code, district_code, road_id, m,
      side
    from (${placement(sql`select idx, name as road, number, number_int, building, geom, grid_code, community_code,
        street_code, district_code from ${t} where kind = 'doorplate' and action = 'insert'`)}) p
    order by idx`.execute(trx);

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
  return {
    roads: { ...of('road'), renamed: r.rows.find((x) => x.kind === 'road' && x.action === 'rename')?.n ?? 0 },
    doorplates: { ...of('doorplate'), renamed: followed.rows[0].n },
    landmarks: of('landmark'),
  };
}
