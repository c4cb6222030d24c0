/**
 * The Mann–Kendall trend test (Mann 1945, Kendall 1975) of a series y₁ … yₙ in time order:
 *
 *   S = Σ_{i<j} sign(yⱼ − yᵢ)
 *   Var S = [n(n−1)(2n+5) − Σₜ t(t−1)(2t+5)] / 18       (t: the size of each group of tied values)
 *   z = (S − 1)/√Var S for S > 0, (S + 1)/√Var S for S < 0, 0 for S = 0   (continuity correction)
 *   p = two-sided from the normal
 *   τ = S / √(n₀ (n₀ − n₁)),  n₀ = n(n−1)/2,  n₁ = Σₜ t(t−1)/2          (Kendall's τ-b: time has no ties)
 *
 * This is R's `cor.test(1:n, y, method = "kendall", exact = FALSE, continuity = TRUE)` (test/analysis checks it),
 * the Kendall package's MannKendall τ and pymannkendall's original test. A constant series has S = 0, Var S = 0:
 * τ = 0, z = 0, p = 1.
 */
import { twoSidedP } from './normal.js';

export interface Trend {
  /** Kendall's τ-b, −1 … 1. */
  tau: number;
  z: number;
  p: number;
  s: number;
  varS: number;
}

/**
 * Sorts `a` ascending in place and returns its inversions: pairs i < j with a[i] > a[j] (equal values are not
 * inversions). Bottom-up merge sort, O(n log n).
 */
function sortCountingInversions(a: Float64Array<ArrayBuffer>): number {
  const n = a.length;
  let src: Float64Array<ArrayBuffer> = a;
  let dst = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          inversions += mid - i;
          dst[k++] = src[j++];
        } else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) a.set(src);
  return inversions;
}

/** Series at least this long get S from the inversions (O(n log n)) rather than from every pair (O(n²)). */
const PAIRWISE_MAX = 40;

export function mannKendall(y: ArrayLike<number>): Trend {
  const n = y.length;
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = y[i] === y[0];
  if (constant) return { tau: 0, z: 0, p: 1, s: 0, varS: 0 };
  const sorted = Float64Array.from(y);
  let s = 0;
  if (n <= PAIRWISE_MAX) {
    for (let i = 0; i < n - 1; i++) {
      const yi = y[i];
      for (let j = i + 1; j < n; j++) {
        const d = y[j] - yi;
        if (d > 0) s++;
        else if (d < 0) s--;
      }
    }
    sorted.sort();
  } else {
    // S = concordant − discordant = (n₀ − tied − discordant) − discordant; discordant pairs are the inversions.
    const inversions = sortCountingInversions(sorted);
    let tied = 0;
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && sorted[j] === sorted[i]) j++;
      tied += ((j - i) * (j - i - 1)) / 2;
      i = j;
    }
    s = (n * (n - 1)) / 2 - tied - 2 * inversions;
  }
  // Tie groups from the sorted values.
  let tieVar = 0;
  let tiePairs = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) {
      tieVar += t * (t - 1) * (2 * t + 5);
      tiePairs += (t * (t - 1)) / 2;
    }
    i = j;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieVar) / 18;
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt(n0 * (n0 - tiePairs));
  const tau = denom > 0 ? s / denom : 0;
  if (s === 0 || !(varS > 0)) return { tau, z: 0, p: 1, s, varS };
  const z = (s - Math.sign(s)) / Math.sqrt(varS);
  return { tau, z, p: twoSidedP(z), s, varS };
}
