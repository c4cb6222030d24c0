/**
 * Automatic assignment: a point (WGS84) and a category → unit grid, community, street, area class, collector area
 * and collectors, responsible department — and why (the matched rule and the candidates it beat).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { locatePoint, type Named } from '../grids/locate.js';
import type { AreaClass } from '../categories/catalog.js';
import {
  LOST_LABEL,
  describeRule,
  lostBecause,
  rankRules,
  specificity,
  type LostBecause,
  type RuleCandidate,
} from './precedence.js';
import {
  collectorAreaOf,
  componentDepartment,
  componentDepartmentRole,
  fallbackOf,
  ruleApplies,
  zoneOf,
  type Probe,
} from './match.js';

export interface AssignInput {
  lon: number;
  lat: number;
  kind: string;
  code: string;
  componentCode?: string | null;
  /** Rules valid on this instant's local date (default now). */
  at?: Date;
}

export interface Department {
  code: string;
  name: string;
  kind: string;
}

export interface Matched {
  source: 'component' | 'rule' | 'fallback' | 'none';
  rule_id?: number;
  rule_version?: number;
  rule_name?: string;
  component_code?: string;
  fallback_for?: string;
}

export interface Candidate {
  rule_id: number;
  name: string;
  department_code: string;
  category: string;
  specificity: number;
  area_m2: number | null;
  priority: number;
  lost_because: LostBecause;
  lost_label: string;
}

export interface Collector {
  id: number;
  code: string;
  name: string;
  phone: string;
}

export interface Assignment {
  grid: Named | null;
  community: Named | null;
  street: Named | null;
  district: Named | null;
  on_boundary: boolean;
  outside_coverage: boolean;
  nearest_grid: { code: string; name: string; distance_m: number } | null;
  area_class: AreaClass;
  area_class_zone: { id: number; name: string } | null;
  collector_area: { id: number; name: string } | null;
  collectors: Collector[];
  department: Department | null;
  matched: Matched;
  why: string;
  candidates: Candidate[];
  version: number;
}

