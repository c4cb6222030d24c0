/**
 * What applies to a point, in SQL, once: the rules that cover it, its area-class zone, collector area, the named
 * component's department and the fallback owner. assign() fills a Probe with parameters for one point;
 * reassignOpenCases() fills it with the columns of its work table, so both answer by the same conditions and the
 * same order (the rule ranking itself is RANKING in precedence.ts).
 */
import { sql, type RawBuilder } from 'kysely';

/** The point being assigned, as SQL expressions (parameters or columns). */
export interface Probe {
  /** geometry(Point, 4326) */
  geom: RawBuilder<unknown>;
  /** The point's grid code, else its deepest region code; null or '' outside every region. */
  place: RawBuilder<unknown>;
  kind: RawBuilder<unknown>;
  code: RawBuilder<unknown>;
  /** Local date on which rules must be valid. */
  today: RawBuilder<unknown>;
}

/** True when `place` lies inside one of the row's listed codes (prefix match: a street code covers its grids). */
export const placeInCodes = (alias: string, place: RawBuilder<unknown>) => sql<boolean>`(coalesce(${place}, '') <> ''
  and exists (select 1 from unnest(${sql.ref(`${alias}.area_codes`)}) a where left(${place}, length(a)) = a))`;

/** An area (anywhere, polygon or code set) of the row aliased `alias` covers the point (boundary included). */
const areaCovers = (alias: string, p: Probe) => sql<boolean>`(${sql.ref(`${alias}.area_kind`)} = 'anywhere'
  or (${sql.ref(`${alias}.area_kind`)} = 'polygon' and ST_Covers(${sql.ref(`${alias}.area_geom`)}, ${p.geom}))
  or (${sql.ref(`${alias}.area_kind`)} = 'regions' and ${placeInCodes(alias, p.place)}))`;

/** Rule `alias` (resp_rule) applies: category kind and pattern match, valid today, its area covers the point. */
export const ruleApplies = (
  alias: string,
  p: Probe,
) => sql<boolean>`((${sql.ref(`${alias}.category_kind`)} is null or ${sql.ref(`${alias}.category_kind`)} = ${p.kind})
  and ${sql.ref(`${alias}.category_pattern`)} in (${p.code}, left(${p.code}, 2), '*')
  and (${sql.ref(`${alias}.valid_from`)} is null or ${sql.ref(`${alias}.valid_from`)} <= ${p.today})
  and (${sql.ref(`${alias}.valid_to`)} is null or ${sql.ref(`${alias}.valid_to`)} >= ${p.today})
  and ${areaCovers(alias, p)})`;

/** The area-class zone of the point: where zones overlap the stricter class wins (A < B < C), then the lower id. */
export const zoneOf = (p: Probe, columns: string) => sql`select ${sql.raw(columns)} from area_class_zone z
  where (z.area_kind = 'polygon' and ST_Covers(z.area_geom, ${p.geom})) or (z.area_kind = 'regions' and ${placeInCodes('z', p.place)})
  order by z.class, z.id limit 1`;

/**
 * The collector area of a grid (the lowest id if several list it). The `offset 0` fence keeps the planner on the GIN
 * index of grid_codes: with `order by id limit 1` alone it sometimes walked the primary key filtering every row.
 */
export const collectorAreaOf = (grid: RawBuilder<unknown>, columns: string) => sql`select ${sql.raw(columns)}
  from (select * from collector_area ca where ca.grid_codes @> array[${grid}::text] offset 0) ca
  order by ca.id limit 1`;

/**
 * A named component's department: its maintainer (养护单位), else its owner (主管部门) — each only when the census code
 * names a department of this platform (a census may carry codes of departments it does not know).
 */
export const componentDepartment = (alias: string) =>
  sql.raw(`coalesce((select d.code from department d where d.code = ${alias}.maintainer_code),
                    (select d.code from department d where d.code = ${alias}.owner_code))`);

/** Which of a component's departments routes it: '养护单位' or '主管部门' (null when neither is a department). */
export const componentDepartmentRole = (alias: string) =>
  sql.raw(`case when exists (select 1 from department d where d.code = ${alias}.maintainer_code) then '养护单位'
                when exists (select 1 from department d where d.code = ${alias}.owner_code) then '主管部门' end`);

/** The fallback owner (属地兜底): of the street, else of the district, else of everywhere (''). */
export const fallbackOf = (street: RawBuilder<unknown>, district: RawBuilder<unknown>, columns: string) => sql`
  select ${sql.raw(columns)} from department f
  where f.fallback_for in (coalesce(${street}, '-'), coalesce(${district}, '-'), '')
  order by length(f.fallback_for) desc limit 1`;
