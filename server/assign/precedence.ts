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
 */

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

export type LostBecause = 'component_maintainer' | 'less_specific_category' | 'larger_area' | 'lower_priority' | 'higher_id';

/** 0–5: pattern level ×2 plus 1 when the rule names the kind. */
export function specificity(r: Pick<RuleCandidate, 'category_kind' | 'category_pattern'>): number {
  const level = r.category_pattern === '*' ? 0 : r.category_pattern.length === 2 ? 1 : 2;
  return level * 2 + (r.category_kind ? 1 : 0);
}

const area = (r: RuleCandidate) => r.area_m2 ?? Number.POSITIVE_INFINITY;

/** Negative when a wins over b. */
export function compareRules(a: RuleCandidate, b: RuleCandidate): number {
  return (specificity(b) - specificity(a))
    || (area(a) - area(b))
    || (b.priority - a.priority)
    || (a.id - b.id);
}

/** Why `loser` lost to `winner`: the first precedence step that separates them. */
export function lostBecause(winner: RuleCandidate, loser: RuleCandidate): LostBecause {
  if (specificity(winner) !== specificity(loser)) return 'less_specific_category';
  if (area(winner) !== area(loser)) return 'larger_area';
  if (winner.priority !== loser.priority) return 'lower_priority';
  return 'higher_id';
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
