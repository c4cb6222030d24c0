/**
 * Deterministic, seeded generator of a fictional demo city (pure: no database, no I/O).
 *
 * One district 990101 「网格示范区」 (99 is not a GB/T 2260 province), streets (9-digit codes), communities (12) and
 * unit grids (15-digit codes, GB/T 30428.1 / CJ/T 213), plus a road network.
 *
 * How it is built (everything topologically exact):
 *  1. A lattice of cells with varying column widths / row heights (58–84 m) in a local metric plane (x east, y north).
 *     Vertices get a smooth displacement field (curved roads) plus a small per-vertex jitter off the roads.
 *  2. Arterial roads run along lattice lines every ~300–700 m in both directions; local roads split some
 *     super-blocks (sometimes only half of one, giving T-junctions). Roads are lattice lines, so no grid crosses one.
 *  3. The district is a noisy blob masking the lattice (largest 4-connected component, holes filled).
 *  4. Blocks = cells between roads. Each block is cut into polyominoes (singles, dominoes, I/L-trominoes, 2×2); a few
 *     grids are two cells touching at a corner (MultiPolygon) and a few 2×2 grids become a ring around a park grid
 *     (a Polygon with a hole whose hole is exactly another grid).
 *  5. Contiguous groups of blocks form streets; contiguous groups of blocks within a street form communities
 *     (balanced region growing on the block adjacency graph).
 *  6. Every polygon (grid, community, street, district) is built from directed edges over ONE shared vertex array:
 *     opposite edges cancel, the rest is chained into rings, rings touching themselves are split at the repeated
 *     vertex, CCW rings are shells and CW rings holes (RFC 7946 orientation). Vertices are projected once with a fixed
 *     local equirectangular transform and rounded to 7 decimals, so shared edges are bit-identical.
 */
import fs from 'node:fs';
import type { Feature, LineString, MultiPolygon, Polygon, Position } from 'geojson';
import { stream } from '../../server/demo/prng.js';

/** Shipped parameters: data/demo-city.json. */
const PARAMS = JSON.parse(fs.readFileSync(new URL('../../data/demo-city.json', import.meta.url), 'utf8')) as {
  districtCode: string; districtName: string; seed: number; targetGrids: number; center: [number, number];
  latticeCellMetres: { min: number; max: number }; arterialSpacingMetres: { min: number; max: number };
  gridsPerCommunity: number; communitiesPerStreet: number;
};

export const DEMO_DISTRICT_CODE = PARAMS.districtCode;
export const DEMO_DISTRICT_NAME = PARAMS.districtName;
export const DEFAULT_SEED = PARAMS.seed;
export const DEFAULT_TARGET_GRIDS = PARAMS.targetGrids;
/** Centre of the district, [lon, lat]. */
export const DEMO_CENTER: [number, number] = PARAMS.center;
export const MAX_TARGET_GRIDS = 500_000;

export interface CityOptions {
  /** PRNG seed (integer; default 20261124). Same seed and targetGrids → identical output. */
  seed?: number;
  /** About how many unit grids to make (default 2,500 ≈ 25 km²; 100,000 ≈ 1,000 km²). */
  targetGrids?: number;
}

export type CityLevel = 'district' | 'street' | 'community' | 'grid';

export interface CityFeatureProps {
  code: string;
  name: string;
  level: CityLevel;
}

export interface RoadProps {
  name: string;
  kind: 'arterial' | 'local';
}

export type CityFeature = Feature<Polygon | MultiPolygon, CityFeatureProps>;
export type RoadFeature = Feature<LineString, RoadProps>;

export interface CityStats {
  seed: number;
  targetGrids: number;
  districts: number;
  streets: number;
  communities: number;
  grids: number;
  /** Grids that are MultiPolygons (two cells touching at a corner). */
  multiPolygonGrids: number;
  /** Grids whose polygon has a hole (a ring around a park grid). */
  holedGrids: number;
  /** Park grids (each fills the hole of a holed grid). */
  parkGrids: number;
  roads: { arterial: number; local: number };
  /** Planar area in the local metric plane (≈ geodesic area; within a few tenths of a percent). */
  totalAreaM2: number;
  gridAreaM2: { min: number; median: number; mean: number; max: number };
  gridsPerCommunity: { min: number; mean: number; max: number };
  communitiesPerStreet: { min: number; mean: number; max: number };
  lattice: { columns: number; rows: number; cells: number; districtCells: number; blocks: number; vertices: number };
  /** [west, south, east, north] of the district. */
  bbox: [number, number, number, number];
}

export interface City {
  /** District, then streets, communities, grids; each level ordered by code. */
  features: CityFeature[];
  roads: RoadFeature[];
  stats: CityStats;
}

// ---------------------------------------------------------------------------------------------------------------
// Constants

const CELL_MIN = PARAMS.latticeCellMetres.min;
const CELL_MAX = PARAMS.latticeCellMetres.max;
const CELL_MEAN = (CELL_MIN + CELL_MAX) / 2;
/** Empirical mean number of lattice cells per unit grid (calibrated so targetGrids comes out about right). */
const CELLS_PER_GRID = 1.89;
const ARTERIAL_MIN = PARAMS.arterialSpacingMetres.min;
const ARTERIAL_MAX = PARAMS.arterialSpacingMetres.max;
const GRIDS_PER_COMMUNITY = PARAMS.gridsPerCommunity;
const COMMUNITIES_PER_STREET = PARAMS.communitiesPerStreet;
const MAX_CHILDREN = 999;
/** Mean sphere radius, as used by @turf/area. */
const EARTH_RADIUS = 6371008.8;
const ROUND = 1e7;

// ---------------------------------------------------------------------------------------------------------------
// PRNG: seeded streams from server/demo/prng.ts

