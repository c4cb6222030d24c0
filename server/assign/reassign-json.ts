/**
 * What re-assignment writes into each changed case (reassign-compute.ts builds it, reassign-write.ts writes it):
 * the patch of the case's assignment JSON and its event's detail. The location part is built once per grid and the
 * decision part (matched, why, candidates) once per rule key or fallback — building JSON costs more than anything
 * else per case — and only outside coverage or for a named component per case.
 */
import { sql, type RawBuilder } from 'kysely';
import type { TableOf } from './reassign-compute.js';

const BEFORE_DISPATCH = ['reported', 'verifying', 'accepted', 'filed'];

type Expr = RawBuilder<unknown>;

/** {code, name} of a region or grid, null without a code. */
const named = (code: Expr, name: Expr) =>
  sql`case when ${code} is null then null else jsonb_build_object('code', ${code}, 'name', ${name}) end`;

/** grid, community, street, district, outside_coverage and collector_area of an assignment. */
export const locationJson = (l: {
  grid: Expr;
  gridName: Expr;
  community: Expr;
  communityName: Expr;
  street: Expr;
  streetName: Expr;
  district: Expr;
  districtName: Expr;
  areaId: Expr;
  areaName: Expr;
}) => sql`jsonb_build_object(
  'grid', ${named(l.grid, l.gridName)},
  'community', ${named(l.community, l.communityName)},
  'street', ${named(l.street, l.streetName)},
  'district', ${named(l.district, l.districtName)},
  'outside_coverage', ${l.grid} is null,
  'collector_area', case when ${l.areaId} is null then null else jsonb_build_object('id', ${l.areaId}, 'name', ${l.areaName}) end)`;

/** matched, why and candidates of an assignment decided by `source` ('component', 'rule', 'fallback', 'none'). */
export const decisionJson = (
  version: number,
  d: { source: Expr; department: Expr; ruleId?: Expr; ruleVersion?: Expr; ruleName?: Expr; componentCode?: Expr },
) => {
  const ruleId = d.ruleId ?? sql`null::int`;
  const ruleVersion = d.ruleVersion ?? sql`null::int`;
  const ruleName = d.ruleName ?? sql`null::text`;
  const componentCode = d.componentCode ?? sql`null::text`;
  return sql`jsonb_build_object(
    'matched', jsonb_strip_nulls(jsonb_build_object('source', ${d.source}, 'rule_id', ${ruleId},
      'rule_version', ${ruleVersion}, 'rule_name', ${ruleName}, 'component_code', ${componentCode})),
    'why', '重新分配（责权库版本 ' || ${version}::text || '）：' || case ${d.source}
             when 'component' then '部件 ' || ${componentCode} || ' 的养护单位'
             when 'rule' then '规则#' || ${ruleId} || '「' || coalesce(${ruleName}, '') || '」'
             when 'fallback' then '属地兜底单位'
             else '无规则且无兜底单位' end || ' → ' || coalesce(${d.department}, '未指定'),
    'candidates', '[]'::jsonb)`;
};

/**
 * The new row of each case. Only the rule that decided is recorded: a named component's department overrides every
 * rule. move: the department changes (not yet dispatched). keep: dispatched and the library now points elsewhere —
 * the department, matched rule and why stay (the patch leaves them out); the other department is proposed.
 */
export const perCase = (t: TableOf, version: number) => sql`
  select f.id, f.case_version, f.state, f.changed, f.keep, f.move, f.proposed,
    f.grid_code, f.community_code, f.street_code, f.district_code, f.area_class, f.collector_area_id,
    f.department, f.rule_id, f.rule_version,
    coalesce(f.loc, ${locationJson({
      grid: sql`null::text`,
      gridName: sql`null::text`,
      community: sql.ref('f.community_code'),
      communityName: sql.ref('f.community_name'),
      street: sql.ref('f.street_code'),
      streetName: sql.ref('f.street_name'),
      district: sql.ref('f.district_code'),
      districtName: sql.ref('f.district_name'),
      areaId: sql`null::int`,
      areaName: sql`null::text`,
    })})
    || case when f.keep then '{}'::jsonb
            when f.source = 'component' then ${decisionJson(version, {
              source: sql`'component'`,
              department: sql.ref('f.department'),
              componentCode: sql.ref('f.component_code'),
            })}
            when f.source = 'rule' then f.rule_patch
            when f.source = 'fallback' then f.fallback_patch
            else ${decisionJson(version, { source: sql`'none'`, department: sql`null::text` })} end
    || jsonb_build_object('area_class', f.area_class, 'proposed_department', f.proposed, 'version', ${version}::bigint)
      as patch,
    jsonb_strip_nulls(jsonb_build_object('version', ${version}::bigint, 'rule_id', f.rule_id, 'rule_version', f.rule_version,
      'grid_from', f.old_grid, 'grid_to', f.grid_code, 'department_from', f.old_department,
      'department_to', case when f.move then f.department end,
      'proposed_department', f.proposed)) as event_detail
  from (
    select e.*,
      case when e.keep then e.department end as proposed,
      e.grid_code is distinct from e.old_grid or e.community_code is distinct from e.old_community
        or e.street_code is distinct from e.old_street or e.district_code is distinct from e.old_district
        or e.area_class is distinct from e.old_class or e.collector_area_id is distinct from e.old_area or e.move
        or (not e.keep and e.rule_id is distinct from e.old_rule)
        or (case when e.keep then e.department end) is distinct from e.old_proposed as changed
    from (
      select d.*,
        d.state = any(${BEFORE_DISPATCH}::text[]) and d.department is distinct from d.old_department as move,
        not (d.state = any(${BEFORE_DISPATCH}::text[])) and d.old_department is not null
          and d.department is distinct from d.old_department as keep
      from (
        select w.id, w.case_version, w.state, w.component_code, w.old_grid, w.old_community, w.old_street,
          w.old_district, w.old_department, w.old_class, w.old_area, w.old_rule, w.old_proposed,
          w.grid_code, w.community_code, w.street_code, w.district_code, g.loc,
          cn.name as community_name, sn.name as street_name, dn.name as district_name,
          coalesce(z.class, 'C') as area_class, g.area_id as collector_area_id,
          coalesce(cd.department, r.rule_department, fb.department) as department,
          case when cd.department is not null then 'component' when r.rule_department is not null then 'rule'
               when fb.department is not null then 'fallback' else 'none' end as source,
          case when cd.department is null and r.rule_department is not null then r.rule_id end as rule_id,
          case when cd.department is null and r.rule_department is not null then r.rule_version end as rule_version,
          r.patch as rule_patch, fb.patch as fallback_patch
        from ${t('work')} w
        join ${t('rule')} r on r.kind = w.kind and r.code = w.code and r.rkey = w.rkey and r.prkey = w.prkey
        join ${t('zone')} z on z.zkey = w.zkey and z.pzkey = w.pzkey
        left join ${t('grid')} g on g.grid_code = w.grid_code
        left join ${t('fallback')} fb on fb.street = coalesce(w.street_code, '') and fb.district = coalesce(w.district_code, '')
        left join ${t('component')} cd on cd.code = w.component_code
        left join ${t('names')} cn on cn.code = w.community_code
        left join ${t('names')} sn on sn.code = w.street_code
        left join ${t('names')} dn on dn.code = w.district_code) d) e) f`;
