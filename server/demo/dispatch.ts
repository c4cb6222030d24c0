/**
 * Demo dispatch data for the demo city (parameters in data/demo-dispatch.json), deterministic from a seed:
 *
 *  - the responsibility library: a supervision centre (属地兜底 everywhere), one street office per street (兜底 of
 *    its street), the professional departments (市政, 园林, 环卫 and a cleaning contractor, 城管执法 with two street
 *    squads, 交警, 电力, 通信, 水务, 燃气), rules by major class, by exact class, by street (regions), by a park
 *    polygon and one time-limited rule that wins on priority; area classes (A = the street at the district's centre,
 *    B = the street nearest to it, the rest C); collectors (监督员) and collector areas (contiguous runs of
 *    communities per street, together covering every live grid exactly once); manhole covers with maintainers;
 *  - a year of cases, replayed in time order through the real code — intakeCase() for every report and
 *    applyAction() for every workflow step, each with `now` set to the simulated instant — so assignment,
 *    deadlines, duplicates and history are exactly what the service itself produces. Hotspots (markets, schools, a
 *    night market, a bus station) draw dense clusters of their typical matters; the rest spreads over the grids.
 *    Centre and department actions happen in working time (the working calendar); a few per cent of disposals are
 *    late, some cases are reworked (返工), voided (作废, many as duplicates), returned, re-assigned or parked, and
 *    the cases of the last days and weeks are still open in their various states.
 *
 * The actions are taken by system actors (app_user id null, role admin, names like 「受理员 陈静」 or a department's
 * name): no app_user rows are created, so the server's first-start admin account is unaffected.
 */
import fs from 'node:fs';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import type { Database } from '../db/open.js';
import type { User } from '../auth/tokens.js';
import type { CrsName } from '../geo/crs.js';
import { fromWgs84 } from '../geo/crs.js';
import { loadCalendar } from '../calendar/store.js';
import type { WorkCalendar } from '../calendar/calendar.js';
import { applyAction } from '../cases/actions.js';
import { intakeCase, type Channel, type ReportInput } from '../cases/intake.js';
import { stream, type Rng } from './prng.js';

// ---------------------------------------------------------------------------------------------------------------
// Parameters

type StreetRef = 'A' | 'B' | number;
type AreaSpec = { street: StreetRef } | 'park' | undefined;

interface DeptParam {
  code: string; name: string; kind: string; parent?: string; contact?: string; phone?: string;
  fallback?: 'everywhere' | 'street'; perStreet?: boolean; street?: StreetRef;
}
interface RuleParam {
  name: string; kind: 'component' | 'matter' | null; patterns: string[]; department: string; area?: AreaSpec;
  priority?: number; valid_from?: string; valid_to?: string;
}
interface HotspotParam { name: string; kind: string; street: StreetRef; weight: number; radius_m: number }
type Weights = Record<string, number>;

export interface DispatchParams {
  seed: number;
  from: string;
  to: string;
  cases: number;
  departments: DeptParam[];
  rules: RuleParam[];
  park: { name: string; street: StreetRef; radius_m: number };
  areaClasses: { name: string; class: 'A' | 'B' | 'C'; street: StreetRef }[];
  collectors: { areas: number; names: string[]; sharedAreas: number[] };
  components: {
    count: number; categories: Weights; owner: Record<string, string>; maintainer: Record<string, string>; caseShare: number;
  };
  channels: Weights;
  categories: Weights;
  seasonal: Record<string, Record<string, number> | string>;
  months: Record<string, number>;
  conditions: Record<string, Weights>;
  hotspotShare: number;
  repeatShare: number;
  repeatHours: [number, number];
  hotspots: HotspotParam[];
  hotspotMix: Record<string, Weights>;
  workflow: {
    verifyShare: number; voidShare: number; voidDuplicateShare: number; voidAfterVerifyShare: number;
    returnShare: number; reassignShare: number; parkShare: number; parkWorkdays: [number, number];
    lateDisposeShare: number; urgeLateShare: number; reworkShare: number; slowCentreShare: number;
    alternatives: Record<string, string>; staff: Record<string, string>;
  };
}

export const DISPATCH_PARAMS = JSON.parse(
  fs.readFileSync(new URL('../../data/demo-dispatch.json', import.meta.url), 'utf8'),
) as DispatchParams;

export interface DemoDispatchOptions {
  /** PRNG seed (default from data/demo-dispatch.json). Same seed and options → the same data. */
  seed?: number;
  /** About how many cases to report (default from the parameters file). */
  cases?: number;
  /** First and last local day of reports, YYYY-MM-DD (inclusive). The demo's "now" is 10:00 the day after `to`. */
  from?: string;
  to?: string;
  log?: Logger;
}

export interface DemoDispatchSummary {
  departments: number;
  rules: number;
  areaClassZones: number;
  collectors: number;
  collectorAreas: number;
  components: number;
  cases: number;
  events: number;
  byState: Record<string, number>;
  voided: number;
  reworked: number;
  parked: number;
  /** Cases disposed after their disposal deadline. */
  disposedLate: number;
  /** Cases open at the demo's "now" whose stage deadline has passed. */
  openOverdue: number;
  /** Actions the replay could not apply (0 unless the workflow code refuses something it should allow). */
  failures: number;
  /** The demo's "now": 10:00 local time on the day after the last day of reports. */
  end: string;
  seconds: number;
}

// ---------------------------------------------------------------------------------------------------------------
// PRNG: server/demo/prng.ts (the demo city's generator uses the same streams).