const CHINA_OFFSET_MS = 8 * 3600_000;
export const localDate = (t: Date) => new Date(t.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

const point = (lon: number, lat: number) => sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;

export async function assignmentVersion(db: Kysely<DB>): Promise<number> {
  const r = await db.selectFrom('assignment_version').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(r.version);
}

export async function assign(db: Kysely<DB>, input: AssignInput): Promise<Assignment> {
  const { lon, lat } = input;
  const version = await assignmentVersion(db);
  const loc = await locatePoint(db, lon, lat);
  const place = loc.grid?.code ?? loc.community?.code ?? loc.street?.code ?? loc.district?.code ?? '';

  const probe: Probe = {
    geom: point(lon, lat),
    place: sql`${place}::text`,
    kind: sql`${input.kind}::text`,
    code: sql`${input.code}::text`,
    today: sql`${localDate(input.at ?? new Date())}::date`,
  };
  const zone = (
    await sql<{ id: number; name: string; class: AreaClass }>`${zoneOf(probe, 'z.id, z.name, z.class')}`.execute(db)
  ).rows[0];

  let collectorArea: { id: number; name: string } | null = null;
  let collectors: Collector[] = [];
  if (loc.grid) {
    const area = (
      await sql<{ id: number; name: string; collector_ids: number[] }>`${collectorAreaOf(
        sql`${loc.grid.code}`,
        'ca.id, ca.name, ca.collector_ids',
      )}`.execute(db)
    ).rows[0];
    if (area) {
      collectorArea = { id: area.id, name: area.name };
      collectors = (
        await sql<Collector>`select id, code, name, phone from collector
        where id = any(${area.collector_ids}::int[]) order by code`.execute(db)
      ).rows;
    }
  }

  const rules = rankRules(
    (
      await sql<RuleCandidate>`
    select r.id, r.name, r.category_kind, r.category_pattern, r.area_kind, r.area_m2, r.priority, r.version,
           r.department_code, d.name as department_name
    from resp_rule r join department d on d.code = r.department_code
    where ${ruleApplies('r', probe)}`.execute(db)
    ).rows,
  );

  let department: Department | null = null;
  let matched: Matched = { source: 'none' };
  let why: string;
  let winner: RuleCandidate | undefined = rules[0];

  const component = input.componentCode
    ? (
        await sql<{ code: string; name: string; dept: string | null; role: string }>`
        select c.code, c.name, ${componentDepartment('c')} as dept,
               ${componentDepartmentRole('c')} as role
        from component c where c.code = ${input.componentCode}`.execute(db)
      ).rows[0]
    : undefined;

  if (component?.dept) {
    department = await getDepartment(db, component.dept);
    matched = { source: 'component', component_code: component.code };
    why = `报告指明部件 ${component.code}${component.name ? `（${component.name}）` : ''}，由其${component.role}「${department!.name}」负责`;
    winner = undefined;
  } else if (winner) {
    department = await getDepartment(db, winner.department_code);
    matched = { source: 'rule', rule_id: winner.id, rule_version: winner.version, rule_name: winner.name };
    why =
      `${describeRule(winner)} → ${winner.department_name}` +
      (rules.length > 1 ? `；胜过 ${rules.length - 1} 条候选规则` : '');
  } else {
    const fb = (
      await sql<Department & { fallback_for: string }>`${fallbackOf(
        sql`${loc.street?.code ?? null}::text`,
        sql`${loc.district?.code ?? null}::text`,
        'f.code, f.name, f.kind, f.fallback_for',
      )}`.execute(db)
    ).rows[0];
    if (fb) {
      department = { code: fb.code, name: fb.name, kind: fb.kind };
      matched = { source: 'fallback', fallback_for: fb.fallback_for };
      const scope =
        fb.fallback_for === ''
          ? '全域'
          : fb.fallback_for === loc.street?.code
            ? `街道 ${loc.street.name}`
            : `区 ${loc.district?.name ?? fb.fallback_for}`;
      why = `没有责任规则覆盖此类别和位置，由${scope}的属地兜底单位「${fb.name}」负责`;
    } else {
      why = '没有责任规则覆盖此类别和位置，且未配置属地兜底单位：需要人工指定责任部门';
    }
  }
  if (loc.reason === 'outside_coverage') {
    const near = loc.nearest
      ? `最近的网格 ${loc.nearest.code}「${loc.nearest.name}」约 ${Math.round(loc.nearest.distance_m)} 米`
      : '尚未载入单元网格';
    why = `位置不在任何单元网格内（${near}）；${why}`;
  }

  const candidates: Candidate[] = rules
    .filter((r) => r !== winner)
    .map((r) => {
      const because: LostBecause = winner ? lostBecause(winner, r) : 'component_maintainer';
      return {
        rule_id: r.id,
        name: r.name,
        department_code: r.department_code,
        category: r.category_pattern === '*' ? '*' : `${r.category_kind ?? '*'}:${r.category_pattern}`,
        specificity: specificity(r),
        area_m2: r.area_m2 === null ? null : Math.round(r.area_m2 * 10) / 10,
        priority: r.priority,
        lost_because: because,
        lost_label: LOST_LABEL[because],
      };
    });

  return {
    grid: loc.grid && { code: loc.grid.code, name: loc.grid.name },
    community: loc.community,
    street: loc.street,
    district: loc.district,
    on_boundary: loc.onBoundary,
    outside_coverage: loc.reason === 'outside_coverage',
    nearest_grid: loc.nearest ?? null,
    area_class: zone?.class ?? 'C',
    area_class_zone: zone ? { id: zone.id, name: zone.name } : null,
    collector_area: collectorArea,
    collectors,
    department,
    matched,
    why,
    candidates,
    version,
  };
}

async function getDepartment(db: Kysely<DB>, code: string): Promise<Department> {
  return db
    .selectFrom('department')
    .select(['code', 'name', 'kind'])
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
}
