/**
 * Precedence of responsibility rules — pure, so it can be tested exhaustively.
 *
 *   1. the named component's own maintaining department (养护单位; else its 主管部门) — handled before rules
 *   2. the most specific category: exact 5-digit class > 2-digit major class > any; at equal level a rule for
 *      this kind (component/matter) beats one for both kinds
 *   3. the smallest area (m²; a rule for anywhere is the largest)
 *   4. the higher explicit priority
 *   5. the lowest rule id
 *   — no rule: the fallback owner (属地兜底) of the street, else of the district, else of everywhere.
 *
 * Steps 2–5 are the RANKING list below; which rules, zones, collector areas and fallbacks apply to a point is in
 * match.ts. Both assign() (one point) and reassignOpenCases() (set-based) use these, and nothing else.
 */
import { sql, type RawBuilder } from 'kysely';

export interface RuleCandidate {
  id: number;
  name: string;
  category_kind: string | null;
  category_pattern: string;
  area_kind: string;
  area_m2: number | null;
  priority: number;
  version: number;
  department_code: string;
  department_name: string;
}

export type LostBecause =
  'component_maintainer' | 'less_specific_category' | 'larger_area' | 'lower_priority' | 'higher_id';

/** 0–5: pattern level ×2 plus 1 when the rule names the kind. */
export function specificity(r: Pick<RuleCandidate, 'category_kind' | 'category_pattern'>): number {
  const level = r.category_pattern === '*' ? 0 : r.category_pattern.length === 2 ? 1 : 2;
  return level * 2 + (r.category_kind ? 1 : 0);
}

/**
 * One step of the ranking, once: its value in TypeScript, the same value in SQL over a resp_rule row, and which
 * way wins. A null value (a rule for anywhere has no area) loses to every value. compareRules(), lostBecause() and
 * the SQL `order by` of rankingOrderBy() are all derived from this list; test/assign/agreement.test.ts checks that
 * each key's two forms agree.
 */
export interface RankKey {
  lost: Exclude<LostBecause, 'component_maintainer'>;
  better: 'higher' | 'lower';
  value: (r: RuleCandidate) => number | null;
  sql: (alias: string) => string;
}

export const RANKING: readonly RankKey[] = [
  {
    lost: 'less_specific_category',
    better: 'higher',
    value: specificity,
    sql: (r) =>
      `((case when ${r}.category_pattern = '*' then 0 when length(${r}.category_pattern) = 2 then 1 else 2 end) * 2` +
      ` + (case when ${r}.category_kind is null then 0 else 1 end))`,
  },
  { lost: 'larger_area', better: 'lower', value: (r) => r.area_m2, sql: (r) => `${r}.area_m2` },
  { lost: 'lower_priority', better: 'higher', value: (r) => r.priority, sql: (r) => `${r}.priority` },
  { lost: 'higher_id', better: 'lower', value: (r) => r.id, sql: (r) => `${r}.id` },
];

/** Negative when a's value wins over b's under this key; nulls lose. */
function compareBy(key: RankKey, a: RuleCandidate, b: RuleCandidate): number {
  const x = key.value(a),
    y = key.value(b);
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return key.better === 'higher' ? y - x : x - y;
}

/** Negative when a wins over b. */
export function compareRules(a: RuleCandidate, b: RuleCandidate): number {
  for (const key of RANKING) {
    const c = compareBy(key, a, b);
    if (c !== 0) return c;
  }
  return 0;
}

/** Why `loser` lost to `winner`: the first precedence step that separates them. */
export function lostBecause(winner: RuleCandidate, loser: RuleCandidate): LostBecause {
  return RANKING.find((key) => compareBy(key, winner, loser) !== 0)?.lost ?? 'higher_id';
}

/** The SQL `order by` list (best first) over resp_rule rows aliased `alias`. */
export function rankingOrderBy(alias: string): RawBuilder<unknown> {
  return sql.raw(RANKING.map((k) => `${k.sql(alias)} ${k.better === 'higher' ? 'desc' : 'asc'} nulls last`).join(', '));
}

export const LOST_LABEL: Record<LostBecause, string> = {
  component_maintainer: '部件养护单位优先',
  less_specific_category: '类别较宽',
  larger_area: '区域较大',
  lower_priority: '优先级较低',
  higher_id: '规则编号较大',
};

/** Orders candidates best first. */
export function rankRules<T extends RuleCandidate>(rules: T[]): T[] {
  return [...rules].sort(compareRules);
}

export function describeRule(r: RuleCandidate): string {
  const cat = r.category_pattern === '*' ? '全部类别' : `${r.category_kind ?? '*'}:${r.category_pattern}`;
  const where = r.area_m2 === null ? '全域' : `${formatArea(r.area_m2)}`;
  return `规则#${r.id}「${r.name || cat}」(${cat}, ${where}, 优先级${r.priority})`;
}

export function formatArea(m2: number): string {
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(2)} km²` : `${Math.round(m2).toLocaleString('en-US')} m²`;
}
