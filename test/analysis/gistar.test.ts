/**
 * Gi* on hand-made lattices, every figure computed by hand (formulas in server/analysis/gistar.ts).
 *
 * 3 × 3 queen lattice, units row-major     x = 2 3 0     n = 9, Σx = 9, x̄ = 1
 *   0 1 2                                      2 2 0     Σ(x − x̄)² = 1+4+1+1+1+1+1+1+1 = 12, S = √(12/9) = 2/√3
 *   3 4 5                                      0 0 0
 *   6 7 8
 * unit 0 (corner, W = 4): Σwx = 2+3+2+2 = 9; 9 − 4 = 5; (nW − W²)/(n−1) = (36−16)/8 = 5/2;
 *        z = 5 / (2/√3 · √(5/2)) = √7.5 = 2.7386127875258306
 * unit 1 (edge, W = 6):   Σwx = 2+3+0+2+2+0 = 9; 9 − 6 = 3; (54−36)/8 = 9/4; z = 3 / (2/√3 · 3/2) = √3
 * unit 8 (corner, W = 4): Σwx = 0+0+0+2 = 2; 2 − 4 = −2; z = −2 / √(10/3) = −√1.2
 * unit 4 (centre, W = 9 = n): neighbours of everything, nothing to compare: z = 0, p = 1
 */
import { expect } from 'chai';
import {
  fdrCriticalP,
  giStar,
  hotSpotBins,
  neighboursFromPairs,
  restrictNeighbours,
} from '../../server/analysis/gistar.js';
import { twoSidedP } from '../../server/analysis/normal.js';

/** Queen pairs of a cols × rows lattice, row-major. */
function queen(cols: number, rows: number): { a: number[]; b: number[] } {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (const [dc, dr] of [
        [1, 0],
        [0, 1],
        [1, 1],
        [-1, 1],
      ]) {
        const c2 = c + dc;
        const r2 = r + dr;
        if (c2 >= 0 && c2 < cols && r2 < rows) {
          a.push(r * cols + c);
          b.push(r2 * cols + c2);
        }
      }
  return { a, b };
}

