/**
 * Emerging hot spots (ArcGIS Pro "How Emerging Hot Spot Analysis works"): Gi* of every unit in every time step, the
 * Mann–Kendall trend of each unit's Gi* z-scores (and of its counts, for the reader), and a category per unit.
 *
 * A step is a significant hot (cold) spot when its bin is > 0 (< 0): p < 0.10, ArcGIS's 90 % confidence, against the
 * FDR critical p when the correction is on. A trend is significant when its Mann–Kendall p < TREND_ALPHA. With n steps,
 * h hot and c cold, "90 % of the steps" means h ≥ 0.9 n; for a unit whose final step is hot:
 *
 *   intensifying   h ≥ 90 %, and the Gi* z-scores rise significantly
 *   diminishing    h ≥ 90 %, and they fall significantly
 *   persistent     h ≥ 90 %, no significant trend
 *   oscillating    h < 90 %, and some earlier step was a significant cold spot
 *   new            the final step is the only significant step
 *   consecutive    the hot steps are one uninterrupted run of ≥ 2 ending with the final step, h < 90 %, never cold
 *   sporadic       h < 90 %, never cold, the hot steps on and off (none of the above)
 *
 * and whose final step is not significant: historical hot spot when h ≥ 90 % (historical cold when c ≥ 90 %), else no
 * pattern. Cold spots mirror hot ones (intensifying cold: the z-scores fall significantly). A final cold step after
 * ≥ 90 % hot steps is an oscillating cold spot.
 */
import { giStarZ, hotSpotBins, type CriticalP, type Neighbours } from './gistar.js';
import { mannKendall, type Trend } from './mann-kendall.js';

/** Significance of the Mann–Kendall trend of the Gi* z-scores (90 %, as the bins). */
export const TREND_ALPHA = 0.1;

/** ArcGIS's fewest time steps for a trend. */
export const MIN_STEPS = 10;

/** The categories with ArcGIS's codes (1 … 8 hot, −1 … −8 cold, 0 no pattern) and the labels of its Chinese edition. */
export const CATEGORIES = {
  new_hot_spot: { code: 1, label: '新增的热点' },
  consecutive_hot_spot: { code: 2, label: '连续的热点' },
  intensifying_hot_spot: { code: 3, label: '加强的热点' },
  persistent_hot_spot: { code: 4, label: '持续的热点' },
  diminishing_hot_spot: { code: 5, label: '逐渐减少的热点' },
  sporadic_hot_spot: { code: 6, label: '分散的热点' },
  oscillating_hot_spot: { code: 7, label: '振荡的热点' },
  historical_hot_spot: { code: 8, label: '历史的热点' },
  new_cold_spot: { code: -1, label: '新增的冷点' },
  consecutive_cold_spot: { code: -2, label: '连续的冷点' },
  intensifying_cold_spot: { code: -3, label: '加强的冷点' },
  persistent_cold_spot: { code: -4, label: '持续的冷点' },
  diminishing_cold_spot: { code: -5, label: '逐渐减少的冷点' },
  sporadic_cold_spot: { code: -6, label: '分散的冷点' },
  oscillating_cold_spot: { code: -7, label: '振荡的冷点' },
  historical_cold_spot: { code: -8, label: '历史的冷点' },
  no_pattern: { code: 0, label: '未检测到模式' },
} as const;

export type Category = keyof typeof CATEGORIES;

type Kind =
  'new' | 'consecutive' | 'intensifying' | 'persistent' | 'diminishing' | 'sporadic' | 'oscillating' | 'historical';
const named = (kind: Kind, hot: boolean) => `${kind}_${hot ? 'hot' : 'cold'}_spot` as Category;

/** The category of one unit from its bins in time order and the trend of its Gi* z-scores. */
export function classify(bins: ArrayLike<number>, giTrend: Pick<Trend, 'z' | 'p'>): Category {
  const n = bins.length;
  if (n === 0) return 'no_pattern';
  let hot = 0;
  let cold = 0;
  for (let t = 0; t < n; t++) {
    if (bins[t] > 0) hot++;
    else if (bins[t] < 0) cold++;
  }
  const last = bins[n - 1];
  const mostly = (k: number) => 10 * k >= 9 * n;
  if (last === 0) {
    if (mostly(hot)) return 'historical_hot_spot';
    if (mostly(cold)) return 'historical_cold_spot';
    return 'no_pattern';
  }
  const isHot = last > 0;
  const same = isHot ? hot : cold;
  const other = isHot ? cold : hot;
  if (mostly(same)) {
    if (giTrend.p < TREND_ALPHA && giTrend.z !== 0) {
      const rising = giTrend.z > 0;
      return named(rising === isHot ? 'intensifying' : 'diminishing', isHot);
    }
    return named('persistent', isHot);
  }
  if (other > 0) return named('oscillating', isHot);
  if (same === 1) return named('new', isHot);
  let run = 0;
  for (let t = n - 1; t >= 0 && Math.sign(bins[t]) === Math.sign(last); t--) run++;
  return named(run === same ? 'consecutive' : 'sporadic', isHot);
}

export interface UnitTrend {
  category: Category;
  countTrend: Trend;
  giTrend: Trend;
}

export interface Emerging {
  /** Per step: Gi* z and bin of every unit (the p-values are not kept: p = twoSidedP(z)). */
  steps: { z: Float64Array; bin: Int8Array; critical: CriticalP | null }[];
  units: UnitTrend[];
}

/** Emerging hot spots from the counts of every step (`counts[t][i]`: unit i in step t) over one set of neighbours. */
export function emergingHotSpots(counts: ArrayLike<number>[], nb: Neighbours, fdr: boolean): Emerging {
  const n = nb.offsets.length - 1;
  const steps = counts.map((x) => {
    const g = giStarZ(x, nb);
    const b = hotSpotBins(g.z, null, fdr);
    return { z: g.z, bin: b.bin, critical: b.critical };
  });
  const T = steps.length;
  const units: UnitTrend[] = new Array(n);
  const series = new Float64Array(T);
  const bins = new Int8Array(T);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) series[t] = counts[t][i];
    const countTrend = mannKendall(series);
    for (let t = 0; t < T; t++) {
      series[t] = steps[t].z[i];
      bins[t] = steps[t].bin[i];
    }
    const giTrend = mannKendall(series);
    units[i] = { category: classify(bins, giTrend), countTrend, giTrend };
  }
  return { steps, units };
}
