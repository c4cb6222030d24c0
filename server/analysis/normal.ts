/**
 * The standard normal distribution's tail, to double precision, for two-sided p-values of z-scores.
 *
 * erfc(x) is computed by its Maclaurin series of erf for x < 2.5 (terms alternate; the largest is below e^(x²) ≈ 520,
 * so the rounding error stays near 1e-13 absolute, far below the 1e-6 the p-values are compared at) and by the
 * Laplace continued fraction for x ≥ 2.5 (evaluated with the modified Lentz method; relative error ≈ 1e-15).
 * Checked against R's pnorm in test/analysis/normal.test.ts.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SERIES_LIMIT = 2.5;

/** erf(x) by its Maclaurin series: 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)). For |x| < SERIES_LIMIT. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x; // (−1)ⁿ x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / SQRT_PI) * sum;
}

/**
 * erfc(x) for x ≥ SERIES_LIMIT: e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), i.e. the continued
 * fraction with partial numerators k/2 (k = 1, 2, …) and partial denominators x, by the modified Lentz method.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** The complementary error function erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) return 1 - erfSeries(x);
  if (x > 27) return 0; // below the smallest double
  return erfcContinuedFraction(x);
}

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** The two-sided p-value of a z-score: P(|Z| ≥ |z|) = erfc(|z|/√2); 1 for z = 0. */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}
