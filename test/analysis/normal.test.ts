/**
 * The normal tail against R 4.2's pnorm (Cody's algorithm): 2 * pnorm(-abs(z)), printed with 17 digits. Our series and
 * continued fraction agree to ~1e-13 relatively; the analysis compares p-values at 1e-6.
 */
import { expect } from 'chai';
import { erfc, normalUpperTail, twoSidedP } from '../../server/analysis/normal.js';

const R: [number, number][] = [
  [0.5, 0.61707507745197387],
  [1.959963984540054, 0.050000000000000024],
  [2.5758293035489, 0.010000000000000021],
  [3, 0.0026997960632601892],
  [4.5, 6.7953462494601197e-6],
  [6, 1.9731752900753962e-9],
  [-1.2, 0.23013934044341655],
];

describe('normal distribution (pure)', () => {
  it('two-sided p-values match R pnorm to 1e-12 relatively', () => {
    for (const [z, p] of R) expect(Math.abs(twoSidedP(z) - p) / p, `z = ${z}`).to.be.below(1e-12);
  });

  it('p = 1 at z = 0, symmetric in z, 0 far out; erfc(0) = 1, erfc(−x) = 2 − erfc(x)', () => {
    expect(twoSidedP(0)).to.equal(1);
    expect(twoSidedP(-2.2)).to.equal(twoSidedP(2.2));
    expect(twoSidedP(40)).to.equal(0);
    expect(erfc(0)).to.equal(1);
    expect(erfc(-0.7)).to.be.closeTo(2 - erfc(0.7), 1e-15);
    expect(normalUpperTail(1.959963984540054)).to.be.closeTo(0.025, 1e-15);
    expect(Number.isNaN(erfc(NaN))).to.equal(true);
  });

  it('continuous where the method changes (x = 2.5, z = 2.5√2)', () => {
    const x = 2.5;
    expect(erfc(x - 1e-12)).to.be.closeTo(erfc(x), 1e-13);
    expect(erfc(x)).to.be.closeTo(0.000406952017444959, 1e-17);
  });
});
