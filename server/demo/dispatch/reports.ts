/** The demo's reports: when (month, weekday, holidays, time of day by channel), where (hotspots, grids, components), what. */
import type { WorkCalendar } from '../../calendar/calendar.js';
import type { Channel } from '../../cases/intake.js';
import { between, Choice, gauss, pick, stream, type Rng } from '../prng.js';
import { M_PER_DEG_LAT, mPerDegLon, randomPointIn, round7, type City, type Grid } from './city.js';
import type { Library } from './library.js';
import type { DispatchParams } from './params.js';

export const DAY_MS = 86_400_000;
export const CST_MS = 8 * 3600_000;
/** A local (China Standard Time) date and minutes after midnight → instant. */
export const localInstant = (date: string, minutes: number) =>
  new Date(Date.parse(`${date}T00:00:00+08:00`) + minutes * 60_000);
const localMonth = (t: Date) => new Date(t.getTime() + CST_MS).getUTCMonth() + 1;

export interface Report {
  t: number;
  channel: Channel;
  category: string;
  lon: number;
  lat: number;
  grid?: Grid;
  condition?: string;
  component?: string;
  hotspot?: string;
}

const PHRASES: Record<string, string> = {
  '06010': '路边有暴露垃圾未清运',
  '06011': '空地积存垃圾渣土',
  '06012': '路面有油污杂物，道路不洁',
  '06013': '人行道路面破损坑洼',
  '06014': '渣土车遗撒，路面污染',
  '06017': '绿地内有生活垃圾',
  '06036': '楼道口及路边乱堆杂物',
  '06007': '沿街晾挂衣物',
  '06001': '有人私搭乱建彩钢棚',
  '06027': '餐馆油烟直排',
  '06028': '夜间噪声扰民',
  '06029': '露天烧烤油烟大',
  '06034': '路边停放废弃车辆',
  '06040': '私设地锁占用公共车位',
  '06041': '垃圾桶内垃圾未分类投放',
  '06042': '垃圾箱满溢未清运',
  '07001': '墙面、电线杆张贴非法小广告',
  '07002': '路口有人散发小广告',
  '07003': '违规设置户外广告',
  '08002': '施工占用道路未设围挡',
  '08004': '工地扬尘未覆盖',
  '09001': '流动摊贩无照经营',
  '09005': '商户店外经营占用人行道',
  '09006': '摊贩占道经营',
  '09009': '机动车乱停放占用人行道',
  '09010': '非机动车乱停乱放',
  '09011': '共享单车堆积占道',
  '09012': '车辆占用消防通道',
  '10001': '道路积雪结冰，行人易滑倒',
  '10002': '架空线缆脱落垂地',
};

export function description(r: Report, catName: string): string {
  const code = r.category.slice(-5);
  const what =
    PHRASES[code] ??
    (r.category.startsWith('component:')
      ? `${catName}${r.condition ? r.condition.replace('、', '或') : '损坏'}`
      : `发现${catName}问题`);
  return r.hotspot ? `${r.hotspot}附近${what}` : what;
}

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '孙', '马', '朱', '胡', '郭'];

/** A place that draws reports around it: a hotspot of the library with its mix of matters and its spread. */
interface Place {
  name: string;
  x: number;
  y: number;
  mix: Choice<string>;
  radius: number;
}

/**
 * The story's reports (params.ts StoryParams): for each story place and each month of the period, its count of
 * reports (scaled, rounded) on days of that month drawn by the same day weights as the rest.
 */