function shuffle<T>(a: T[], rng: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Names

const PLACE_WORDS = [
  '东湖', '西山', '南湖', '北关', '金桥', '银杏', '翠竹', '青峰', '红星', '白沙', '黄岗', '紫荆', '碧波', '云台', '月湖',
  '星河', '新华', '人民', '解放', '建设', '和平', '文化', '胜利', '光明', '幸福', '团结', '友谊', '长江', '淮河', '长安',
  '永安', '永宁', '太平', '吉祥', '龙山', '凤凰', '麒麟', '锦绣', '桃源', '柳岸', '荷塘', '梅园', '竹林', '松涛', '枫林',
  '朝阳', '晨曦', '明珠', '宝塔', '文昌', '书院', '学府', '科技', '创新', '振兴', '富民', '兴业', '安居', '乐业', '康宁',
  '滨河', '滨湖', '临江', '望江', '观澜', '翠湖', '清溪', '鹿鸣', '鹤鸣', '双塘', '三里', '五里', '七星', '九龙', '百花',
  '千岛', '万寿', '状元', '茶山', '稻香', '渔港', '盐仓', '铁佛', '石桥', '玉泉', '金山', '银湖', '铜陵', '锡山', '梧桐',
];
const PREFIX_CHARS = ['东', '西', '南', '北', '中', '新', '上', '下', '前', '后', '金', '银', '玉', '青', '白', '红', '绿', '黄', '长', '龙'];
const SUFFIX_CHARS = ['湖', '山', '桥', '园', '林', '河', '溪', '岭', '港', '塘', '湾', '坊', '苑', '庄', '岗', '坪', '洲', '泉', '亭', '门'];
const COMMUNITY_WORDS = [
  '桂花', '海棠', '紫藤', '玉兰', '芙蓉', '牡丹', '丁香', '杏花', '梨花', '石榴', '樱桃', '茉莉', '蔷薇', '百合', '芳草',
  '春晖', '夏荷', '秋实', '冬青', '兰亭', '菊园', '枫桥', '松园', '柏树', '杨柳', '香樟', '银桂', '金桂', '栀子', '杜鹃',
  '月季', '水仙', '腊梅', '合欢', '紫薇', '凌霄', '木棉', '红枫', '翠柏', '青松', '芦花', '稻花', '麦香', '果园', '花园',
  '书香', '墨香', '听雨', '观山', '望湖', '映月', '揽星', '清风', '明月', '朝霞', '彩虹', '春雨', '瑞雪', '和风', '暖阳',
  '怡和', '祥和', '平安', '安康', '福寿', '如意', '长乐', '长青', '嘉禾', '丰收', '景福', '瑞祥', '泰和', '德馨', '惠民',
];
const DIGITS_ZH = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

function zhNumber(n: number): string {
  if (n < 10) return DIGITS_ZH[n];
  if (n < 20) return '十' + (n % 10 ? DIGITS_ZH[n % 10] : '');
  if (n < 100) return DIGITS_ZH[Math.floor(n / 10)] + '十' + (n % 10 ? DIGITS_ZH[n % 10] : '');
  return String(n);
}

/** An endless supply of distinct two-character names: words, then prefix+suffix pairs, then numbered repeats. */
function namePool(words: string[], rng: () => number): (k: number) => string {
  const seen = new Set<string>();
  const base: string[] = [];
  for (const w of shuffle([...words], rng)) if (!seen.has(w)) { seen.add(w); base.push(w); }
  const combos: string[] = [];
  for (const p of PREFIX_CHARS) for (const s of SUFFIX_CHARS) if (!seen.has(p + s)) { seen.add(p + s); combos.push(p + s); }
  const all = base.concat(shuffle(combos, rng));
  return (k) => (k < all.length ? all[k] : all[k % all.length] + zhNumber(Math.floor(k / all.length) + 1));
}

// ---------------------------------------------------------------------------------------------------------------
// Polygon assembly from directed edges over the shared vertex array

interface Rings {
  shells: number[][];
  holes: number[][][]; // holes[i] belong to shells[i]
}

class VertexStore {
  xs: number[] = [];
  ys: number[] = [];
  add(x: number, y: number): number {
    this.xs.push(x);
    this.ys.push(y);
    return this.xs.length - 1;
  }
}

function signedArea(ring: number[], xs: number[], ys: number[]): number {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i], b = ring[(i + 1) % n];
    s += xs[a] * ys[b] - xs[b] * ys[a];
  }
  return s / 2;
}

