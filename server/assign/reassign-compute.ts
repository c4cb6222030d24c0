/**
 * The computing half of re-assignment (reassign.ts): where every open case to redo now belongs, set-based, into the
 * work table `new` (see WorkTables) — one row per case with its new facts, what it had, and what changes. Nothing
 * is written to the cases here (reassign-write.ts does that).
 *
 * Each fact is worked out once per distinct input, not once per case:
 *   grid       the lowest covering live grid code — per case (a lateral index lookup, for small sets) or per grid
 *              (each grid's open cases through the cases' own spatial index, then the lowest code per case: one pass
 *              over a city's backlog, several times faster than a lookup per case);
 *   place      the grid, else (outside coverage) the deepest covering region, as assign() does;
 *   rule       per distinct (kind, category, regions rules covering the place, polygon rules covering the point): the
 *              rules' conditions (match.ts ruleApplies) and ranking (precedence.ts) are evaluated for one
 *              representative case of each such key — every case of the key has the same rules applying, since
 *              a rule's area is 'anywhere', a polygon (ST_Covers) or a set of region codes (placeInCodes);
 *   zone       likewise per distinct (regions zones of the place, polygon zones of the point), by zoneOf();
 *   collector area and grid name per distinct grid, fallback per distinct (street, district), names per region.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  collectorAreaOf,
  componentDepartment,
  fallbackOf,
  placeInCodes,
  ruleApplies,
  zoneOf,
  type Probe,
} from './match.js';
import { rankingOrderBy } from './precedence.js';
import { decisionJson, locationJson, perCase } from './reassign-json.js';

/** The work tables of one computation, in the order they are created (dropped in reverse). */
const TABLES = [
  'pairs',
  'cases',
  'work',
  'place',
  'poly',
  'key',
  'rule',
  'zone',
  'grid',
  'fallback',
  'component',
  'names',
  'new',
] as const;
export type TableName = (typeof TABLES)[number];

/**
 * Where a computation keeps its tables: `temp` — temporary tables of one transaction (dropped at commit), named
 * reassign_*; `shared` — unlogged tables that other connections can read (parallel writers) and that PostgreSQL
 * may scan in parallel, named reassign_p<backend pid>_<token>_* and dropped by the run (or, should the process
 * die, by a later run once that backend is gone: dropStaleTables).
 */
export interface WorkTables {
  kind: 'temp' | 'shared';
  prefix: string;
}

export const TEMP_TABLES: WorkTables = { kind: 'temp', prefix: 'reassign_' };

/** A table of the computation, as SQL. */
export const tableOf = (w: WorkTables, name: TableName) => sql.table(`${w.prefix}${name}`);
export type TableOf = (name: TableName) => ReturnType<typeof tableOf>;

export interface ComputeParams {
  /** The assignment library version the cases are placed with. */
  version: number;
  /** Every open case, not only those placed with an older version. */
  all: boolean;
  /** Region-code prefix of the cases ('' = all). */
  scope: string;
  /** Local date (YYYY-MM-DD) on which rules must be valid. */
  today: string;
  /** Only cases with ids in (after, upTo]; upTo null = no upper bound. */
  after?: number;
  upTo?: number | null;
  /** Only these cases (a redo of cases that changed while they were being placed). */
  ids?: number[];
  /** Only cases inside these polygons (hex EWKB; changedArea() of the grid changes published). */
  area?: string[];
  tables: WorkTables;
  /** Statistics for the planner (worth it for large sets). */
  analyze: boolean;
  /** Force how the grid is found (default: by the number of cases). */
  gridJoin?: GridJoin;
  onStep?: (step: string, ms: number) => void | Promise<void>;
  /**
   * Where the cases come from (default case_record): a table or view with the case_record columns read here (id,
   * version, geom, category_kind, category_code, component_code, state, the four region codes, department_code,
   * area_class, collector_area_id, rule_id, assignment, closed_at, assignment_version) — the case exchange places
   * the cases of an import so before they are stored (server/exchange/publish.ts).
   */
  source?: string;
}

/** 'case': a lookup per case; 'grid': one pass over the grids, each grid's cases through the cases' spatial index. */
export type GridJoin = 'case' | 'grid';

export interface ComputeStats {
  /** Cases selected. */
  cases: number;
  gridJoin: GridJoin;
}

/** One pass over the grids pays off when the cases to place are more than about a quarter of all open cases. */
const PER_GRID_MIN_CASES = 5000;