function storyPlan(
  lib: Library,
  P: DispatchParams,
  seed: number,
  scale: number,
  days: string[],
  dayWeights: number[],
): { date: string; place: Place }[] {
  const byMonth = new Map<string, { days: string[]; weights: number[] }>();
  days.forEach((d, i) => {
    const m = byMonth.get(d.slice(0, 7)) ?? { days: [], weights: [] };
    m.days.push(d);
    m.weights.push(dayWeights[i]);
    byMonth.set(d.slice(0, 7), m);
  });
  const rng = stream(seed, 'story:days');
  const out: { date: string; place: Place }[] = [];
  for (const s of [P.story.growing, P.story.campaign]) {
    const h = lib.hotspots.find((x) => x.p.name === s.hotspot);
    if (!h) throw new Error(`demo dispatch: the story's hotspot '${s.hotspot}' is not one of the hotspots`);
    const place: Place = {
      name: s.hotspot,
      x: h.x,
      y: h.y,
      mix: new Choice(Object.keys(s.categories), Object.values(s.categories)),
      radius: s.radius_m,
    };
    for (const [month, count] of Object.entries(s.reports)) {
      const m = byMonth.get(month);
      if (!m) continue;
      const dayChoice = new Choice(m.days, m.weights);
      for (let k = 0; k < Math.round(count * scale); k++) out.push({ date: dayChoice.draw(rng), place });
    }
  }
  return out;
}