const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];
function gauss(rng: Rng): number {
  const u = Math.max(rng(), 1e-12), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
/** A positive skewed value with the given median (log-normal, sigma in log units). */
const logNormal = (rng: Rng, median: number, sigma: number) => median * Math.exp(sigma * gauss(rng));

/** Weighted choice from cumulative weights. */
class Choice<T> {
  private readonly cum: number[] = [];
  private readonly total: number;
  constructor(readonly items: T[], weights: number[]) {
    let s = 0;
    for (const w of weights) this.cum.push((s += Math.max(0, w)));
    this.total = s;
  }
  get empty(): boolean { return this.total <= 0; }
  draw(rng: Rng): T {
    const x = rng() * this.total;
    let lo = 0, hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry helpers (lon/lat; small distances in a local metric plane)

const M_PER_DEG_LAT = 110_574;
const mPerDegLon = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);

type Ring = number[][];
type Poly = Ring[];

function inRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const inPolys = (x: number, y: number, polys: Poly[]) =>
  polys.some((p) => inRing(x, y, p[0]) && !p.slice(1).some((h) => inRing(x, y, h)));

interface Grid {
  code: string; name: string; community: string; street: string;
  polys: Poly[]; bbox: [number, number, number, number]; px: number; py: number;
}

/** A bucket index of grid bounding boxes for point lookups in JS (the database decides the real assignment). */
class GridIndex {
  private readonly cells = new Map<string, number[]>();
  private static readonly SIZE = 0.004;
  constructor(private readonly grids: Grid[]) {
    grids.forEach((g, i) => {
      for (let x = Math.floor(g.bbox[0] / GridIndex.SIZE); x <= Math.floor(g.bbox[2] / GridIndex.SIZE); x++) {
        for (let y = Math.floor(g.bbox[1] / GridIndex.SIZE); y <= Math.floor(g.bbox[3] / GridIndex.SIZE); y++) {
          const k = `${x}/${y}`;
          const list = this.cells.get(k);
          if (list) list.push(i); else this.cells.set(k, [i]);
        }
      }
    });
  }
  find(lon: number, lat: number): Grid | undefined {
    const list = this.cells.get(`${Math.floor(lon / GridIndex.SIZE)}/${Math.floor(lat / GridIndex.SIZE)}`) ?? [];
    for (const i of list) {
      const g = this.grids[i];
      if (lon >= g.bbox[0] && lon <= g.bbox[2] && lat >= g.bbox[1] && lat <= g.bbox[3] && inPolys(lon, lat, g.polys)) return g;
    }
    return undefined;
  }
}

function randomPointIn(g: Grid, rng: Rng): [number, number] {
  for (let k = 0; k < 50; k++) {
    const x = between(rng, g.bbox[0], g.bbox[2]), y = between(rng, g.bbox[1], g.bbox[3]);
    if (inPolys(x, y, g.polys)) return [x, y];
  }
  return [g.px, g.py];
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

// ---------------------------------------------------------------------------------------------------------------
// The city as stored (read back from the database, so this works on whatever the import produced)

interface Region { code: string; name: string; area_m2: number; x: number; y: number }

interface City {
  district: Region;
  streets: Region[];
  communities: (Region & { street: string })[];
  grids: Grid[];
  index: GridIndex;
  central: Region;
  second: Region;
}

async function readCity(db: Kysely<DB>): Promise<City> {
  const regions = (await sql<Region & { level: string; parent_code: string | null }>`
    select code, name, level, parent_code, area_m2, ST_X(p) as x, ST_Y(p) as y
    from (select *, ST_PointOnSurface(geom) as p from region where termination_date is null) r order by code`.execute(db)).rows;
  const districts = regions.filter((r) => r.level === 'district');
  if (districts.length !== 1) throw new Error(`demo dispatch data needs exactly one district, found ${districts.length}`);
  const district = districts[0];
  const streets = regions.filter((r) => r.level === 'street');
  const communities = regions.filter((r) => r.level === 'community').map((r) => ({ ...r, street: r.parent_code! }));
  const rows = (await sql<{ code: string; name: string; community_code: string; street_code: string; gj: string;
    x0: number; y0: number; x1: number; y1: number; px: number; py: number }>`
    select code, name, community_code, street_code, ST_AsGeoJSON(geom) as gj,
           ST_XMin(geom) as x0, ST_YMin(geom) as y0, ST_XMax(geom) as x1, ST_YMax(geom) as y1,
           ST_X(ST_PointOnSurface(geom)) as px, ST_Y(ST_PointOnSurface(geom)) as py
    from unit_grid where termination_date is null order by code`.execute(db)).rows;
  const grids: Grid[] = rows.map((r) => {
    const g = JSON.parse(r.gj) as { type: string; coordinates: unknown };
    const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Poly[];
    return {
      code: r.code, name: r.name, community: r.community_code, street: r.street_code, polys,
      bbox: [r.x0, r.y0, r.x1, r.y1], px: r.px, py: r.py,
    };
  });
  if (streets.length === 0 || grids.length === 0) throw new Error('demo dispatch data needs streets and unit grids');
  // The central street: the one whose grids surround the district's centre; B: the street nearest to it.
  const centre = (await sql<{ x: number; y: number }>`
    select ST_X(c) as x, ST_Y(c) as y from (select ST_Centroid(geom) as c from region where code = ${district.code}
      and termination_date is null) q`.execute(db)).rows[0];
  const dist = (r: { x: number; y: number }, p: { x: number; y: number }) =>
    Math.hypot((r.x - p.x) * mPerDegLon(p.y), (r.y - p.y) * M_PER_DEG_LAT);
  const streetOf = (await sql<{ code: string }>`
    select code from region where level = 'street' and termination_date is null
    order by ST_Distance(geom, ST_SetSRID(ST_MakePoint(${centre.x}, ${centre.y}), 4326)), code limit 1`.execute(db)).rows[0].code;
  const central = streets.find((s) => s.code === streetOf)!;
  const others = streets.filter((s) => s !== central).sort((a, b) => dist(a, central) - dist(b, central));
  const second = others[0] ?? central;
  return { district, streets, communities, grids, index: new GridIndex(grids), central, second };
}

function streetByRef(city: City, ref: StreetRef): Region {
  if (ref === 'A') return city.central;
  if (ref === 'B') return city.second;
  return city.streets[Math.min(ref, city.streets.length - 1)];
}

// ---------------------------------------------------------------------------------------------------------------
// The responsibility library

interface Library {
  departments: Map<string, { code: string; name: string; kind: string }>;
  /** street code → its street office's department code */
  streetOffice: Map<string, string>;
  /** grid code → collector area index */
  areaOfGrid: Map<string, number>;
  collectors: { id: number; code: string; name: string }[];
  /** area index → collector indexes */
  areaCollectors: number[][];
  components: { code: string; category: string; lon: number; lat: number }[];
  hotspots: { p: HotspotParam; x: number; y: number }[];
  counts: { departments: number; rules: number; zones: number; collectors: number; areas: number; components: number };
}

async function buildLibrary(trx: Transaction<DB>, city: City, P: DispatchParams, seed: number, areasWanted: number): Promise<Library> {
  const rng = stream(seed, 'library');
  const departments = new Map<string, { code: string; name: string; kind: string }>();
  const streetOffice = new Map<string, string>();

  // Departments (parents first: the parameter file lists them in that order).
  for (const d of P.departments) {
    const rows = d.perStreet
      ? city.streets.map((s, i) => ({ ...d, code: `${d.code}${String(i + 1).padStart(2, '0')}`, name: d.name.replace('{street}', s.name),
        phone: (d.phone ?? '').replace('{n}', String(i + 1)), fallbackFor: s.code, street: s.code }))
      : [{ ...d, name: d.name.replace('{street}', d.street === undefined ? '' : streetByRef(city, d.street).name),
        phone: d.phone ?? '', fallbackFor: d.fallback === 'everywhere' ? '' : null, street: undefined as string | undefined }];
    for (const r of rows) {
      await sql`insert into department (code, name, parent_code, kind, contact, phone, fallback_for)
        values (${r.code}, ${r.name}, ${r.parent ?? null}, ${r.kind}, ${r.contact ?? ''}, ${r.phone}, ${r.fallbackFor})`.execute(trx);
      departments.set(r.code, { code: r.code, name: r.name, kind: r.kind });
      if (r.street) streetOffice.set(r.street, r.code);
    }
  }

  // The park: the grids around a grid of the chosen street, dissolved into one polygon.
  const parkStreet = streetByRef(city, P.park.street);
  const parkGrids = city.grids.filter((g) => g.street === parkStreet.code);
  const parkCentre = parkGrids[Math.floor(parkGrids.length * between(rng, 0.35, 0.65))];
  const near = (g: Grid, c: { px: number; py: number }, r: number) =>
    Math.hypot((g.px - c.px) * mPerDegLon(c.py), (g.py - c.py) * M_PER_DEG_LAT) <= r;
  const parkCodes = city.grids.filter((g) => near(g, parkCentre, P.park.radius_m)).map((g) => g.code);
  const parkGeom = sql`(select ST_Multi(ST_Union(geom)) from unit_grid where termination_date is null and code = any(${parkCodes}::text[]))`;

  // Area-class zones.
  for (const z of P.areaClasses) {
    const s = streetByRef(city, z.street);
    await sql`insert into area_class_zone (name, class, area_kind, area_codes)
      values (${z.name.replace('{street}', s.name)}, ${z.class}, 'regions', ${[s.code]}::text[])`.execute(trx);
  }

  // Rules, one per pattern.
  let rules = 0;
  const categoryName = new Map((await sql<{ key: string; name: string }>`
    select kind || ':' || code as key, name from category`.execute(trx)).rows.map((r) => [r.key, r.name]));
  for (const r of P.rules) {
    for (const pattern of r.patterns) {
      const cat = categoryName.get(`${r.kind ?? 'matter'}:${pattern}`) ?? categoryName.get(`component:${pattern}`) ?? pattern;
      let name = r.name.replace('{category}', cat).replace('{park}', P.park.name);
      let area = sql`'anywhere', '{}'::text[], null::geometry, null::float8`;
      if (r.area === 'park') {
        area = sql`'polygon', '{}'::text[], ${parkGeom}, (select ST_Area(${parkGeom}::geography))`;
      } else if (r.area) {
        const s = streetByRef(city, r.area.street);
        name = name.replace('{street}', s.name);
        area = sql`'regions', ${[s.code]}::text[], null::geometry, ${s.area_m2}::float8`;
      }
      await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_geom, area_m2,
          department_code, priority, valid_from, valid_to)
        values (${name}, ${r.kind}, ${pattern}, ${area}, ${r.department}, ${r.priority ?? 0},
          ${r.valid_from ?? null}::date, ${r.valid_to ?? null}::date)`.execute(trx);
      rules++;
    }
  }

  // Collector areas: per street (in code order) a share of the areas proportional to its grids; within a street,
  // consecutive communities (code order) grouped to balance the grid counts. Every live grid lies in exactly one.
  const gridsByCommunity = new Map<string, Grid[]>();
  for (const g of city.grids) {
    const list = gridsByCommunity.get(g.community);
    if (list) list.push(g); else gridsByCommunity.set(g.community, [g]);
  }
  const streetGrids = city.streets.map((s) => city.grids.filter((g) => g.street === s.code).length);
  const nAreas = Math.max(city.streets.length, Math.min(areasWanted, city.communities.length));
  const quota = streetGrids.map((n) => (n / city.grids.length) * nAreas);
  const perStreet = quota.map((q) => Math.max(1, Math.floor(q)));
  while (perStreet.reduce((a, b) => a + b, 0) < nAreas) {
    let best = 0;
    for (let i = 1; i < quota.length; i++) if (quota[i] - perStreet[i] > quota[best] - perStreet[best]) best = i;
    perStreet[best]++;
  }
  const areaGrids: { name: string; codes: string[] }[] = [];
  city.streets.forEach((s, si) => {
    const comms = city.communities.filter((c) => c.street === s.code && gridsByCommunity.has(c.code));
    const k = Math.min(perStreet[si], comms.length);
    const total = comms.reduce((sum, c) => sum + gridsByCommunity.get(c.code)!.length, 0);
    let group: string[] = [], done = 0, made = 0;
    comms.forEach((c, ci) => {
      group.push(...gridsByCommunity.get(c.code)!.map((g) => g.code));
      done += gridsByCommunity.get(c.code)!.length;
      const left = comms.length - ci - 1;
      const target = (total * (made + 1)) / k;
      if (made < k - 1 && (done >= target - gridsByCommunity.get(c.code)!.length / 2 || left === k - made - 1)) {
        areaGrids.push({ name: `${s.name}第${made + 1}监督责任区`, codes: group });
        group = []; made++;
      }
    });
    if (group.length) areaGrids.push({ name: `${s.name}第${made + 1}监督责任区`, codes: group });
  });
  const areaOfGrid = new Map<string, number>();
  areaGrids.forEach((a, i) => a.codes.forEach((c) => areaOfGrid.set(c, i)));

  const collectors: Library['collectors'] = [];
  for (let i = 0; i < areaGrids.length; i++) {
    const name = P.collectors.names[i % P.collectors.names.length];
    const code = `JC${String(i + 1).padStart(2, '0')}`;
    const phone = `139${String(20260000 + i * 7919).padStart(8, '0')}`;
    const r = await sql<{ id: number }>`insert into collector (code, name, phone) values (${code}, ${name}, ${phone}) returning id`.execute(trx);
    collectors.push({ id: r.rows[0].id, code, name });
  }
  const areaCollectors = areaGrids.map((_, i) => (P.collectors.sharedAreas.includes(i) && areaGrids.length > 1
    ? [i, (i + 1) % areaGrids.length] : [i]));
  for (let i = 0; i < areaGrids.length; i++) {
    await sql`insert into collector_area (name, grid_codes, collector_ids)
      values (${areaGrids[i].name}, ${areaGrids[i].codes}::text[], ${areaCollectors[i].map((c) => collectors[c].id)}::int[])`.execute(trx);
  }

  // Components: manhole covers at random points of random grids, with their owner and maintainer.
  const compCats = new Choice(Object.keys(P.components.categories), Object.values(P.components.categories));
  const components: Library['components'] = [];
  const serials = new Map<string, number>();
  for (let i = 0; i < P.components.count; i++) {
    const cat = compCats.draw(rng);
    const g = pick(rng, city.grids);
    const [lon, lat] = randomPointIn(g, rng).map(round7);
    const serial = (serials.get(cat) ?? 0) + 1;
    serials.set(cat, serial);
    const code = `${city.district.code}${cat}${String(serial).padStart(6, '0')}`;
    await sql`insert into component (code, category_code, name, owner_code, maintainer_code, geom)
      values (${code}, ${cat}, ${`${categoryName.get(`component:${cat}`) ?? cat} ${g.name}`}, ${P.components.owner[cat] ?? null},
        ${P.components.maintainer[cat] ?? null}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326))`.execute(trx);
    components.push({ code, category: cat, lon, lat });
  }

  // Hotspots: a grid of the chosen street, at least 500 m from the other hotspots and the park.
  const hotspots: Library['hotspots'] = [];
  for (const h of P.hotspots) {
    const s = streetByRef(city, h.street);
    const candidates = city.grids.filter((g) => g.street === s.code);
    let chosen = candidates[0];
    for (let k = 0; k < 200; k++) {
      const g = pick(rng, candidates);
      chosen = g;
      const far = (x: number, y: number) => Math.hypot((g.px - x) * mPerDegLon(y), (g.py - y) * M_PER_DEG_LAT) > 500;
      if (hotspots.every((o) => far(o.x, o.y)) && far(parkCentre.px, parkCentre.py)) break;
    }
    hotspots.push({ p: h, x: chosen.px, y: chosen.py });
  }

  return {
    departments, streetOffice, areaOfGrid, collectors, areaCollectors, components, hotspots,
    counts: {
      departments: departments.size, rules, zones: P.areaClasses.length, collectors: collectors.length,
      areas: areaGrids.length, components: components.length,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reports: when, where, what, through which channel

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;
/** A local (China Standard Time) date and minutes after midnight → instant. */
const localInstant = (date: string, minutes: number) => new Date(Date.parse(`${date}T00:00:00+08:00`) + minutes * 60_000);
const localMonth = (t: Date) => new Date(t.getTime() + CST_MS).getUTCMonth() + 1;

interface Report {
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
  '06010': '路边有暴露垃圾未清运', '06011': '空地积存垃圾渣土', '06012': '路面有油污杂物，道路不洁', '06013': '人行道路面破损坑洼',
  '06014': '渣土车遗撒，路面污染', '06017': '绿地内有生活垃圾', '06036': '楼道口及路边乱堆杂物', '06007': '沿街晾挂衣物',
  '06001': '有人私搭乱建彩钢棚', '06027': '餐馆油烟直排', '06028': '夜间噪声扰民', '06029': '露天烧烤油烟大',
  '06034': '路边停放废弃车辆', '06040': '私设地锁占用公共车位', '06041': '垃圾桶内垃圾未分类投放', '06042': '垃圾箱满溢未清运',
  '07001': '墙面、电线杆张贴非法小广告', '07002': '路口有人散发小广告', '07003': '违规设置户外广告', '08002': '施工占用道路未设围挡',
  '08004': '工地扬尘未覆盖', '09001': '流动摊贩无照经营', '09005': '商户店外经营占用人行道', '09006': '摊贩占道经营',
  '09009': '机动车乱停放占用人行道', '09010': '非机动车乱停乱放', '09011': '共享单车堆积占道', '09012': '车辆占用消防通道',
  '10001': '道路积雪结冰，行人易滑倒', '10002': '架空线缆脱落垂地',
};

function description(r: Report, catName: string): string {
  const code = r.category.slice(-5);
  const what = PHRASES[code] ?? (r.category.startsWith('component:') ? `${catName}${r.condition ? r.condition.replace('、', '或') : '损坏'}` : `发现${catName}问题`);
  return r.hotspot ? `${r.hotspot}附近${what}` : what;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '孙', '马', '朱', '胡', '郭'];

function planReports(city: City, lib: Library, P: DispatchParams, seed: number, n: number, from: string, to: string,
  calendar: WorkCalendar): Report[] {
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
    monthly.set(m, new Choice(keys, keys.map((k) => {
      const s = P.seasonal[k];
      return P.categories[k] * (typeof s === 'object' ? (s[String(m)] ?? 1) : 1);
    })));
  }
  const mixes = new Map(Object.entries(P.hotspotMix).map(([k, w]) => [k, new Choice(Object.keys(w), Object.values(w))]));
  const hotspots = new Choice(lib.hotspots, lib.hotspots.map((h) => h.p.weight));

  // Background intensity per grid: area class × a community factor × a grid factor.
  const classOf = (street: string) => (street === city.central.code ? 1.8 : street === city.second.code ? 1.3 : 1);
  const commFactor = new Map(city.communities.map((c) => [c.code, between(rng, 0.5, 1.7)]));
  const gridChoice = new Choice(city.grids, city.grids.map((g) => classOf(g.street) * (commFactor.get(g.community) ?? 1) * between(rng, 0.4, 1.6)));

  const componentsByCat = new Map<string, Library['components']>();
  for (const c of lib.components) {
    const list = componentsByCat.get(c.category);
    if (list) list.push(c); else componentsByCat.set(c.category, [c]);
  }
  const conditionRanges = Object.entries(P.conditions).map(([range, w]) => {
    const [lo, hi] = range.split('-');
    return { lo, hi: hi ?? lo, choice: new Choice(Object.keys(w), Object.values(w)) };
  });

  const out: Report[] = [];
  for (let i = 0; i < n; i++) {
    const date = dayChoice.draw(rng);
    const channel = channels.draw(rng);
    // Time of day by channel: collectors patrol in the daytime, the hotlines take calls 07:00–23:00, video all day.
    const minutes = channel === 'collector' || channel === 'leader'
      ? (rng() < 0.55 ? between(rng, 8 * 60, 11 * 60 + 45) : between(rng, 13 * 60 + 30, 17 * 60 + 45))
      : channel === 'video' ? between(rng, 0, 24 * 60) : between(rng, 7 * 60, 23 * 60);
    const t = localInstant(date, minutes);
    const month = localMonth(t);
    let category: string, lon: number, lat: number, hotspot: string | undefined;
    if (rng() < P.hotspotShare) {
      const h = hotspots.draw(rng);
      category = mixes.get(h.p.kind)?.draw(rng) ?? monthly.get(month)!.draw(rng);
      const dx = gauss(rng) * h.p.radius_m, dy = gauss(rng) * h.p.radius_m;
      lon = h.x + dx / mPerDegLon(h.y);
      lat = h.y + dy / M_PER_DEG_LAT;
      hotspot = h.p.name;
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
    out.push({
      t: t.getTime() + Math.floor(rng() * 60) * 1000, channel, category, lon: round7(lon), lat: round7(lat),
      grid: city.index.find(lon, lat), condition: cond ? cond.choice.draw(rng) || undefined : undefined, component, hotspot,
    });
  }
  // Repeat reports (重复投诉): the same problem reported again through a public channel a few hours later, a few
  // metres away; the intake's duplicate search suggests the earlier case while it is still open.
  const repeats = Math.round(n * P.repeatShare);
  const lastInstant = localInstant(to, 23 * 60).getTime();
  for (let k = 0; k < repeats && out.length > repeats; k++) {
    const base = out[Math.floor(rng() * (out.length - repeats))];
    const t = Math.min(base.t + between(rng, P.repeatHours[0], P.repeatHours[1]) * 3600_000, lastInstant);
    const d = between(rng, 3, 25), a = between(rng, 0, 2 * Math.PI);
    const lon = base.lon + (d * Math.cos(a)) / mPerDegLon(base.lat), lat = base.lat + (d * Math.sin(a)) / M_PER_DEG_LAT;
    out[out.length - repeats + k] = {
      ...base, t: Math.max(t, base.t + 60_000), channel: rng() < 0.7 ? 'hotline_12345' : 'wechat', component: undefined,
      lon: round7(lon), lat: round7(lat), grid: city.index.find(lon, lat),
    };
  }
  out.sort((a, b) => a.t - b.t || a.lon - b.lon);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The replay

type Step = 'intake' | 'accept' | 'request_verify' | 'verify' | 'void' | 'file' | 'dispatch' | 'return' | 'reassign'
  | 'park' | 'unpark' | 'urge' | 'dispose' | 'check' | 'rework' | 'close';

interface Sim {
  i: number;
  rng: Rng;
  r: Report;
  id: number;
  department: string | null;
  street: string | null;
  duplicates: number;
  reworks: number;
  returned: boolean;
  reassigned: boolean;
  parked: boolean;
  /** The planned disposal (after an urge). */
  disposeAt?: number;
  late?: boolean;
  next?: { action: string; note?: string; department_code?: string };
}

interface Event { t: number; i: number; seq: number; step: Step }

/** A binary min-heap of events by (time, case, sequence). */
class Queue {
  private readonly a: Event[] = [];
  private static less(x: Event, y: Event) { return x.t - y.t || x.i - y.i || x.seq - y.seq; }
  get size() { return this.a.length; }
  push(e: Event): void {
    const a = this.a;
    a.push(e);
    for (let k = a.length - 1; k > 0;) {
      const p = (k - 1) >> 1;
      if (Queue.less(a[k], a[p]) >= 0) break;
      [a[k], a[p]] = [a[p], a[k]];
      k = p;
    }
  }
  pop(): Event | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0], last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let k = 0; ;) {
        const l = 2 * k + 1, r = l + 1;
        let m = k;
        if (l < a.length && Queue.less(a[l], a[m]) < 0) m = l;
        if (r < a.length && Queue.less(a[r], a[m]) < 0) m = r;
        if (m === k) break;
        [a[k], a[m]] = [a[m], a[k]];
        k = m;
      }
    }
    return top;
  }
}

const DISPOSE_NOTES: Record<string, string[]> = {
  '06': ['已清理完毕，现场恢复整洁', '已组织人员清运', '已督促责任单位整改到位'],
  '07': ['已清除小广告', '已拆除违规广告设施', '已教育劝离并收缴广告'],
  '08': ['已责令施工单位整改', '已落实围挡和覆盖措施'],
  '09': ['已劝离摊贩，恢复通行', '已责令商户退店经营', '已贴单告知并拖移车辆', '已整理归位'],
  '10': ['已组织清除', '已完成抢修'],
  component: ['已更换', '已修复', '已维修恢复正常使用', '已补齐缺失部件'],
};

export type DemoLibraryCounts = Library['counts'];

/** Writes the responsibility library in one transaction with its audit row and an assignment_version bump. */
async function setUpLibrary(database: Database, seed: number, areas: number): Promise<{ city: City; lib: Library }> {
  const db = database.db;
  const city = await readCity(db);
  const lib = await db.transaction().execute(async (trx) => {
    const l = await buildLibrary(trx, city, DISPATCH_PARAMS, seed, areas);
    await sql`update assignment_version set version = version + 1, updated_at = now() where id = 1`.execute(trx);
    await trx.insertInto('audit_event').values({
      actor_id: null, actor_name: 'demo-city', action: 'create', entity: 'demo_dispatch', entity_key: city.district.code,
      detail: JSON.stringify({ seed, ...l.counts }),
    }).execute();
    return l;
  });
  return { city, lib };
}

/**
 * Only the responsibility library (no cases), e.g. for a benchmark on a larger generated city; `collectorAreas`
 * scales the number of collector areas (default from the parameters file: 11).
 */
export async function loadDemoLibrary(
  database: Database, opts: { seed?: number; collectorAreas?: number } = {},
): Promise<DemoLibraryCounts> {
  const { lib } = await setUpLibrary(database, opts.seed ?? DISPATCH_PARAMS.seed, opts.collectorAreas ?? DISPATCH_PARAMS.collectors.areas);
  return lib.counts;
}

export async function loadDemoDispatch(database: Database, opts: DemoDispatchOptions = {}): Promise<DemoDispatchSummary> {
  const P = DISPATCH_PARAMS;
  const seed = opts.seed ?? P.seed;
  const from = opts.from ?? P.from, to = opts.to ?? P.to;
  const nCases = opts.cases ?? P.cases;
  const W = P.workflow;
  const db = database.db;
  const started = Date.now();
  const log = opts.log;

  const { city, lib } = await setUpLibrary(database, seed, P.collectors.areas);
  const calendar = await loadCalendar(db);
  const stageMinutes = Object.fromEntries((await sql<{ stage: string; minutes: number }>`
    select stage, minutes::float8 as minutes from stage_limit`.execute(db)).rows.map((r) => [r.stage, r.minutes]));
  const categoryName = new Map((await sql<{ key: string; name: string }>`
    select kind || ':' || code as key, name from category`.execute(db)).rows.map((r) => [r.key, r.name]));

  const reports = planReports(city, lib, P, seed, nCases, from, to, calendar);
  // The demo's "now": 10:00 on the day after the last day of reports, so that the night's reports wait for the
  // centre and the morning's work is under way.
  const end = localInstant(to, 24 * 60 + 10 * 60).getTime();
  log?.info(`demo dispatch: ${lib.counts.departments} departments, ${lib.counts.rules} rules, ${lib.counts.collectors} collectors; replaying ${reports.length} reports ${from} … ${to}`);

  // Actors: system users (no app_user row; role admin so that one actor may take each step).
  const actor = (name: string, role: User['role'] = 'admin'): User =>
    ({ id: null as unknown as number, name, role, regionScope: '', departmentCode: null });
  const staff = (k: string) => actor(W.staff[k] ?? '指挥中心');
  const collectorOf = (g: Grid | undefined) => {
    const area = g ? lib.areaOfGrid.get(g.code) : undefined;
    return area === undefined ? undefined : lib.collectors[lib.areaCollectors[area][0]];
  };
  const deptName = (code: string | null) => (code ? lib.departments.get(code)?.name ?? code : '指挥中心');
  const alternative = (s: Sim): string => {
    const office = s.street ? lib.streetOffice.get(s.street) : undefined;
    const isOffice = !!s.department && [...lib.streetOffice.values()].includes(s.department);
    const alt = W.alternatives[isOffice ? 'street' : s.department ?? 'JK'] ?? 'street';
    const code = alt === 'street' ? office ?? 'JK' : alt;
    return code === s.department ? 'JK' : code;
  };

  const sims: Sim[] = reports.map((r, i) => ({
    i, rng: stream(seed, `case:${i}`), r, id: 0, department: null, street: null, duplicates: 0,
    reworks: 0, returned: false, reassigned: false, parked: false,
  }));
  const queue = new Queue();
  let seq = 0;
  const schedule = (s: Sim, step: Step, t: number) => queue.push({ t, i: s.i, seq: seq++, step });
  for (const s of sims) schedule(s, 'intake', s.r.t);

  /** `minutes` working minutes after t (centre and departments work in the calendar's working time). */
  const work = (t: number, minutes: number) => calendar.addWorkingMinutes(new Date(t), Math.max(0, minutes)).getTime() + 1000;
  /** A centre stage: usually well inside its limit, sometimes slow. */
  const centreDelay = (s: Sim, stage: string) => {
    const limit = stageMinutes[stage] ?? 30;
    return s.rng() < W.slowCentreShare ? between(s.rng, 1.05, 3) * limit : between(s.rng, 0.1, 0.85) * limit;
  };
  const row = async (id: number) => (await sql<{ stage_deadline: Date | null; department_code: string | null; street_code: string | null;
    duplicates: unknown[] }>`select stage_deadline, department_code, street_code, duplicates from case_record where id = ${id}`.execute(db)).rows[0];

  /** Plans the disposal (on time or late, maybe urged first) after the case entered 'dispatched' at t. */
  const planDisposal = async (s: Sim, t: number) => {
    const c = await row(s.id);
    s.department = c.department_code;
    const deadline = c.stage_deadline ? new Date(c.stage_deadline).getTime() : work(t, 16 * 60);
    const limit = Math.max(30, calendar.workingMinutesBetween(new Date(t), new Date(deadline)));
    s.late = s.rng() < W.lateDisposeShare;
    const minutes = s.late ? limit * between(s.rng, 1.05, 2.2) + between(s.rng, 20, 240) : limit * Math.min(0.97, logNormal(s.rng, 0.45, 0.6));
    s.disposeAt = work(t, minutes);
    if (!s.parked && s.rng() < W.parkShare) return schedule(s, 'park', work(t, between(s.rng, 30, 600)));
    if (!s.returned && s.rng() < W.returnShare) return schedule(s, 'return', work(t, between(s.rng, 10, 180)));
    if (!s.reassigned && s.rng() < W.reassignShare && alternative(s) !== s.department) {
      return schedule(s, 'reassign', work(t, between(s.rng, 10, 120)));
    }
    if (s.late && s.rng() < W.urgeLateShare) {
      const urgeAt = work(deadline, between(s.rng, 10, 240));
      if (urgeAt < s.disposeAt) return schedule(s, 'urge', urgeAt);
    }
    schedule(s, 'dispose', s.disposeAt);
  };

  let failures = 0;
  let applied = 0;
  let lastLog = Date.now();
  const act = async (s: Sim, t: number, input: { action: string; note?: string; department_code?: string }, user: User) => {
    await applyAction(db, s.id, input, user, { now: new Date(t) });
    applied++;
  };

  for (let e = queue.pop(); e; e = queue.pop()) {
    if (e.t > end) continue; // after the demo's "now": the case stays where it is
    const s = sims[e.i];
    const t = e.t;
    const rng = s.rng;
    const coll = collectorOf(s.r.grid);
    const collUser = actor(coll ? `监督员 ${coll.name}` : '监督员', 'admin');
    try {
      switch (e.step) {
        case 'intake': {
          const catName = categoryName.get(s.r.category) ?? s.r.category;
          const crs: CrsName = s.r.channel === 'app' || s.r.channel === 'wechat' ? 'gcj02' : 'wgs84';
          const at = crs === 'wgs84' ? { lon: s.r.lon, lat: s.r.lat } : fromWgs84(s.r.lon, s.r.lat, crs);
          const g = s.r.grid;
          const community = g ? city.communities.find((c) => c.code === g.community) : undefined;
          const street = g ? city.streets.find((x) => x.code === g.street) : undefined;
          const input: ReportInput = {
            channel: s.r.channel, category: s.r.category, description: description(s.r, catName),
            location: { lon: round7(at.lon), lat: round7(at.lat), crs },
            address: s.r.hotspot ? `${street?.name ?? ''}${s.r.hotspot}` : g ? `${street?.name ?? ''}${community?.name ?? ''}${g.name.replace(community?.name ?? '', '')}` : '',
            ...(s.r.condition ? { condition: s.r.condition } : {}),
            ...(s.r.component ? { component_code: s.r.component } : {}),
            ...(s.r.channel.startsWith('hotline') || s.r.channel === 'wechat' || s.r.channel === 'app'
              ? { reporter: { name: `${pick(rng, SURNAMES)}${rng() < 0.5 ? '先生' : '女士'}`, phone: `1${String(30 + Math.floor(rng() * 60))}****${String(Math.floor(rng() * 10000)).padStart(4, '0')}` } }
              : {}),
            client_time: new Date(t - Math.floor(rng() * 120) * 1000).toISOString(),
          };
          const user = s.r.channel === 'collector' ? actor(coll ? `监督员 ${coll.name}` : '监督员', 'collector') : undefined;
          const res = await intakeCase(db, input, { user, now: new Date(t), duplicates: { radiusM: 50, windowHours: 72 } });
          s.id = res.id;
          applied++;
          const c = await row(s.id);
          s.department = c.department_code;
          s.street = c.street_code;
          s.duplicates = Array.isArray(c.duplicates) ? c.duplicates.length : 0;
          const viaPublic = s.r.channel !== 'collector' && s.r.channel !== 'video' && s.r.channel !== 'leader';
          if (rng() < W.voidShare || (s.duplicates > 0 && rng() < W.voidDuplicateShare)) {
            schedule(s, 'void', work(t, centreDelay(s, 'accept')));
          } else if (viaPublic && rng() < W.verifyShare) {
            schedule(s, 'request_verify', work(t, centreDelay(s, 'accept')));
          } else {
            schedule(s, 'accept', work(t, centreDelay(s, 'accept')));
          }
          break;
        }
        case 'void': {
          const note = s.duplicates > 0 ? '重复上报，已合并至在办案件' : pick(rng, ['不属于城市管理范畴，已告知来电人', '描述不清且无法联系上报人', '同一问题已由其他渠道受理']);
          await act(s, t, { action: 'void', note }, staff('accept'));
          break;
        }
        case 'request_verify':
          await act(s, t, { action: 'request_verify' }, staff('verify_request'));
          schedule(s, 'verify', work(t, between(rng, 10, 150)));
          break;
        case 'verify': {
          const exists = rng() >= W.voidAfterVerifyShare;
          await act(s, t, { action: 'verify', note: exists ? '现场核实，问题属实' : '现场核实，未发现所述问题' }, collUser);
          schedule(s, exists ? 'file' : 'void', work(t, centreDelay(s, 'file')));
          if (!exists) s.duplicates = 0;
          break;
        }
        case 'accept':
          await act(s, t, { action: 'accept' }, staff('accept'));
          schedule(s, 'file', work(t, centreDelay(s, 'file')));
          break;
        case 'file':
          await act(s, t, { action: 'file' }, staff('file'));
          schedule(s, 'dispatch', work(t, centreDelay(s, 'dispatch')));
          break;
        case 'dispatch': {
          const to = s.next?.department_code;
          await act(s, t, { action: 'dispatch', ...(to ? { department_code: to } : {}) }, staff('dispatch'));
          s.next = undefined;
          await planDisposal(s, t);
          break;
        }
        case 'return': {
          s.returned = true;
          await act(s, t, { action: 'return', note: '经核查不属于本单位职责，申请回退' }, actor(`${deptName(s.department)} 处置员`));
          s.next = { action: 'dispatch', department_code: alternative(s) };
          schedule(s, 'dispatch', work(t, centreDelay(s, 'dispatch')));
          break;
        }
        case 'reassign': {
          s.reassigned = true;
          const dept = alternative(s);
          await act(s, t, { action: 'reassign', note: `派遣有误，改派${deptName(dept)}`, department_code: dept }, staff('dispatch'));
          await planDisposal(s, t);
          break;
        }
        case 'park':
          s.parked = true;
          await act(s, t, { action: 'park', note: pick(rng, ['需协调专项维修资金，暂列挂账', '涉及产权争议，待相关部门协调', '需办理施工许可后处置']) }, staff('dispatch'));
          schedule(s, 'unpark', work(t, between(rng, W.parkWorkdays[0], W.parkWorkdays[1]) * 8 * 60));
          break;
        case 'unpark':
          await act(s, t, { action: 'unpark' }, staff('dispatch'));
          await planDisposal(s, t);
          break;
        case 'urge':
          await act(s, t, { action: 'urge', note: '已超过处置时限，请立即处置并反馈' }, staff('dispatch'));
          schedule(s, 'dispose', Math.max(s.disposeAt ?? t, t + 60_000));
          break;
        case 'dispose': {
          const major = s.r.category.startsWith('component:') ? 'component' : s.r.category.slice(-5, -3);
          const note = pick(rng, DISPOSE_NOTES[major] ?? ['已处置完毕']);
          await act(s, t, { action: 'dispose', note }, actor(`${deptName(s.department)} 处置员`));
          const rework = s.reworks === 0 ? rng() < W.reworkShare : s.reworks === 1 && rng() < W.reworkShare / 3;
          // Collectors re-check on their rounds, within about two working days.
          schedule(s, rework ? 'rework' : 'check', work(t, between(rng, 15, 900)));
          break;
        }
        case 'rework':
          s.reworks++;
          await act(s, t, { action: 'rework', note: pick(rng, ['现场核查未处置到位，问题仍然存在', '处置不彻底，需返工']) }, collUser);
          await planDisposal(s, t);
          break;
        case 'check':
          await act(s, t, { action: 'check' }, collUser);
          schedule(s, 'close', work(t, centreDelay(s, 'close')));
          break;
        case 'close':
          await act(s, t, { action: 'close' }, staff('close'));
          break;
      }
    } catch (err) {
      failures++;
      if (failures <= 5) log?.warn(`demo dispatch: case ${s.i} (${s.id}) step ${e.step} failed: ${(err as Error).message}`);
    }
    if (log && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log.info(`demo dispatch: ${new Date(t + CST_MS).toISOString().slice(0, 10)}, ${applied} calls`);
    }
  }

  const stats = (await sql<{ state: string; n: number }>`select state, count(*)::int as n from case_record group by state order by state`
    .execute(db)).rows;
  const byState = Object.fromEntries(stats.map((r) => [r.state, r.n]));
  const figures = (await sql<{ cases: number; events: number; reworked: number; late: number; open_overdue: number; parked: number }>`
    select (select count(*)::int from case_record) as cases,
           (select count(*)::int from case_event) as events,
           (select count(*)::int from case_record where rework_count > 0) as reworked,
           (select count(distinct case_id)::int from (
              select case_id, action, at, lag(deadline) over (partition by case_id order by id) as due from case_event) e
            where action = 'dispose' and due is not null and at > due) as late,
           (select count(*)::int from case_record where state not in ('closed', 'voided', 'parked')
              and stage_deadline < ${new Date(end)}) as open_overdue,
           (select count(distinct case_id)::int from case_event where action = 'park') as parked`.execute(db)).rows[0];
  const summary: DemoDispatchSummary = {
    departments: lib.counts.departments, rules: lib.counts.rules, areaClassZones: lib.counts.zones,
    collectors: lib.counts.collectors, collectorAreas: lib.counts.areas, components: lib.counts.components,
    cases: figures.cases, events: figures.events, byState, voided: byState.voided ?? 0, reworked: figures.reworked,
    parked: figures.parked, disposedLate: figures.late, openOverdue: figures.open_overdue, failures,
    end: new Date(end).toISOString(), seconds: (Date.now() - started) / 1000,
  };
  const open = Object.entries(byState).filter(([k]) => k !== 'closed' && k !== 'voided').map(([k, n]) => `${n} ${k}`).join(', ');
  log?.info(`demo dispatch: ${summary.cases} cases (${summary.events} events) in ${summary.seconds.toFixed(1)} s: `
    + `${byState.closed ?? 0} closed, open ${open || 'none'}; `
    + `${summary.disposedLate} disposed late, ${summary.openOverdue} open past deadline, ${summary.reworked} reworked, `
    + `${summary.voided} voided, ${summary.parked} parked (${summary.byState.parked ?? 0} still)${failures ? `, ${failures} failed actions` : ''}`);
  return summary;
}
