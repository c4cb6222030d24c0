/**
 * Mann–Kendall by hand, and against R 4.2's cor.test(1:n, y, method = "kendall", exact = FALSE, continuity = TRUE)
 * (base R, no extra package: Debian has no r-cran-kendall; printed with 17 digits; same formulas as the Kendall
 * package's MannKendall τ and pymannkendall's original test).
 *
 * y = 1 3 2 5 5 4 7 8 8 9 3 10 (n = 12). S by rows (each yᵢ against the later values, +1 higher, −1 lower):
 *   1:+11  3:+7  2:+9  5:+3  5:+3  4:+4  7:+3  8:+1  8:+1  9:0  3:+1  → S = 43
 * ties: 3, 5 and 8 twice each: Σ t(t−1)(2t+5) = 3 · 2·1·9 = 54; Var S = (12·11·29 − 54)/18 = 3774/18 = 209.67
 * z = (43 − 1)/√209.67 = 2.9005783; τ-b = 43/√(66 · (66 − 3)) = 43/√4158 = 0.66685
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mannKendall } from '../../server/analysis/mann-kendall.js';

describe('Mann–Kendall (pure)', () => {
  it('a rising series with ties: S, Var S, τ, z, p by hand and as R', () => {
    const t = mannKendall([1, 3, 2, 5, 5, 4, 7, 8, 8, 9, 3, 10]);
    expect(t.s).to.equal(43);
    expect(t.varS).to.be.closeTo(3774 / 18, 1e-12);
    expect(t.tau).to.be.closeTo(43 / Math.sqrt(4158), 1e-15);
    expect(t.tau).to.be.closeTo(0.6668470174522374, 1e-12);
    expect(t.z).to.be.closeTo(2.9005783097516247, 1e-12);
    expect(t.p).to.be.closeTo(0.0037247475560906033, 1e-12);
  });

  it('a falling series with ties and a series without ties: as R', () => {
    const down = mannKendall([5, 4, 4, 3, 6, 2, 1, 1, 0, 2]);
    expect(down.tau).to.be.closeTo(-0.64406118871953066, 1e-12);
    expect(down.z).to.be.closeTo(-2.4444651431480002, 1e-12);
    expect(down.p).to.be.closeTo(0.014506709814540534, 1e-12);
    const smooth = mannKendall([0.3, -1.2, 0.8, 2.1, 1.7, 2.9, 3.3, 2.2, 4.1, 3.8, 5.0]);
    // no ties: τ = S / (n(n−1)/2) = 45/55
    expect(smooth.s).to.equal(45);
    expect(smooth.tau).to.be.closeTo(45 / 55, 1e-15);
    expect(smooth.z).to.be.closeTo(3.4253953543107012, 1e-12);
    expect(smooth.p).to.be.closeTo(0.00061390537500630117, 1e-12);
  });

  it('constant and empty series: τ = 0, z = 0, p = 1', () => {
    for (const y of [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3], []]) {
      const t = mannKendall(y);
      expect([t.tau, t.z, t.p, t.s]).to.deep.equal([0, 0, 1, 0]);
    }
  });

  it('long series (S from inversions) agree with every pair counted, ties and all', () => {
    const pairwise = (y: number[]) => {
      let s = 0;
      for (let i = 0; i < y.length; i++) for (let j = i + 1; j < y.length; j++) s += Math.sign(y[j] - y[i]);
      return s;
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 41, maxLength: 130 }), (y) => {
        expect(mannKendall(y).s).to.equal(pairwise(y));
      }),
      { seed: 20261210, numRuns: 300 },
    );
    // 104 weekly values rising with noise: 1, 2, 0, 3, 4, 2 … (k mod 3 wobble)
    const y = Array.from({ length: 104 }, (_, k) => Math.floor(k / 4) + ((k * 7) % 3));
    expect(mannKendall(y).s).to.equal(pairwise(y));
  });

  it('S = ±1 gives z = 0 after the continuity correction (p = 1)', () => {
    const t = mannKendall([1, 0, 2]); // pairs: 0−1 −1, 2−1 +1, 2−0 +1 → S = 1
    expect(t.s).to.equal(1);
    expect([t.z, t.p]).to.deep.equal([0, 1]);
  });
});