/**
 * The open cases a run redoes (case_record aliased c): located, in scope, in the id range, inside the changed area
 * when given, not yet placed.
 */
export const casesToRedo = (p: Pick<ComputeParams, 'version' | 'all' | 'scope' | 'after' | 'upTo' | 'ids' | 'area'>) =>
  sql<boolean>`c.closed_at is null and c.state <> 'voided' and c.geom is not null
    and starts_with(coalesce(c.grid_code, c.community_code, c.street_code, c.district_code, ''), ${p.scope})
    ${p.after !== undefined ? sql`and c.id > ${p.after}` : sql``}
    ${p.upTo !== undefined && p.upTo !== null ? sql`and c.id <= ${p.upTo}` : sql``}
    ${p.ids ? sql`and c.id = any(${p.ids}::bigint[])` : sql``}
    ${p.area ? sql`and ${inArea(p.area)}` : sql``}
    ${p.all ? sql`` : sql`and c.assignment_version < ${p.version}`}`;

/** Case c (case_record) lies in one of the polygons (hex EWKB): found through the cases' spatial index. */
export const inArea = (area: string[]) => sql<boolean>`c.id in (select o.id from unnest(${area}::text[]) a(hex)
  cross join lateral (select ST_GeomFromEWKB(decode(a.hex, 'hex')) as geom) g
  join case_record o on o.geom && g.geom and ST_Intersects(g.geom, o.geom))`;

/**
 * Where published grid changes can move a case: for every code they ended or started (grids and regions), the new
 * shape where the code is new, the old one where it ended, both where its name changed (the name is part of a
 * placement), else only where its shape differs (ST_SymDifference: a neighbour that merely received a vertex adds
 * nothing). As hex EWKB, empty parts dropped.
 */
export async function changedArea(db: Kysely<DB>, changes: number[]): Promise<string[]> {
  const r = await sql<{ geom: string }>`
    with ended as (
      select code, name, geom from unit_grid where ended_by = any(${changes}::bigint[])
      union all select code, name, geom from region where ended_by = any(${changes}::bigint[])),
    started as (
      select code, name, geom from unit_grid where started_by = any(${changes}::bigint[])
      union all select code, name, geom from region where started_by = any(${changes}::bigint[])),
    parts as (
      select case when e.code is null then s.geom when s.code is null then e.geom
                  when e.name is distinct from s.name then ST_Union(e.geom, s.geom)
                  else ST_SymDifference(e.geom, s.geom) end as geom
      from ended e full join started s on s.code = e.code)
    select encode(ST_AsEWKB(geom), 'hex') as geom from parts
    where geom is not null and not ST_IsEmpty(geom) and ST_Area(geom::geography) > 0.01`.execute(db);
  return r.rows.map((x) => x.geom);
}

export async function dropComputeTables(db: Kysely<DB>, w: WorkTables): Promise<void> {
  for (const t of [...TABLES].reverse()) await sql`drop table if exists ${tableOf(w, t)}`.execute(db);
}

