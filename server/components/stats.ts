/**
 * The census statistics table (部件普查统计表): live components counted per region of one level (street, community or
 * unit grid — the codes derived from each component's position) and class, by status, with totals per region and a
 * grand total. Components outside every grid (or without a position) count under region null, "未落入网格".
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { STATUSES } from './fields.js';

export const STATS_LEVELS = ['street', 'community', 'grid'] as const;
export type StatsLevel = (typeof STATS_LEVELS)[number];
export type Status = (typeof STATUSES)[number];
export type ByStatus = Record<Status, number>;

/** Region name of components that lie in no unit grid (or have no position). */
export const OUTSIDE = '未落入网格';

export interface StatsRow {
  region_code: string | null;
  region_name: string;
  class: string;
  class_name: string;
  total: number;
  by_status: ByStatus;
}
export interface RegionTotal {
  region_code: string | null;
  region_name: string;
  total: number;
  by_status: ByStatus;
}
export interface CensusStats {
  level: StatsLevel;
  /** One per region and class that has components; regions by code (null last), then classes by code. */
  rows: StatsRow[];
  /** One per region, same order. */
  regions: RegionTotal[];
  total: { total: number; by_status: ByStatus };
}

const zero = (): ByStatus => Object.fromEntries(STATUSES.map((s) => [s, 0])) as ByStatus;

const COLUMN = {
  street: sql.ref('c.street_code'),
  community: sql.ref('c.community_code'),
  grid: sql.ref('c.grid_code'),
} as const;

/** Names of the live regions (or grids) of a level, by code. */
async function regionNames(db: Kysely<DB>, level: StatsLevel, codes: string[]): Promise<Map<string, string>> {
  if (!codes.length) return new Map();
  const r =
    level === 'grid'
      ? await sql<{ code: string; name: string }>`select code::text as code, name from unit_grid
          where termination_date is null and code::text = any(${codes})`.execute(db)
      : await sql<{ code: string; name: string }>`select code, name from region
          where termination_date is null and level = ${level} and code = any(${codes})`.execute(db);
  return new Map(r.rows.map((x) => [x.code, x.name]));
}

export async function censusStats(db: Kysely<DB>, level: StatsLevel): Promise<CensusStats> {
  const counts = await sql<{ region_code: string | null; class: string; status: string; n: number }>`
    select ${COLUMN[level]}::text as region_code, c.category_code::text as class, c.status, count(*)::int as n
    from component c group by 1, 2, 3`.execute(db);
  const codes = [...new Set(counts.rows.map((r) => r.region_code).filter((c): c is string => c !== null))];
  const names = await regionNames(db, level, codes);
  const classes = await sql<{ code: string; name: string }>`
    select code::text as code, name from category where kind = 'component'`.execute(db);
  const className = new Map(classes.rows.map((x) => [x.code, x.name]));

  const rows = new Map<string, StatsRow>();
  const regions = new Map<string, RegionTotal>();
  const total = { total: 0, by_status: zero() };
  const nameOf = (code: string | null) => (code === null ? OUTSIDE : (names.get(code) ?? ''));
  for (const c of counts.rows) {
    const status = c.status as Status;
    const key = `${c.region_code ?? ''}|${c.class}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        region_code: c.region_code,
        region_name: nameOf(c.region_code),
        class: c.class,
        class_name: className.get(c.class) ?? '',
        total: 0,
        by_status: zero(),
      };
      rows.set(key, row);
    }
    let region = regions.get(c.region_code ?? '');
    if (!region) {
      region = { region_code: c.region_code, region_name: nameOf(c.region_code), total: 0, by_status: zero() };
      regions.set(c.region_code ?? '', region);
    }
    for (const t of [row, region, total]) {
      t.total += c.n;
      t.by_status[status] += c.n;
    }
  }
  // Code order, the outside-every-grid region last (compared as text: the same on every database collation).
  const byRegion = (a: string | null, b: string | null) =>
    a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
  return {
    level,
    rows: [...rows.values()].sort(
      (a, b) => byRegion(a.region_code, b.region_code) || (a.class < b.class ? -1 : a.class > b.class ? 1 : 0),
    ),
    regions: [...regions.values()].sort((a, b) => byRegion(a.region_code, b.region_code)),
    total,
  };
}

const LEVEL_NAME: Record<StatsLevel, string> = { street: '街道', community: '社区', grid: '单元网格' };

/**
 * The table as CSV lines (CRLF) with Chinese headers: per region its class rows then a 小计 row; a 总计 row last.
 * Columns: <level>代码, <level>名称, 分类代码, 分类名称, 完好, 破损, 丢失, 废弃, 移除, 合计.
 */
export function statsCsv(stats: CensusStats): string[][] {
  const l = LEVEL_NAME[stats.level];
  const counts = (t: { total: number; by_status: ByStatus }) => [...STATUSES.map((s) => t.by_status[s]), t.total];
  const out: string[][] = [[`${l}代码`, `${l}名称`, '分类代码', '分类名称', ...STATUSES, '合计']];
  // rows and regions share one order: walk them side by side.
  let i = 0;
  for (const region of stats.regions) {
    for (; i < stats.rows.length && stats.rows[i].region_code === region.region_code; i++) {
      const r = stats.rows[i];
      out.push([r.region_code ?? '', r.region_name, r.class, r.class_name, ...counts(r).map(String)]);
    }
    out.push([region.region_code ?? '', region.region_name, '', '小计', ...counts(region).map(String)]);
  }
  out.push(['', '', '', '总计', ...counts(stats.total).map(String)]);
  return out;
}