describe('Gi* (pure)', () => {
  const q3 = queen(3, 3);
  const nb3 = neighboursFromPairs(9, q3.a, q3.b);
  const x = [2, 3, 0, 2, 2, 0, 0, 0, 0];

  it('neighbour lists from pairs: symmetric, sorted, self and duplicate pairs dropped', () => {
    expect([...nb3.offsets]).to.deep.equal([0, 3, 8, 11, 16, 24, 29, 32, 37, 40]);
    expect([...nb3.targets.subarray(nb3.offsets[4], nb3.offsets[5])]).to.deep.equal([0, 1, 2, 3, 5, 6, 7, 8]);
    expect([...nb3.targets.subarray(0, 3)]).to.deep.equal([1, 3, 4]);
    const dup = neighboursFromPairs(3, [0, 1, 0, 2], [1, 0, 0, 1]);
    expect([...dup.offsets]).to.deep.equal([0, 1, 3, 4]);
    expect([...dup.targets]).to.deep.equal([1, 0, 2, 1]);
  });

  it('the 3 × 3 lattice: z of corners, edge and centre as computed by hand', () => {
    const g = giStar(x, nb3);
    expect(g.z[0]).to.be.closeTo(Math.sqrt(7.5), 1e-12);
    expect(g.z[1]).to.be.closeTo(Math.sqrt(3), 1e-12);
    expect(g.z[8]).to.be.closeTo(-Math.sqrt(1.2), 1e-12);
    expect([g.z[4], g.p[4]]).to.deep.equal([0, 1]);
    expect([...g.neighbours]).to.deep.equal([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    for (let i = 0; i < 9; i++) expect(g.p[i]).to.equal(twoSidedP(g.z[i]));
  });

  it('every count equal (and all zero): z = 0, p = 1 everywhere', () => {
    for (const v of [0, 4]) {
      const g = giStar(new Array(9).fill(v), nb3);
      expect([...g.z]).to.deep.equal(new Array(9).fill(0));
      expect([...g.p]).to.deep.equal(new Array(9).fill(1));
    }
  });

  it('one unit, and none: nothing to compare', () => {
    const one = giStar([5], neighboursFromPairs(1, [], []));
    expect([one.z[0], one.p[0], one.neighbours[0]]).to.deep.equal([0, 1, 1]);
    expect(giStar([], neighboursFromPairs(0, [], [])).z.length).to.equal(0);
  });

  it('a unit without neighbours: W = 1, z = (x − x̄)/S', () => {
    // x = 0, 0, 3 with 0–1 neighbours and 2 alone: x̄ = 1, S = √((1+1+4)/3) = √2; unit 2: (3 − 1)/√2 = √2.
    // unit 0: Σwx = 0, W = 2: (0 − 2)/(√2 · √((6 − 4)/2)) = −2/√2 = −√2.
    const g = giStar([0, 0, 3], neighboursFromPairs(3, [0], [1]));
    expect(g.z[2]).to.be.closeTo(Math.SQRT2, 1e-12);
    expect(g.z[0]).to.be.closeTo(-Math.SQRT2, 1e-12);
  });

  it('values and lists of different lengths are refused', () => {
    expect(() => giStar([1, 2], nb3)).to.throw('neighbour lists for 9 units, values for 2');
  });

  it('restricting to a scope keeps the lists among the kept units only', () => {
    // keep the top row 0, 1, 2 → 0, 1, 2
    const keep = Int32Array.from([0, 1, 2, -1, -1, -1, -1, -1, -1]);
    const r = restrictNeighbours(nb3, keep, 3);
    expect([...r.offsets]).to.deep.equal([0, 1, 3, 4]);
    expect([...r.targets]).to.deep.equal([1, 0, 2, 1]);
  });

  describe('bins', () => {
    it('±3 p < 0.01, ±2 p < 0.05, ±1 p < 0.10, sign of z; the thresholds themselves fall to the next bin', () => {
      // p as given (p = twoSidedP(z) up to the exact thresholds being tested)
      const z = [3, -3, 2.6, 1.96, 1.645, -2, 0, 1.65];
      const p = [0.009, 0.0099, 0.01, 0.05, 0.1, 0.049, 1, 0.0999];
      expect([...hotSpotBins(z, p, false).bin]).to.deep.equal([3, -3, 2, 1, 0, -2, 0, 1]);
      expect(hotSpotBins(z, p, false).critical).to.equal(null);
    });

    it('Benjamini–Hochberg critical p per level, by hand', () => {
      // n = 10, p sorted: k·α/n for α = 0.10: .01 .02 .03 .04 .05 .06 .07 .08 .09 .10
      //   p(6) = 0.06 ≤ 0.06 is the largest qualifying → 0.06;  α = 0.05 (.005 .01 …): p(2) = 0.008 ≤ 0.01 → 0.008;
      //   α = 0.01 (.001 .002 …): p(1) = 0.001 ≤ 0.001 → 0.001.
      const p = [0.216, 0.001, 0.039, 0.06, 0.074, 0.205, 0.008, 0.212, 0.041, 0.042];
      expect(fdrCriticalP(p, 0.1)).to.equal(0.06);
      expect(fdrCriticalP(p, 0.05)).to.equal(0.008);
      expect(fdrCriticalP(p, 0.01)).to.equal(0.001);
      expect(fdrCriticalP([0.5, 0.9], 0.1)).to.equal(null);
      const z = p.map((_, i) => (i % 2 ? 1 : -1) * 2);
      const b = hotSpotBins(z, p, true);
      expect(b.critical).to.deep.equal({ '90': 0.06, '95': 0.008, '99': 0.001 });
      // 0.216 → 0; 0.001 → 3; 0.039 → 1; 0.06 → 1; 0.074 → 0; 0.205 → 0; 0.008 → 2; 0.212 → 0; 0.041 → 1; 0.042 → 1
      expect([...b.bin]).to.deep.equal([0, 3, -1, 1, 0, 0, -2, 0, -1, 1]);
      // without the correction: 0.039, 0.041, 0.042 are ±2 and 0.074 is ±1
      expect([...hotSpotBins(z, p, false).bin]).to.deep.equal([0, 3, -2, 1, -1, 0, -3, 0, -2, 2]);
    });

    it('p computed from z when not given: the same bins and critical p', () => {
      const z = [3.2, -2.1, 1.7, 1.6, -0.3, 2.5758293035489];
      const p = z.map(twoSidedP);
      for (const fdr of [false, true]) expect(hotSpotBins(z, null, fdr)).to.deep.equal(hotSpotBins(z, p, fdr));
      expect([...hotSpotBins(z, null, false).bin]).to.deep.equal([3, -2, 1, 0, 0, 2]);
    });

    it('with FDR and no unit reaching a level, that level is null and its bins are empty', () => {
      const b = hotSpotBins([2, -2], [0.04, 0.5], true);
      // n = 2; α = 0.10: p(1) = 0.04 ≤ 0.05 → 0.04; α = 0.05: 0.04 ≤ 0.025? no; 0.5 ≤ 0.05? no → null
      expect(b.critical).to.deep.equal({ '90': 0.04, '95': null, '99': null });
      expect([...b.bin]).to.deep.equal([1, 0]);
    });
  });
});
