/**
 * Getis–Ord Gi* (Ord & Getis 1995) with binary weights that include the unit itself — the statistic of ArcGIS Hot
 * Spot Analysis, PySAL esda `G_Local(star=True)` and R spdep `localG` on `include.self()` neighbours:
 *
 *   Gi* = (Σⱼ wᵢⱼ xⱼ − x̄ Wᵢ) / (S · √((n Wᵢ − Wᵢ²) / (n − 1)))      (binary weights: Σⱼ wᵢⱼ² = Wᵢ)
 *
 * with x̄ = Σ x / n, S = √(Σ (x − x̄)² / n) (the population standard deviation), Wᵢ = 1 + the number of neighbours of i.
 * The z-score is Gi* itself; p is two-sided from the normal. Where every value is equal (S = 0), or a unit neighbours
 * every unit (n Wᵢ = Wᵢ², nothing to compare with), z = 0 and p = 1.
 *
 * Bins (ArcGIS Gi_Bin): ±3 for p < 0.01, ±2 for p < 0.05, ±1 for p < 0.10 (the sign of z), else 0. With the false
 * discovery rate correction, ArcGIS's way: for each confidence level α ∈ {0.10, 0.05, 0.01} the Benjamini–Hochberg
 * step-up critical p — the largest p₍ₖ₎ (the k-th smallest of all n p-values) with p₍ₖ₎ ≤ k·α/n — and a unit reaches
 * that level when its p ≤ the critical p (no unit does when no p₍ₖ₎ qualifies).
 */
import { twoSidedP } from './normal.js';

/**
 * Symmetric neighbour lists in compressed sparse rows, self not included: the neighbours of unit i are
 * `targets[offsets[i] … offsets[i+1])`.
 */
export interface Neighbours {
  offsets: Int32Array;
  targets: Int32Array;
}

export interface GiStar {
  z: Float64Array;
  p: Float64Array;
  /** Wᵢ: the unit and its neighbours. */
  neighbours: Int32Array;
}

/** Neighbour lists from undirected pairs (i, j), i ≠ j, of units 0 … n−1; duplicate pairs count once. */
export function neighboursFromPairs(n: number, a: ArrayLike<number>, b: ArrayLike<number>): Neighbours {
  if (a.length !== b.length) throw new Error('pair arrays differ in length');
  const degree = new Int32Array(n + 1);
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k]) continue;
    degree[a[k]]++;
    degree[b[k]]++;
  }
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + degree[i];
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(offsets[n]);
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k]) continue;
    targets[fill[a[k]]++] = b[k];
    targets[fill[b[k]]++] = a[k];
  }
  // Sort each list and drop duplicates (a pair given twice), so that every neighbour weighs 1.
  let write = 0;
  const out = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const list = targets.subarray(offsets[i], offsets[i + 1]).sort();
    out[i] = write;
    for (let k = 0; k < list.length; k++) {
      if (k > 0 && list[k] === list[k - 1]) continue;
      targets[write++] = list[k];
    }
  }
  out[n] = write;
  return { offsets: out, targets: targets.slice(0, write) };
}

/** The neighbour lists restricted to the units kept (`keep[i]` = its new index, or −1 to drop it). */
export function restrictNeighbours(nb: Neighbours, keep: Int32Array, kept: number): Neighbours {
  const offsets = new Int32Array(kept + 1);
  const targets: number[] = [];
  for (let i = 0; i < keep.length; i++) {
    const ni = keep[i];
    if (ni < 0) continue;
    for (let k = nb.offsets[i]; k < nb.offsets[i + 1]; k++) {
      const nj = keep[nb.targets[k]];
      if (nj >= 0) targets.push(nj);
    }
    offsets[ni + 1] = targets.length;
  }
  return { offsets, targets: Int32Array.from(targets) };
}