export function planReports(
  city: City,
  lib: Library,
  P: DispatchParams,
  seed: number,
  n: number,
  from: string,
  to: string,
  calendar: WorkCalendar,
): Report[] {
  const rng = stream(seed, 'reports');
  // Days, weighted by month, weekday and holidays.
  const days: string[] = [];
  const dayWeights: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    const weekday = new Date(t).getUTCDay(); // 0 = Sunday
    const month = new Date(t).getUTCMonth() + 1;
    const work = calendar.isWorkday(date);
    days.push(date);
    dayWeights.push((P.months[String(month)] ?? 1) * (work ? 1 : weekday === 0 || weekday === 6 ? 0.7 : 0.55));
  }
  if (days.length === 0) throw new Error(`demo dispatch: 'from' ${from} is after 'to' ${to}`);
  const dayChoice = new Choice(days, dayWeights);
  const channels = new Choice(Object.keys(P.channels) as Channel[], Object.values(P.channels));

  // Category choices per month (seasonal multipliers).
  const keys = Object.keys(P.categories);
  const monthly = new Map<number, Choice<string>>();
  for (let m = 1; m <= 12; m++) {
    monthly.set(
      m,
      new Choice(
        keys,
        keys.map((k) => {
          const s = P.seasonal[k];
          return P.categories[k] * (typeof s === 'object' ? (s[String(m)] ?? 1) : 1);
        }),
      ),
    );
  }
  const mixes = new Map(
    Object.entries(P.hotspotMix).map(([k, w]) => [k, new Choice(Object.keys(w), Object.values(w))]),
  );
  // The story's places draw their reports by the story's monthly counts, not by their weight.
  const story = storyPlan(lib, P, seed, n / P.cases, days, dayWeights);
  const storyNames = new Set([P.story.growing.hotspot, P.story.campaign.hotspot]);
  const hotspots = new Choice(
    lib.hotspots.map((h): Place => ({
      name: h.p.name,
      x: h.x,
      y: h.y,
      mix: mixes.get(h.p.kind) ?? new Choice([], []),
      radius: h.p.radius_m,
    })),
    lib.hotspots.map((h) => (storyNames.has(h.p.name) ? 0 : h.p.weight)),
  );

  // Background intensity per grid: area class × a community factor × a grid factor.
  const classOf = (street: string) => (street === city.central.code ? 1.8 : street === city.second.code ? 1.3 : 1);
  const commFactor = new Map(city.communities.map((c) => [c.code, between(rng, 0.5, 1.7)]));
  const gridChoice = new Choice(
    city.grids,
    city.grids.map((g) => classOf(g.street) * (commFactor.get(g.community) ?? 1) * between(rng, 0.4, 1.6)),
  );

  const componentsByCat = new Map<string, Library['components']>();
  for (const c of lib.components) {
    const list = componentsByCat.get(c.category);
    if (list) list.push(c);
    else componentsByCat.set(c.category, [c]);
  }
  const conditionRanges = Object.entries(P.conditions).map(([range, w]) => {
    const [lo, hi] = range.split('-');
    return { lo, hi: hi ?? lo, choice: new Choice(Object.keys(w), Object.values(w)) };
  });

  /** One report on `date`: at `place` (a hotspot) or, without one, a hotspot or a grid as the shares say. */
  const report = (rng: Rng, date: string, at?: Place): Report => {
    const channel = channels.draw(rng);
    // Time of day by channel: collectors patrol in the daytime, the hotlines take calls 07:00–23:00, video all day.
    const minutes =
      channel === 'collector' || channel === 'leader'
        ? rng() < 0.55
          ? between(rng, 8 * 60, 11 * 60 + 45)
          : between(rng, 13 * 60 + 30, 17 * 60 + 45)
        : channel === 'video'
          ? between(rng, 0, 24 * 60)
          : between(rng, 7 * 60, 23 * 60);
    const t = localInstant(date, minutes);
    const month = localMonth(t);
    let category: string, lon: number, lat: number, hotspot: string | undefined;
    const h = at ?? (rng() < P.hotspotShare ? hotspots.draw(rng) : undefined);
    if (h) {
      category = h.mix.empty ? monthly.get(month)!.draw(rng) : h.mix.draw(rng);
      const dx = gauss(rng) * h.radius,
        dy = gauss(rng) * h.radius;
      lon = h.x + dx / mPerDegLon(h.y);
      lat = h.y + dy / M_PER_DEG_LAT;
      hotspot = h.name;
    } else {
      category = monthly.get(month)!.draw(rng);
      [lon, lat] = randomPointIn(gridChoice.draw(rng), rng);
    }
    let component: string | undefined;
    const code = category.slice(-5);
    if (category.startsWith('component:') && componentsByCat.has(code) && rng() < P.components.caseShare) {
      const c = pick(rng, componentsByCat.get(code)!);
      component = c.code;
      lon = c.lon + (gauss(rng) * 1.5) / mPerDegLon(c.lat);
      lat = c.lat + (gauss(rng) * 1.5) / M_PER_DEG_LAT;
      hotspot = undefined;
    }
    const cond = conditionRanges.find((c) => code >= c.lo && code <= c.hi && category.startsWith('component:'));
    return {
      t: t.getTime() + Math.floor(rng() * 60) * 1000,
      channel,
      category,
      lon: round7(lon),
      lat: round7(lat),
      grid: city.index.find(lon, lat),
      condition: cond ? cond.choice.draw(rng) || undefined : undefined,
      component,
      hotspot,
    };
  };

  const background = Math.max(0, n - story.length);
  const out: Report[] = [];
  for (let i = 0; i < background; i++) out.push(report(rng, dayChoice.draw(rng)));
  // Repeat reports (重复投诉): the same problem reported again through a public channel a few hours later, a few
  // metres away; the intake's duplicate search suggests the earlier case while it is still open.
  const repeats = Math.round(background * P.repeatShare);
  const lastInstant = localInstant(to, 23 * 60).getTime();
  for (let k = 0; k < repeats && out.length > repeats; k++) {
    const base = out[Math.floor(rng() * (out.length - repeats))];
    const t = Math.min(base.t + between(rng, P.repeatHours[0], P.repeatHours[1]) * 3600_000, lastInstant);
    const d = between(rng, 3, 25),
      a = between(rng, 0, 2 * Math.PI);
    const lon = base.lon + (d * Math.cos(a)) / mPerDegLon(base.lat),
      lat = base.lat + (d * Math.sin(a)) / M_PER_DEG_LAT;
    out[out.length - repeats + k] = {
      ...base,
      t: Math.max(t, base.t + 60_000),
      channel: rng() < 0.7 ? 'hotline_12345' : 'wechat',
      component: undefined,
      lon: round7(lon),
      lat: round7(lat),
      grid: city.index.find(lon, lat),
    };
  }
  // The story's reports come from a stream of their own: the background does not move them.
  const storyRng = stream(seed, 'story:reports');
  for (const s of story) out.push(report(storyRng, s.date, s.place));
  out.sort((a, b) => a.t - b.t || a.lon - b.lon);
  return out;
}