function pointInRing(px: number, py: number, ring: number[], xs: number[], ys: number[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = xs[ring[i]], yi = ys[ring[i]], xj = xs[ring[j]], yj = ys[ring[j]];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Boundary of a union of consistently (CCW) oriented faces given by their directed edges (flat [a0,b0,a1,b1,…]).
 * Returns the rings (open: first vertex not repeated) and the remaining boundary edges (for the parent level).
 */
function assemble(edges: ArrayLike<number>, nVertices: number, xs: number[], ys: number[]): { rings: Rings; boundary: number[] } {
  const M = nVertices;
  const live = new Map<number, true>();
  for (let e = 0; e < edges.length; e += 2) {
    const a = edges[e], b = edges[e + 1];
    const back = b * M + a;
    if (live.has(back)) live.delete(back);
    else live.set(a * M + b, true);
  }
  const out = new Map<number, number[]>();
  const boundary: number[] = [];
  for (const key of live.keys()) {
    const a = Math.floor(key / M), b = key - a * M;
    boundary.push(a, b);
    const l = out.get(a);
    if (l) l.push(b);
    else out.set(a, [b]);
  }
  const shells: number[][] = [];
  const holes: number[][] = [];
  for (const [start, list] of out) {
    while (list.length) {
      // Walk until back at the start.
      const seq: number[] = [start];
      let cur = start;
      for (;;) {
        const next = out.get(cur)!.pop();
        if (next === undefined) throw new Error('demo-city: open boundary (internal error)');
        if (next === start) break;
        seq.push(next);
        cur = next;
      }
      // Split at repeated vertices so that every ring is simple (rings may touch others at points: valid OGC).
      const stack: number[] = [];
      const pos = new Map<number, number>();
      const loops: number[][] = [];
      for (const v of seq) {
        const p = pos.get(v);
        if (p !== undefined) {
          const loop = stack.splice(p);
          for (const u of loop) pos.delete(u);
          loops.push(loop);
        }
        pos.set(v, stack.length);
        stack.push(v);
      }
      loops.push(stack);
      for (const loop of loops) {
        if (loop.length < 3) throw new Error('demo-city: degenerate ring (internal error)');
        (signedArea(loop, xs, ys) > 0 ? shells : holes).push(loop);
      }
    }
  }
  const rings: Rings = { shells, holes: shells.map(() => []) };
  for (const h of holes) {
    let owner = 0;
    if (shells.length > 1) {
      owner = -1;
      for (let s = 0; s < shells.length && owner < 0; s++) {
        const sv = new Set(shells[s]);
        const probe = h.find((v) => !sv.has(v));
        if (probe !== undefined && pointInRing(xs[probe], ys[probe], shells[s], xs, ys)) owner = s;
      }
      if (owner < 0) throw new Error('demo-city: hole without shell (internal error)');
    }
    rings.holes[owner].push(h);
  }
  return { rings, boundary };
}

// ---------------------------------------------------------------------------------------------------------------
// Region growing: split a connected set of blocks into k contiguous, roughly balanced regions

function partitionRegions(
  nodes: number[], k: number, adj: number[][], weight: ArrayLike<number>, cx: ArrayLike<number>, cy: ArrayLike<number>,
  regionOf: Int32Array,
): number {
  k = Math.max(1, Math.min(k, nodes.length));
  for (const n of nodes) regionOf[n] = -1;
  if (k === 1) {
    for (const n of nodes) regionOf[n] = 0;
    return 1;
  }
  // Seeds: farthest-point initialisation, then weighted Lloyd iterations on block centroids.
  let mx = 0, my = 0, mw = 0;
  for (const n of nodes) { mx += cx[n] * weight[n]; my += cy[n] * weight[n]; mw += weight[n]; }
  mx /= mw; my /= mw;
  const centersX: number[] = [], centersY: number[] = [];
  const minD = new Float64Array(nodes.length).fill(Infinity);
  let far = 0, farD = -1;
  nodes.forEach((n, i) => { const d = (cx[n] - mx) ** 2 + (cy[n] - my) ** 2; if (d > farD) { farD = d; far = i; } });
  for (let c = 0; c < k; c++) {
    const n0 = nodes[far];
    centersX.push(cx[n0]); centersY.push(cy[n0]);
    farD = -1;
    nodes.forEach((n, i) => {
      const d = (cx[n] - cx[n0]) ** 2 + (cy[n] - cy[n0]) ** 2;
      if (d < minD[i]) minD[i] = d;
      if (minD[i] > farD) { farD = minD[i]; far = i; }
    });
  }
  const nearest = new Int32Array(nodes.length);
  for (let it = 0; it < 8; it++) {
    const sx = new Float64Array(k), sy = new Float64Array(k), sw = new Float64Array(k);
    nodes.forEach((n, i) => {
      let best = 0, bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = (cx[n] - centersX[c]) ** 2 + (cy[n] - centersY[c]) ** 2;
        if (d < bd) { bd = d; best = c; }
      }
      nearest[i] = best;
      sx[best] += cx[n] * weight[n]; sy[best] += cy[n] * weight[n]; sw[best] += weight[n];
    });
    for (let c = 0; c < k; c++) if (sw[c] > 0) { centersX[c] = sx[c] / sw[c]; centersY[c] = sy[c] / sw[c]; }
  }
  // Grow from the block nearest each centre, always extending the lightest region with a free neighbour.
  const w = new Float64Array(k);
  const frontier: number[][] = [];
  const take = (r: number, n: number) => {
    regionOf[n] = r;
    w[r] += weight[n];
    for (const m of adj[n]) if (regionOf[m] === -1) frontier[r].push(m);
  };
  for (let c = 0; c < k; c++) {
    frontier.push([]);
    let best = -1, bd = Infinity;
    for (const n of nodes) {
      if (regionOf[n] !== -1) continue;
      const d = (cx[n] - centersX[c]) ** 2 + (cy[n] - centersY[c]) ** 2;
      if (d < bd) { bd = d; best = n; }
    }
    take(c, best);
  }
  let left = nodes.length - k;
  while (left > 0) {
    let r = -1;
    for (let c = 0; c < k; c++) {
      const f = frontier[c];
      if (!f.length) continue;
      let j = 0;
      for (const m of f) if (regionOf[m] === -1) f[j++] = m;
      f.length = j;
      if (j && (r < 0 || w[c] < w[r])) r = c;
    }
    if (r < 0) throw new Error('demo-city: block graph is not connected (internal error)');
    const f = frontier[r];
    let bi = 0, bd = Infinity;
    for (let i = 0; i < f.length; i++) {
      const n = f[i];
      const d = (cx[n] - centersX[r]) ** 2 + (cy[n] - centersY[r]) ** 2;
      if (d < bd || (d === bd && n < f[bi])) { bd = d; bi = i; }
    }
    const n = f[bi];
    f[bi] = f[f.length - 1];
    f.pop();
    take(r, n);
    left--;
  }
  return k;
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes of unit grids, as cell offsets [di, dj] (j grows southwards) from the anchor (first cell in row-major order)

interface Shape { w: number; cells: [number, number][]; /** cells that must be in the same block (corner pairs) */ also?: [number, number][] }
const SHAPES: Shape[] = [
  { w: 17, cells: [[0, 0]] },
  { w: 20, cells: [[0, 0], [1, 0]] },
  { w: 20, cells: [[0, 0], [0, 1]] },
  { w: 1.5, cells: [[0, 0], [1, 0], [2, 0]] },
  { w: 1.5, cells: [[0, 0], [0, 1], [0, 2]] },
  { w: 2.5, cells: [[0, 0], [1, 0], [0, 1]] },
  { w: 2.5, cells: [[0, 0], [1, 0], [1, 1]] },
  { w: 2.5, cells: [[0, 0], [0, 1], [1, 1]] },
  { w: 2.5, cells: [[0, 0], [0, 1], [-1, 1]] },
  { w: 9, cells: [[0, 0], [1, 0], [0, 1], [1, 1]] },
  { w: 0.35, cells: [[0, 0], [1, 1]], also: [[1, 0], [0, 1]] },
  { w: 0.35, cells: [[0, 0], [-1, 1]], also: [[-1, 0], [0, 1]] },
];
const SQUARE = 9;

interface Grid {
  cells: number[];
  block: number;
  /** Sort key for serials: row then column of the anchor cell (parks: centre of their ring). */
  row: number;
  col: number;
  kind: 'plain' | 'multi' | 'ring' | 'park';
  /** Inner quad (CCW vertex ids) for rings (their hole) and parks (their outline). */
  quad?: number[];
  community?: number;
  serial?: number;
}

// ---------------------------------------------------------------------------------------------------------------

export function generateCity(opts: CityOptions = {}): City {
  const seed = opts.seed ?? DEFAULT_SEED;
  const targetGrids = opts.targetGrids ?? DEFAULT_TARGET_GRIDS;
  if (!Number.isInteger(seed)) throw new Error(`demo-city: seed must be an integer, got ${seed}`);
  if (!Number.isFinite(targetGrids) || targetGrids < 1 || targetGrids > MAX_TARGET_GRIDS) {
    throw new Error(`demo-city: targetGrids must be between 1 and ${MAX_TARGET_GRIDS}, got ${targetGrids}`);
  }

  // --- 1. outline (a noisy, stretched, rotated blob) and lattice size ------------------------------------------
  const rb = stream(seed, 'blob');
  const harm: { k: number; a: number; phi: number }[] = [];
  for (let k = 2; k <= 6; k++) harm.push({ k, a: (0.05 + 0.12 * rb()) / Math.pow(k - 1, 0.7), phi: rb() * 2 * Math.PI });
  const stretch = 1 + 0.35 * rb();
  const rot = rb() * Math.PI;
  const sumA = harm.reduce((s, h) => s + Math.abs(h.a), 0);
  const sumA2 = harm.reduce((s, h) => s + h.a * h.a, 0);
  const targetCells = targetGrids * CELLS_PER_GRID;
  let r0 = Math.sqrt((targetCells * CELL_MEAN * CELL_MEAN) / (Math.PI * (1 + sumA2 / 2)));
  const half = 1.2 * r0 * (1 + sumA) * stretch + 3 * CELL_MAX;
  const cosR = Math.cos(rot), sinR = Math.sin(rot);
  const inBlob = (x: number, y: number, radius: number) => {
    const u = (x * cosR + y * sinR) / stretch, v = (-x * sinR + y * cosR) * stretch;
    const t = Math.atan2(v, u);
    let f = 1;
    for (const h of harm) f += h.a * Math.cos(h.k * t + h.phi);
    return u * u + v * v <= (radius * f) ** 2;
  };

  const rl = stream(seed, 'lattice');
  const sizes = (extent: number) => {
    const s: number[] = [];
    let sum = 0;
    while (sum < extent) { const d = CELL_MIN + (CELL_MAX - CELL_MIN) * rl(); s.push(d); sum += d; }
    return s;
  };
  const colW = sizes(2 * half), rowH = sizes(2 * half);
  const NC = colW.length, NR = rowH.length;
  const colX = new Float64Array(NC + 1), rowY = new Float64Array(NR + 1);
  colX[0] = -colW.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < NC; i++) colX[i + 1] = colX[i] + colW[i];
  rowY[0] = rowH.reduce((a, b) => a + b, 0) / 2;
  for (let j = 0; j < NR; j++) rowY[j + 1] = rowY[j] - rowH[j];
  const cellIdx = (i: number, j: number) => j * NC + i;
  const NV0 = (NC + 1) * (NR + 1);
  const vid = (i: number, j: number) => j * (NC + 1) + i;

  // --- 2. roads: barrier edges. vBar[j*(NC+1)+c]: edge on column line c in row j; hBar[r*NC+i]: row line r, column i
  const vBar = new Uint8Array((NC + 1) * NR);
  const hBar = new Uint8Array(NC * (NR + 1));
  interface RoadDef { orient: 'v' | 'h'; line: number; from: number; to: number; kind: 'arterial' | 'local' }
  const roadDefs: RoadDef[] = [];
  const rr = stream(seed, 'roads');
  const arterialLines = (widths: number[]) => {
    const lines = [0];
    let acc = 0, gap = ARTERIAL_MIN + (ARTERIAL_MAX - ARTERIAL_MIN) * rr();
    for (let c = 1; c < widths.length; c++) {
      acc += widths[c - 1];
      if (acc >= gap && widths.length - c >= 3) {
        lines.push(c);
        acc = 0;
        gap = ARTERIAL_MIN + (ARTERIAL_MAX - ARTERIAL_MIN) * rr();
      }
    }
    lines.push(widths.length);
    return lines;
  };
  const artC = arterialLines(colW), artR = arterialLines(rowH);
  const markV = (c: number, r0: number, r1: number, kind: RoadDef['kind']) => {
    for (let j = r0; j < r1; j++) vBar[j * (NC + 1) + c] = 1;
    roadDefs.push({ orient: 'v', line: c, from: r0, to: r1, kind });
  };
  const markH = (r: number, c0: number, c1: number, kind: RoadDef['kind']) => {
    for (let i = c0; i < c1; i++) hBar[r * NC + i] = 1;
    roadDefs.push({ orient: 'h', line: r, from: c0, to: c1, kind });
  };
  for (let a = 1; a < artC.length - 1; a++) markV(artC[a], 0, NR, 'arterial');
  for (let a = 1; a < artR.length - 1; a++) markH(artR[a], 0, NC, 'arterial');
  const span = (w: number[], a: number, b: number) => { let s = 0; for (let i = a; i < b; i++) s += w[i]; return s; };
  const pick = (a: number, b: number) => a + 2 + Math.floor(rr() * (b - a - 3)); // a line strictly inside, ≥2 cells each side
  for (let bj = 0; bj + 1 < artR.length; bj++) {
    for (let bi = 0; bi + 1 < artC.length; bi++) {
      const c0 = artC[bi], c1 = artC[bi + 1], r0 = artR[bj], r1 = artR[bj + 1];
      if (rr() > 0.55) continue;
      const wide = span(colW, c0, c1), tall = span(rowH, r0, r1);
      const canV = c1 - c0 >= 4, canH = r1 - r0 >= 4;
      const vertical = canV && (!canH || wide > tall * 1.25 || (tall <= wide * 1.25 && rr() < 0.5));
      if (vertical) {
        const c = pick(c0, c1);
        markV(c, r0, r1, 'local');
        // Sometimes a T-junction road across one half only.
        if (canH && rr() < 0.35) {
          const r = pick(r0, r1);
          if (rr() < 0.5) { if (c - c0 >= 2) markH(r, c0, c, 'local'); } else if (c1 - c >= 2) markH(r, c, c1, 'local');
        }
      } else if (canH) {
        const r = pick(r0, r1);
        markH(r, c0, c1, 'local');
        if (canV && rr() < 0.35) {
          const c = pick(c0, c1);
          if (rr() < 0.5) { if (r - r0 >= 2) markV(c, r0, r, 'local'); } else if (r1 - r >= 2) markV(c, r, r1, 'local');
        }
      }
    }
  }

  // --- 3. district mask ---------------------------------------------------------------------------------------
  const cellCx = (i: number) => (colX[i] + colX[i + 1]) / 2;
  const cellCy = (j: number) => (rowY[j] + rowY[j + 1]) / 2;
  const mask = new Uint8Array(NC * NR);
  const fillMask = (radius: number) => {
    let n = 0;
    for (let j = 0; j < NR; j++) for (let i = 0; i < NC; i++) {
      const inside = inBlob(cellCx(i), cellCy(j), radius) ? 1 : 0;
      mask[cellIdx(i, j)] = inside;
      n += inside;
    }
    return n;
  };
  for (let it = 0; it < 3; it++) {
    const n = fillMask(r0);
    if (n === 0) { r0 *= 2; continue; }
    r0 *= Math.sqrt(targetCells / n);
  }
  if (fillMask(r0) === 0) mask[cellIdx(NC >> 1, NR >> 1)] = 1;
  // Largest 4-connected component, then fill enclosed holes.
  const comp = new Int32Array(NC * NR).fill(-1);
  const flood = (start: number, label: number, accept: (c: number) => boolean, target: Int32Array) => {
    const stack = [start];
    target[start] = label;
    let size = 0;
    while (stack.length) {
      const c = stack.pop()!;
      size++;
      const i = c % NC, j = (c - i) / NC;
      const nb = [i > 0 ? c - 1 : -1, i < NC - 1 ? c + 1 : -1, j > 0 ? c - NC : -1, j < NR - 1 ? c + NC : -1];
      for (const m of nb) if (m >= 0 && target[m] === -1 && accept(m)) { target[m] = label; stack.push(m); }
    }
    return size;
  };
  let bestLabel = -1, bestSize = 0, label = 0;
  for (let c = 0; c < NC * NR; c++) {
    if (!mask[c] || comp[c] !== -1) continue;
    const size = flood(c, label, (m) => mask[m] === 1, comp);
    if (size > bestSize) { bestSize = size; bestLabel = label; }
    label++;
  }
  for (let c = 0; c < NC * NR; c++) mask[c] = comp[c] === bestLabel ? 1 : 0;
  const outside = new Int32Array(NC * NR).fill(-1);
  for (let c = 0; c < NC * NR; c++) {
    const i = c % NC, j = (c - i) / NC;
    if ((i === 0 || j === 0 || i === NC - 1 || j === NR - 1) && !mask[c] && outside[c] === -1) flood(c, 1, (m) => mask[m] === 0, outside);
  }
  for (let c = 0; c < NC * NR; c++) if (!mask[c] && outside[c] === -1) mask[c] = 1;

  // --- 4. vertices: smooth displacement (curved roads) + jitter off the roads ----------------------------------
  const rv = stream(seed, 'vertices');
  const waves = (n: number) => Array.from({ length: n }, () => {
    const ang = rv() * 2 * Math.PI, len = 1200 + 2300 * rv();
    return { kx: (Math.cos(ang) * 2 * Math.PI) / len, ky: (Math.sin(ang) * 2 * Math.PI) / len, amp: 6 + 12 * rv(), phi: rv() * 2 * Math.PI };
  });
  const wx = waves(3), wy = waves(3);
  const field = (ws: typeof wx, x: number, y: number) => ws.reduce((s, w) => s + w.amp * Math.sin(w.kx * x + w.ky * y + w.phi), 0);
  const onRoad = new Uint8Array(NV0);
  for (let j = 0; j < NR; j++) for (let c = 0; c <= NC; c++) if (vBar[j * (NC + 1) + c]) { onRoad[vid(c, j)] = 1; onRoad[vid(c, j + 1)] = 1; }
  for (let r = 0; r <= NR; r++) for (let i = 0; i < NC; i++) if (hBar[r * NC + i]) { onRoad[vid(i, r)] = 1; onRoad[vid(i + 1, r)] = 1; }
  const verts = new VertexStore();
  const jit = 0.07 * CELL_MIN;
  for (let j = 0; j <= NR; j++) {
    for (let i = 0; i <= NC; i++) {
      const x0 = colX[i], y0 = rowY[j];
      let x = x0 + field(wx, x0, y0), y = y0 + field(wy, x0, y0);
      const jx = (rv() * 2 - 1) * jit, jy = (rv() * 2 - 1) * jit;
      if (!onRoad[vid(i, j)]) { x += jx; y += jy; }
      verts.add(x, y);
    }
  }

  // --- 5. blocks (cells between roads) --------------------------------------------------------------------------
  const open = (a: number, b: number) => {
    // a, b 4-adjacent cells; true when no road between them.
    const ai = a % NC, aj = (a - ai) / NC, bi = b % NC, bj = (b - bi) / NC;
    if (aj === bj) return !vBar[aj * (NC + 1) + Math.max(ai, bi)];
    return !hBar[Math.max(aj, bj) * NC + ai];
  };
  const blockOf = new Int32Array(NC * NR).fill(-1);
  const blockCells: number[][] = [];
  for (let c = 0; c < NC * NR; c++) {
    if (!mask[c] || blockOf[c] !== -1) continue;
    const b = blockCells.length;
    const cells: number[] = [];
    const stack = [c];
    blockOf[c] = b;
    while (stack.length) {
      const x = stack.pop()!;
      cells.push(x);
      const i = x % NC, j = (x - i) / NC;
      const nb = [i > 0 ? x - 1 : -1, i < NC - 1 ? x + 1 : -1, j > 0 ? x - NC : -1, j < NR - 1 ? x + NC : -1];
      for (const m of nb) if (m >= 0 && mask[m] && blockOf[m] === -1 && open(x, m)) { blockOf[m] = b; stack.push(m); }
    }
    cells.sort((p, q) => p - q); // row-major: north→south, west→east
    blockCells.push(cells);
  }
  const nBlocks = blockCells.length;

  // --- 6. unit grids: polyominoes within blocks ------------------------------------------------------------------
  const rg = stream(seed, 'grids');
  const gridOf = new Int32Array(NC * NR).fill(-1);
  const grids: Grid[] = [];
  const squares: number[] = [];
  const totalW = SHAPES.reduce((s, sh) => s + sh.w, 0);
  const cellAt = (i: number, j: number) => (i >= 0 && j >= 0 && i < NC && j < NR ? cellIdx(i, j) : -1);
  const fits = (sh: Shape, i: number, j: number, b: number) => {
    const cs: number[] = [];
    for (const [di, dj] of sh.cells) {
      const c = cellAt(i + di, j + dj);
      if (c < 0 || blockOf[c] !== b || gridOf[c] !== -1) return null;
      cs.push(c);
    }
    if (sh.also) {
      const all = [...cs];
      for (const [di, dj] of sh.also) {
        const c = cellAt(i + di, j + dj);
        if (c < 0 || blockOf[c] !== b) return null;
        all.push(c);
      }
      // The 2×2 window must have no road inside.
      for (const p of all) for (const q of all) if (p < q && (q - p === 1 || q - p === NC) && !open(p, q)) return null;
    } else {
      for (const p of cs) for (const q of cs) if (p < q && (q - p === NC || (q - p === 1 && q % NC !== 0)) && !open(p, q)) return null;
    }
    return cs;
  };
  for (let b = 0; b < nBlocks; b++) {
    for (const c of blockCells[b]) {
      if (gridOf[c] !== -1) continue;
      const i = c % NC, j = (c - i) / NC;
      let cand = SHAPES.map((_, k) => k), sumW = totalW, chosen: number[] | null = null, shapeIx = 0;
      while (!chosen) {
        let t = rg() * sumW, k = 0;
        while (k < cand.length - 1 && t >= SHAPES[cand[k]].w) { t -= SHAPES[cand[k]].w; k++; }
        shapeIx = cand[k];
        chosen = fits(SHAPES[shapeIx], i, j, b);
        if (!chosen) { sumW -= SHAPES[shapeIx].w; cand = cand.filter((x) => x !== shapeIx); }
      }
      const g = grids.length;
      for (const x of chosen) gridOf[x] = g;
      grids.push({ cells: chosen, block: b, row: j, col: i, kind: SHAPES[shapeIx].also ? 'multi' : 'plain' });
      if (shapeIx === SQUARE) squares.push(g);
    }
  }
  // A few 2×2 grids become a ring around a park; make sure there are MultiPolygon grids too.
  shuffle(squares, rg);
  const wantHoled = Math.max(3, Math.round(grids.length / 500));
  const wantMulti = Math.max(3, Math.round(grids.length / 400));
  let nMulti = grids.filter((g) => g.kind === 'multi').length;
  let sq = 0;
  for (let h = 0; h < wantHoled && sq < squares.length; h++, sq++) {
    const ring = grids[squares[sq]];
    const i = ring.col, j = ring.row;
    const ctr = vid(i + 1, j + 1);
    const corners = [vid(i, j + 2), vid(i + 2, j + 2), vid(i + 2, j), vid(i, j)]; // SW, SE, NE, NW (CCW)
    const quad = corners.map((v) => verts.add((verts.xs[ctr] + verts.xs[v]) / 2, (verts.ys[ctr] + verts.ys[v]) / 2));
    ring.kind = 'ring';
    ring.quad = quad;
    grids.push({ cells: [], block: ring.block, row: j + 0.5, col: i + 0.5, kind: 'park', quad });
  }
  for (; nMulti < wantMulti && sq < squares.length; sq++) {
    const g = grids[squares[sq]];
    const [nw, ne, sw, se] = g.cells; // row-major order
    g.cells = [nw, se];
    g.kind = 'multi';
    const g2 = grids.length;
    gridOf[ne] = g2; gridOf[sw] = g2;
    grids.push({ cells: [ne, sw], block: g.block, row: g.row, col: g.col + 1, kind: 'multi' });
    nMulti += 2;
  }

  // --- 7. streets and communities: contiguous groups of blocks ---------------------------------------------------
  const bw = new Float64Array(nBlocks), bx = new Float64Array(nBlocks), by = new Float64Array(nBlocks);
  for (const g of grids) bw[g.block]++;
  for (let b = 0; b < nBlocks; b++) {
    let sx = 0, sy = 0;
    for (const c of blockCells[b]) { const i = c % NC; sx += cellCx(i); sy += cellCy((c - i) / NC); }
    bx[b] = sx / blockCells[b].length; by[b] = sy / blockCells[b].length;
  }
  const adjSets: Set<number>[] = Array.from({ length: nBlocks }, () => new Set<number>());
  for (let c = 0; c < NC * NR; c++) {
    if (!mask[c]) continue;
    const i = c % NC, j = (c - i) / NC;
    for (const m of [i < NC - 1 ? c + 1 : -1, j < NR - 1 ? c + NC : -1]) {
      if (m >= 0 && mask[m] && blockOf[m] !== blockOf[c]) { adjSets[blockOf[c]].add(blockOf[m]); adjSets[blockOf[m]].add(blockOf[c]); }
    }
  }
  const adj = adjSets.map((s) => [...s].sort((p, q) => p - q));
  const allBlocks = Array.from({ length: nBlocks }, (_, b) => b);
  const nCommunitiesWanted = Math.max(1, Math.round(grids.length / GRIDS_PER_COMMUNITY));
  const nStreetsWanted = Math.min(MAX_CHILDREN, Math.max(1, Math.round(nCommunitiesWanted / COMMUNITIES_PER_STREET)));
  const streetOf = new Int32Array(nBlocks);
  const nStreets = partitionRegions(allBlocks, nStreetsWanted, adj, bw, bx, by, streetOf);
  // Order regions north→south in bands, west→east within a band.
  const orderRegions = (ids: number[], members: number[][]) => {
    const info = ids.map((id, k) => {
      let sx = 0, sy = 0, n = 0;
      for (const b of members[k]) { sx += bx[b] * bw[b]; sy += by[b] * bw[b]; n += bw[b]; }
      return { id, x: sx / Math.max(n, 1), y: sy / Math.max(n, 1), n };
    });
    let minY = Infinity, maxY = -Infinity;
    for (const r of info) { minY = Math.min(minY, r.y); maxY = Math.max(maxY, r.y); }
    const bands = Math.max(1, Math.round(Math.sqrt(ids.length)));
    const bandH = (maxY - minY) / bands || 1;
    const band = (y: number) => Math.min(bands - 1, Math.floor((maxY - y) / bandH));
    return info.sort((p, q) => band(p.y) - band(q.y) || p.x - q.x || p.id - q.id).map((r) => r.id);
  };
  const streetMembers: number[][] = Array.from({ length: nStreets }, () => []);
  for (let b = 0; b < nBlocks; b++) streetMembers[streetOf[b]].push(b);
  const streetOrder = orderRegions(streetMembers.map((_, s) => s), streetMembers);

  interface Region { code: string; name: string; blocks: number[]; communities?: number[] }
  const streets: Region[] = [];
  const communities: Region[] = [];
  const rn = stream(seed, 'names');
  const streetName = namePool(PLACE_WORDS, rn);
  const communityName = namePool(COMMUNITY_WORDS, rn);
  const communityOfBlock = new Int32Array(nBlocks);
  const tmp = new Int32Array(nBlocks);
  streetOrder.forEach((s, sIx) => {
    const blocks = streetMembers[s];
    let weight = 0;
    for (const b of blocks) weight += bw[b];
    const want = Math.min(MAX_CHILDREN, Math.max(1, Math.round(weight / GRIDS_PER_COMMUNITY)));
    const k = partitionRegions(blocks, want, adj, bw, bx, by, tmp);
    const members: number[][] = Array.from({ length: k }, () => []);
    for (const b of blocks) members[tmp[b]].push(b);
    const street: Region = { code: DEMO_DISTRICT_CODE + String(sIx + 1).padStart(3, '0'), name: streetName(sIx) + '街道', blocks, communities: [] };
    streets.push(street);
    orderRegions(members.map((_, c) => c), members).forEach((c, cIx) => {
      const ci = communities.length;
      communities.push({ code: street.code + String(cIx + 1).padStart(3, '0'), name: communityName(ci) + '社区', blocks: members[c] });
      street.communities!.push(ci);
      for (const b of members[c]) communityOfBlock[b] = ci;
    });
  });

  // Serials: rows north→south, within a row west→east.
  const gridsOfCommunity: number[][] = communities.map(() => []);
  grids.forEach((g, gi) => { g.community = communityOfBlock[g.block]; gridsOfCommunity[g.community].push(gi); });
  for (const list of gridsOfCommunity) {
    if (list.length > MAX_CHILDREN) throw new Error(`demo-city: a community got ${list.length} grids (internal error)`);
    list.sort((p, q) => grids[p].row - grids[q].row || grids[p].col - grids[q].col);
    list.forEach((gi, k) => { grids[gi].serial = k + 1; });
  }

  // --- 8. geometry ---------------------------------------------------------------------------------------------
  const NV = verts.xs.length;
  const { xs, ys } = verts;
  const [lon0, lat0] = DEMO_CENTER;
  const degY = 180 / (Math.PI * EARTH_RADIUS);
  const degX = degY / Math.cos((lat0 * Math.PI) / 180);
  const lon = new Float64Array(NV), lat = new Float64Array(NV);
  for (let v = 0; v < NV; v++) {
    lon[v] = Math.round((lon0 + xs[v] * degX) * ROUND) / ROUND;
    lat[v] = Math.round((lat0 + ys[v] * degY) * ROUND) / ROUND;
  }
  const pos = (v: number): Position => [lon[v], lat[v]];
  const closed = (ring: number[]): Position[] => { const r = ring.map(pos); r.push(r[0]); return r; };
  const toGeometry = (rings: Rings): Polygon | MultiPolygon => {
    const polys = rings.shells.map((s, k) => [closed(s), ...rings.holes[k].map(closed)]);
    return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
  };
  const ringArea = (rings: Rings) => {
    let a = 0;
    rings.shells.forEach((s, k) => { a += signedArea(s, xs, ys); for (const h of rings.holes[k]) a += signedArea(h, xs, ys); });
    return a;
  };
  const gridEdges = (g: Grid, out: number[]) => {
    for (const c of g.cells) {
      const i = c % NC, j = (c - i) / NC;
      const sw = vid(i, j + 1), se = vid(i + 1, j + 1), ne = vid(i + 1, j), nw = vid(i, j);
      out.push(sw, se, se, ne, ne, nw, nw, sw);
    }
    if (g.quad) {
      const q = g.quad;
      if (g.kind === 'park') for (let k = 0; k < 4; k++) out.push(q[k], q[(k + 1) % 4]);
      else for (let k = 0; k < 4; k++) out.push(q[(k + 1) % 4], q[k]);
    }
  };

  const gridFeatures: CityFeature[] = [];
  const gridAreas: number[] = [];
  let multiGrids = 0, holedGrids = 0, parkGrids = 0;
  const communityFeatures: CityFeature[] = [];
  const communityBoundary: number[][] = [];
  const edgeBuf: number[] = [];
  communities.forEach((cm, ci) => {
    const all: number[] = [];
    for (const gi of gridsOfCommunity[ci]) {
      const g = grids[gi];
      edgeBuf.length = 0;
      gridEdges(g, edgeBuf);
      for (const e of edgeBuf) all.push(e);
      const { rings } = assemble(edgeBuf, NV, xs, ys);
      const geometry = toGeometry(rings);
      if (geometry.type === 'MultiPolygon') multiGrids++;
      if (rings.holes.some((h) => h.length)) holedGrids++;
      if (g.kind === 'park') parkGrids++;
      gridAreas.push(ringArea(rings));
      const serial = String(g.serial).padStart(3, '0');
      gridFeatures.push({
        type: 'Feature',
        properties: { code: cm.code + serial, name: `${cm.name}第${serial}网格${g.kind === 'park' ? '（公园）' : ''}`, level: 'grid' },
        geometry,
      });
    }
    const { rings, boundary } = assemble(all, NV, xs, ys);
    communityBoundary.push(boundary);
    communityFeatures.push({ type: 'Feature', properties: { code: cm.code, name: cm.name, level: 'community' }, geometry: toGeometry(rings) });
  });
  gridFeatures.sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
  const streetFeatures: CityFeature[] = [];
  const districtEdges: number[] = [];
  for (const st of streets) {
    const all: number[] = [];
    for (const ci of st.communities!) for (const e of communityBoundary[ci]) all.push(e);
    const { rings, boundary } = assemble(all, NV, xs, ys);
    for (const e of boundary) districtEdges.push(e);
    streetFeatures.push({ type: 'Feature', properties: { code: st.code, name: st.name, level: 'street' }, geometry: toGeometry(rings) });
  }
  const district = assemble(districtEdges, NV, xs, ys);
  const districtFeature: CityFeature = {
    type: 'Feature', properties: { code: DEMO_DISTRICT_CODE, name: DEMO_DISTRICT_NAME, level: 'district' }, geometry: toGeometry(district.rings),
  };
  let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
  for (const s of district.rings.shells) for (const v of s) {
    west = Math.min(west, lon[v]); east = Math.max(east, lon[v]); south = Math.min(south, lat[v]); north = Math.max(north, lat[v]);
  }

  // --- 9. roads ------------------------------------------------------------------------------------------------
  const roads: RoadFeature[] = [];
  const rq = stream(seed, 'road-names');
  const arterialName = namePool(PLACE_WORDS, rq);
  const localName = namePool(COMMUNITY_WORDS, rq);
  let nArterial = 0, nLocal = 0, artIx = 0, locIx = 0;
  for (const def of roadDefs) {
    const name = def.kind === 'arterial'
      ? arterialName(artIx++) + (def.orient === 'v' ? '路' : '大道')
      : localName(locIx++) + (def.orient === 'v' ? '巷' : '街');
    let run: number[] = [];
    const flush = () => {
      if (run.length >= 2) {
        roads.push({ type: 'Feature', properties: { name, kind: def.kind }, geometry: { type: 'LineString', coordinates: run.map(pos) } });
        if (def.kind === 'arterial') nArterial++; else nLocal++;
      }
      run = [];
    };
    for (let t = def.from; t < def.to; t++) {
      // Edge t along the line, and the two cells beside it.
      const [a, b, c1, c2] = def.orient === 'v'
        ? [vid(def.line, t), vid(def.line, t + 1), cellAt(def.line - 1, t), cellAt(def.line, t)]
        : [vid(t, def.line), vid(t + 1, def.line), cellAt(t, def.line - 1), cellAt(t, def.line)];
      if ((c1 >= 0 && mask[c1]) || (c2 >= 0 && mask[c2])) {
        if (!run.length) run.push(a);
        run.push(b);
      } else flush();
    }
    flush();
  }

  // --- 10. stats -----------------------------------------------------------------------------------------------
  const sortedAreas = [...gridAreas].sort((p, q) => p - q);
  const totalArea = gridAreas.reduce((s, a) => s + a, 0);
  const perCommunity = gridsOfCommunity.map((l) => l.length);
  const perStreet = streets.map((s) => s.communities!.length);
  const summary = (a: number[]) => ({ min: Math.min(...a), mean: Math.round((a.reduce((s, x) => s + x, 0) / a.length) * 10) / 10, max: Math.max(...a) });
  const stats: CityStats = {
    seed,
    targetGrids,
    districts: 1,
    streets: streets.length,
    communities: communities.length,
    grids: grids.length,
    multiPolygonGrids: multiGrids,
    holedGrids,
    parkGrids,
    roads: { arterial: nArterial, local: nLocal },
    totalAreaM2: Math.round(totalArea),
    gridAreaM2: {
      min: Math.round(sortedAreas[0]),
      median: Math.round(sortedAreas[sortedAreas.length >> 1]),
      mean: Math.round(totalArea / grids.length),
      max: Math.round(sortedAreas[sortedAreas.length - 1]),
    },
    gridsPerCommunity: summary(perCommunity),
    communitiesPerStreet: summary(perStreet),
    lattice: { columns: NC, rows: NR, cells: NC * NR, districtCells: mask.reduce((s, m) => s + m, 0), blocks: nBlocks, vertices: NV },
    bbox: [west, south, east, north],
  };
  return { features: [districtFeature, ...streetFeatures, ...communityFeatures, ...gridFeatures], roads, stats };
}
