/**
 * The leaders' story of the demo city (data/demo-dispatch.json "story"; README "The leaders' story"), asserted through
 * the APIs the planner's views call — GET /api/analysis/hotspots and /emerging (the 分析 panel), GET
 * /api/evaluation/departments (the 综合评价 page) — as a leader (viewer) sees them, on the whole demo as `npm start`
 * loads it. One load per run (the replay of the year takes about a minute on PGlite), like dispatch.test.ts.
 *
 * The story's places are found by their reports: the demo describes a hotspot's report as 「<hotspot>附近…」 and
 * draws the story places' reports only from the story's monthly counts, so those cases are the story's. A place's
 * grids are the grids holding at least a fifth of its located reports.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { DISPATCH_PARAMS } from '../../server/demo/dispatch.js';
import { loadDemoCity } from '../../server/demo/load.js';
import { TREND_ALPHA } from '../../server/analysis/emerging.js';
import { mannKendall } from '../../server/analysis/mann-kendall.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const STORY = DISPATCH_PARAMS.story;
/** The demo's year in whole months: the month of `from` to the month after `to` (12 monthly steps). */
const nextMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number);
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
};
const MONTHS: string[] = [];
for (let m = DISPATCH_PARAMS.from.slice(0, 7); m <= DISPATCH_PARAMS.to.slice(0, 7); m = nextMonth(m)) MONTHS.push(m);
const YEAR = `from=${MONTHS[0]}-01&to=${nextMonth(MONTHS[MONTHS.length - 1])}-01`;

const HOT_EMERGING = ['new_hot_spot', 'consecutive_hot_spot', 'intensifying_hot_spot'];
const IMPROVING = ['diminishing_hot_spot', 'historical_hot_spot'];

interface Props {
  code: string;
  count: number;
  bin: number;
  z: number;
  category: string;
  category_label: string;
  count_trend: { z: number; p: number };
  gi_trend: { z: number; p: number };
  counts: number[];
  bins: number[];
}