/** Gi* z-scores of the values `x` (one per unit) over the neighbour lists, and Wᵢ. */
export function giStarZ(x: ArrayLike<number>, nb: Neighbours): { z: Float64Array; neighbours: Int32Array } {
  const n = x.length;
  if (nb.offsets.length !== n + 1)
    throw new Error(`neighbour lists for ${nb.offsets.length - 1} units, values for ${n}`);
  const z = new Float64Array(n);
  const neighbours = new Int32Array(n);
  for (let i = 0; i < n; i++) neighbours[i] = 1 + nb.offsets[i + 1] - nb.offsets[i];
  if (n < 2) return { z, neighbours };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
  if (!(ss > 0)) return { z, neighbours };
  const s = Math.sqrt(ss / n);
  for (let i = 0; i < n; i++) {
    const w = neighbours[i];
    let lag = x[i];
    for (let k = nb.offsets[i]; k < nb.offsets[i + 1]; k++) lag += x[nb.targets[k]];
    const spread = (n * w - w * w) / (n - 1);
    if (spread > 0) z[i] = (lag - mean * w) / (s * Math.sqrt(spread));
  }
  return { z, neighbours };
}

/** Gi* z-scores and two-sided p-values of the values `x` (one per unit) over the neighbour lists. */
export function giStar(x: ArrayLike<number>, nb: Neighbours): GiStar {
  const { z, neighbours } = giStarZ(x, nb);
  const p = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) p[i] = z[i] === 0 ? 1 : twoSidedP(z[i]);
  return { z, p, neighbours };
}

/** The three confidence levels of the bins: α and the bin magnitude it earns. */
export const LEVELS = [
  { alpha: 0.01, bin: 3, label: '99' },
  { alpha: 0.05, bin: 2, label: '95' },
  { alpha: 0.1, bin: 1, label: '90' },
] as const;

/** Critical p per confidence level ("90", "95", "99"); null where no unit reaches the level. */
export type CriticalP = Record<'90' | '95' | '99', number | null>;

/**
 * The Benjamini–Hochberg step-up critical p for level α: the largest p₍ₖ₎ with p₍ₖ₎ ≤ k·α/n (p sorted ascending,
 * k = 1 … n), or null when none qualifies.
 */
export function fdrCriticalP(p: ArrayLike<number>, alpha: number): number | null {
  return criticalOfSorted(Float64Array.from(p).sort(), alpha);
}

/** The k-th smallest p-values, k = 1 … m, of n tests (the n − m others above every α): BH's critical p. */
function criticalOfSorted(sorted: Float64Array, alpha: number, n = sorted.length): number | null {
  for (let k = sorted.length; k >= 1; k--) {
    if (sorted[k - 1] <= (k * alpha) / n) return sorted[k - 1];
  }
  return null;
}

/**
 * |z| below this has p > 0.101: never in a bin, never among the p-values the FDR levels compare (p ≤ k·α/n ≤ 0.10).
 * Only the units at or above it need their p.
 */
const Z_CANDIDATE = 1.64;

/**
 * Hot/cold spot bins −3 … 3 of the z-scores; with `fdr`, against the Benjamini–Hochberg critical p of each level
 * (also returned). `p` may be given (the two-sided p of each z: twoSidedP(z)); otherwise it is computed where it
 * matters.
 */
export function hotSpotBins(
  z: ArrayLike<number>,
  p: ArrayLike<number> | null,
  fdr: boolean,
): { bin: Int8Array; critical: CriticalP | null } {
  const n = z.length;
  const bin = new Int8Array(n);
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (Math.abs(z[i]) >= Z_CANDIDATE) candidates.push(i);
  const pc = Float64Array.from(candidates, (i) => (p ? p[i] : twoSidedP(z[i])));
  let critical: CriticalP | null = null;
  if (fdr) {
    const sorted = Float64Array.from(pc).sort();
    critical = {
      '90': criticalOfSorted(sorted, 0.1, n),
      '95': criticalOfSorted(sorted, 0.05, n),
      '99': criticalOfSorted(sorted, 0.01, n),
    };
  }
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c];
    for (const level of LEVELS) {
      const limit = critical?.[level.label];
      const reached = critical ? limit !== null && pc[c] <= limit! : pc[c] < level.alpha;
      if (reached) {
        bin[i] = z[i] > 0 ? level.bin : -level.bin;
        break;
      }
    }
  }
  return { bin, critical };
}