/** Shared work tables of runs whose backend is gone (a process that died mid-run). */
export async function dropStaleTables(db: Kysely<DB>): Promise<void> {
  const stale = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'r' and c.relname ~ '^reassign_p[0-9]+_'
      and substring(c.relname from '^reassign_p([0-9]+)_')::int not in (select pid from pg_stat_activity)`.execute(db);
  for (const t of stale.rows) await sql`drop table if exists ${sql.table(t.name)}`.execute(db);
}

export async function computePlacements(trx: Kysely<DB>, p: ComputeParams): Promise<ComputeStats> {
  let t0 = performance.now();
  const step = async (name: string) => {
    const now = performance.now();
    await p.onStep?.(name, now - t0);
    t0 = performance.now();
  };
  const t = (name: TableName) => tableOf(p.tables, name);
  const create = (name: TableName) =>
    p.tables.kind === 'temp'
      ? sql`create temp table ${t(name)} on commit drop as`
      : sql`create unlogged table ${t(name)} as`;
  const analyze = async (name: TableName) => {
    if (p.analyze) await sql`analyze ${t(name)}`.execute(trx);
  };
  await dropComputeTables(trx, p.tables);
  const source = sql.table(p.source ?? 'case_record');

  // 1. The open cases to redo, their grid (lowest covering code) and place; outside coverage the deepest covering
  // region (its community, street and district as assign() takes them).
  const counts = (
    await sql<{ n: number }>`select count(*)::int as n from ${source} c where ${casesToRedo(p)}`.execute(trx)
  ).rows[0];
  let gridJoin: GridJoin = p.gridJoin ?? 'case';
  if (!p.gridJoin && counts.n >= PER_GRID_MIN_CASES) {
    const open = (
      await sql<{ n: number }>`select count(*)::int as n from ${source}
        where closed_at is null and state <> 'voided'`.execute(trx)
    ).rows[0].n;
    if (counts.n * 4 >= open) gridJoin = 'grid';
  }
  if (gridJoin === 'grid') {
    // Each live grid's open cases through case_record_open_geom (the same polygon for consecutive tests), then the
    // lowest code per case — in a table of its own, so that it is joined by hash whatever the cases' statistics.
    await sql`${create('pairs')}
      select x.id, min(x.code) as grid_code from (
        select o.id, g.code from unit_grid g
        cross join lateral (
          select o.id from ${source} o
          where o.closed_at is null and o.state <> 'voided' and ST_Intersects(g.geom, o.geom) offset 0) o
        where g.termination_date is null) x
      group by x.id`.execute(trx);
    await analyze('pairs');
  }
  const grid =
    gridJoin === 'case'
      ? sql`left join lateral (
          select g.code as grid_code from unit_grid g
          where g.termination_date is null and ST_Intersects(g.geom, c.geom)
          order by g.code limit 1) g on true`
      : sql`left join ${t('pairs')} g on g.id = c.id`;
  const cases = await sql`${create('cases')}
    select c.id, c.version as case_version, c.geom, c.category_kind as kind, c.category_code as code,
           c.component_code, c.state,
           c.grid_code as old_grid, c.community_code as old_community, c.street_code as old_street,
           c.district_code as old_district, c.department_code as old_department, c.area_class as old_class,
           c.collector_area_id as old_area, c.rule_id as old_rule,
           c.assignment->>'proposed_department' as old_proposed,
           g.grid_code,
           coalesce(g.grid_code, r.code) as place,
           case when g.grid_code is not null then left(g.grid_code, 12) when r.level = 'community' then r.code end
             as community_code,
           case when g.grid_code is not null then left(g.grid_code, 9) when r.level = 'community' then r.parent_code
                when r.level = 'street' then r.code end as street_code,
           coalesce(left(g.grid_code, 6), left(r.code, 6)) as district_code
    from ${source} c
    ${grid}
    left join lateral (
      select r.code, r.level, r.parent_code from region r
      where g.grid_code is null and r.termination_date is null and ST_Intersects(r.geom, c.geom)
      order by length(r.code) desc, r.code limit 1) r on true
    where ${casesToRedo(p)}`.execute(trx);
  const n = Number(cases.numAffectedRows ?? 0);
  await analyze('cases');
  await step('grid');

  // 2. Which region-set rules and zones cover each place; which polygon rules and zones cover each point; the
  // distinct keys (one pass, two grouping sets) with a representative case each.
  await sql`${create('place')}
    select p.place,
      array(select r.id from resp_rule r
            where r.area_kind = 'regions' and ${placeInCodes('r', sql.ref('p.place'))} order by r.id) as rkey,
      array(select z.id from area_class_zone z
            where z.area_kind = 'regions' and ${placeInCodes('z', sql.ref('p.place'))} order by z.id) as zkey
    from (select distinct place from ${t('cases')} where place is not null) p`.execute(trx);
  await sql`${create('poly')}
    select x.id,
      coalesce(array_agg(x.area order by x.area) filter (where x.t = 'r'), '{}') as prkey,
      coalesce(array_agg(x.area order by x.area) filter (where x.t = 'z'), '{}') as pzkey
    from (
      with a as materialized (
        select 'r' as t, id, area_geom from resp_rule where area_kind = 'polygon'
        union all
        select 'z', id, area_geom from area_class_zone where area_kind = 'polygon')
      select w.id, a.t, a.id as area from ${t('cases')} w join a on ST_Covers(a.area_geom, w.geom)) x
    group by x.id`.execute(trx);
  // Every case with its keys (a copy with statistics: the joins below are planned on them).
  await sql`${create('work')}
    select w.*, coalesce(pl.rkey, '{}') as rkey, coalesce(po.prkey, '{}') as prkey,
           coalesce(pl.zkey, '{}') as zkey, coalesce(po.pzkey, '{}') as pzkey
    from ${t('cases')} w
    left join ${t('place')} pl on pl.place = w.place
    left join ${t('poly')} po on po.id = w.id`.execute(trx);
  await analyze('work');
  await sql`drop table ${t('cases')}`.execute(trx);
  await sql`drop table if exists ${t('pairs')}`.execute(trx);
  await sql`${create('key')}
    select grouping(kind) = 0 as for_rule, kind, code, rkey, prkey, zkey, pzkey, min(id) as rep
    from ${t('work')}
    group by grouping sets ((kind, code, rkey, prkey), (zkey, pzkey))`.execute(trx);
  await step('areas');

  // 3. The facts once per key, grid, (street, district) and component.
  const rep: Probe = {
    geom: sql.ref('w.geom'),
    place: sql.ref('w.place'),
    kind: sql.ref('w.kind'),
    code: sql.ref('w.code'),
    today: sql`${p.today}::date`,
  };
  await sql`${create('rule')}
    select k.kind, k.code, k.rkey, k.prkey, r.id as rule_id, r.version as rule_version,
           r.department_code as rule_department, r.name as rule_name,
           case when r.id is not null then ${decisionJson(p.version, {
             source: sql`'rule'`,
             ruleId: sql.ref('r.id'),
             ruleVersion: sql.ref('r.version'),
             ruleName: sql.ref('r.name'),
             department: sql.ref('r.department_code'),
           })} end as patch
    from ${t('key')} k join ${t('work')} w on w.id = k.rep
    left join lateral (
      select r.id, r.version, r.department_code, r.name from resp_rule r
      where ${ruleApplies('r', rep)}
      order by ${rankingOrderBy('r')}
      limit 1) r on true
    where k.for_rule`.execute(trx);
  await sql`${create('zone')}
    select k.zkey, k.pzkey, (${zoneOf(rep, 'z.class')}) as class
    from ${t('key')} k join ${t('work')} w on w.id = k.rep
    where not k.for_rule`.execute(trx);
  await sql`${create('names')}
    select code, name from region where termination_date is null`.execute(trx);
  await sql`${create('grid')}
    select g.grid_code, ca.id as area_id,
      ${locationJson({
        grid: sql.ref('g.grid_code'),
        gridName: sql.ref('ug.name'),
        community: sql`left(g.grid_code, 12)`,
        communityName: sql.ref('cn.name'),
        street: sql`left(g.grid_code, 9)`,
        streetName: sql.ref('sn.name'),
        district: sql`left(g.grid_code, 6)`,
        districtName: sql.ref('dn.name'),
        areaId: sql.ref('ca.id'),
        areaName: sql.ref('ca.name'),
      })} as loc
    from (select distinct grid_code from ${t('work')} where grid_code is not null) g
    left join unit_grid ug on ug.code = g.grid_code and ug.termination_date is null
    left join ${t('names')} cn on cn.code = left(g.grid_code, 12)
    left join ${t('names')} sn on sn.code = left(g.grid_code, 9)
    left join ${t('names')} dn on dn.code = left(g.grid_code, 6)
    left join lateral (${collectorAreaOf(sql.ref('g.grid_code'), 'ca.id, ca.name')}) ca on true`.execute(trx);
  await sql`${create('fallback')}
    select f.street, f.district, f.department,
      case when f.department is not null then ${decisionJson(p.version, {
        source: sql`'fallback'`,
        department: sql.ref('f.department'),
      })} end as patch
    from (
      select s.street, s.district,
             (${fallbackOf(sql.ref('s.street_code'), sql.ref('s.district_code'), 'f.code')}) as department
      from (select distinct coalesce(street_code, '') as street, coalesce(district_code, '') as district,
                   street_code, district_code from ${t('work')}) s) f`.execute(trx);
  await sql`${create('component')}
    select c.code, ${componentDepartment('c')} as department from component c
    where c.code in (select component_code from ${t('work')})`.execute(trx);
  for (const table of ['rule', 'zone', 'grid', 'fallback', 'names'] as const) await analyze(table);
  await step('facts');

  // 4. Per case: the facts of its keys (equi-joins with small tables: hash joins, whatever the estimates), what
  // changes, and what is written: the patch of its assignment JSON and its event's detail.
  await sql`set local enable_nestloop = off`.execute(trx);
  await sql`${create('new')} ${perCase(t, p.version)}`.execute(trx);
  await sql`set local enable_nestloop = on`.execute(trx);
  if (p.analyze) {
    await sql`create index on ${t('new')} (id)`.execute(trx);
    await analyze('new');
  }
  await step('cases');
  return { cases: n, gridJoin };
}