describe(`the demo's leaders' story (${DRIVER})`, function () {
  this.timeout(900_000);
  let database: Database;
  let server: TestServer;
  let leader: string;
  /** The story places' grids, most reports first. */
  const grids: Record<'growing' | 'campaign', string[]> = { growing: [], campaign: [] };

  const get = async (path: string) => {
    const r = await request(server, 'GET', path, { token: leader });
    expect(r.status, r.text).to.equal(200);
    return r.body;
  };
  const features = async (path: string): Promise<Map<string, Props>> =>
    new Map(((await get(path)).features as { properties: Props }[]).map((f) => [f.properties.code, f.properties]));

  before(async () => {
    database = await openTestDatabase();
    const s = (await loadDemoCity(database)).dispatch!;
    expect(s.failures).to.equal(0);
    server = await startTestServer(database);
    leader = (await createUser(database.db, '区领导', 'viewer')).token;
    for (const key of ['growing', 'campaign'] as const) {
      const rows = (
        await sql<{ grid: string; n: number }>`
          select grid_code::text as grid, count(*)::int as n from case_record
          where description like ${`${STORY[key].hotspot}附近%`} and grid_code is not null
          group by 1 order by 2 desc, 1`.execute(database.db)
      ).rows;
      const total = rows.reduce((a, r) => a + r.n, 0);
      grids[key] = rows.filter((r) => r.n * 5 >= total).map((r) => r.grid);
    }
  });
  after(async () => {
    await server?.close();
    await database?.close();
  });

  it("places the story's reports by month as the parameters say", async () => {
    const rows = (
      await sql<{ hotspot: string; month: string; n: number }>`
        select split_part(description, '附近', 1) as hotspot,
               to_char(reported_at at time zone 'Asia/Shanghai', 'YYYY-MM') as month, count(*)::int as n
        from case_record where split_part(description, '附近', 1) = any(${[STORY.growing.hotspot, STORY.campaign.hotspot]}::text[])
          and description like '%附近%'
        group by 1, 2`.execute(database.db)
    ).rows;
    for (const key of ['growing', 'campaign'] as const) {
      const got = Object.fromEntries(rows.filter((r) => r.hotspot === STORY[key].hotspot).map((r) => [r.month, r.n]));
      const want = Object.fromEntries(Object.entries(STORY[key].reports).filter(([, n]) => n > 0));
      expect(got, key).to.deep.equal(want);
    }
    expect(grids.growing.length, 'the market area').to.be.within(1, 4);
    expect(grids.campaign.length, 'the campaign area').to.be.within(1, 4);
  });

  it('the market area is a hot spot of the year (Gi*, 99 %), with and without FDR', async () => {
    for (const fdr of [false, true]) {
      const hot = await features(`/api/analysis/hotspots?${YEAR}&fdr=${fdr}&geometry=false`);
      for (const g of grids.growing) expect(hot.get(g)?.bin, `${g} fdr=${fdr}`).to.equal(3);
    }
  });

  it('the market area is an emerging hot spot (new, consecutive or intensifying) of its matters, its counts rising', async () => {
    const weights = Object.entries(STORY.growing.categories).sort((a, b) => b[1] - a[1]);
    const top = weights[0][0];
    const major = top.slice(0, -3); // matter:09006 → matter:09 (街面秩序类)
    for (const category of [null, major, top]) {
      // fdr=true is the API's default (as ArcGIS); the 分析 panel asks without FDR unless its box is ticked.
      for (const fdr of [true, false]) {
        const q = `/api/analysis/emerging?${YEAR}&step=month&fdr=${fdr}&geometry=false${category ? `&category=${category}` : ''}`;
        const units = await features(q);
        for (const g of grids.growing) {
          const u = units.get(g)!;
          const what = `${g} ${category ?? 'all'} fdr=${fdr}: ${u.category} counts ${u.counts} bins ${u.bins}`;
          expect(HOT_EMERGING, what).to.include(u.category);
          expect(u.count_trend.z, what).to.be.above(0);
          expect(u.count_trend.p, what).to.be.below(0.05);
          // Not hot in the first months of the year, hot in the last one.
          expect(u.bins.slice(0, 4), what).to.deep.equal([0, 0, 0, 0]);
          expect(u.bins[u.bins.length - 1], what).to.be.above(0);
        }
      }
    }
  });

  it('the campaign area is a diminishing (or historical) hot spot after its campaign month, its Gi* falling', async () => {
    const k = MONTHS.indexOf(STORY.campaign.month);
    expect(k, STORY.campaign.month).to.be.above(3);
    for (const fdr of [true, false]) {
      const units = await features(`/api/analysis/emerging?${YEAR}&step=month&fdr=${fdr}&geometry=false`);
      const area = new Array<number>(MONTHS.length).fill(0);
      for (const g of grids.campaign) {
        const u = units.get(g)!;
        const what = `${g} fdr=${fdr}: ${u.category} counts ${u.counts} bins ${u.bins}`;
        expect(IMPROVING, what).to.include(u.category);
        expect(u.gi_trend.z, what).to.be.below(0);
        expect(u.gi_trend.p, what).to.be.below(TREND_ALPHA);
        // Hot in every month before the campaign.
        expect(
          u.bins.slice(0, k).every((b) => b > 0),
          what,
        ).to.equal(true);
        u.counts.forEach((n, t) => (area[t] += n));
      }
      // The area's monthly reports: a significant downward Mann–Kendall trend, a third or less after the campaign.
      const trend = mannKendall(area);
      expect(trend.z, `${area}`).to.be.below(0);
      expect(trend.p, `${area}`).to.be.below(0.05);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(area.slice(k + 1)), `${area}`).to.be.at.most(mean(area.slice(0, k)) / 3);
    }
  });

  it('the late department is last by on-time disposal over the year, graded D or E', async () => {
    const rows = (await get(`/api/evaluation/departments?${YEAR}`)).rows as {
      department_code: string;
      department_name: string;
      to_dispose: number;
      on_time_disposal_rate: number | null;
      grade: string | null;
    }[];
    const late = rows.find((r) => r.department_code === STORY.late.department)!;
    expect(late.department_name).to.equal('城区保洁服务有限公司');
    expect(late.to_dispose).to.be.above(20);
    for (const r of rows.filter((x) => x !== late)) {
      expect(r.on_time_disposal_rate ?? 1, r.department_code).to.be.above(late.on_time_disposal_rate!);
    }
    expect(late.on_time_disposal_rate).to.be.below(0.25);
    expect(['D', 'E']).to.include(late.grade);
  });

  it('month after month: the late department is last (or tied) by on-time disposal in most months', async () => {
    let last = 0;
    let months = 0;
    for (const m of MONTHS) {
      const rows = (await get(`/api/evaluation/departments?from=${m}-01&to=${nextMonth(m)}-01`)).rows as {
        department_code: string;
        on_time_disposal_rate: number | null;
      }[];
      const late = rows.find((r) => r.department_code === STORY.late.department);
      if (!late) continue;
      months++;
      const lowest = Math.min(...rows.map((r) => r.on_time_disposal_rate ?? 1));
      if (late.on_time_disposal_rate === lowest) last++;
    }
    expect(months).to.be.at.least(MONTHS.length - 1);
    expect(last, `last in ${last} of ${months} months`).to.be.at.least(Math.ceil(months * 0.75));
  });
});
