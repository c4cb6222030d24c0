/**
 * Emerging hot spot categories from hand-made bin series (10 steps unless said: "90 %" is 9 of 10), and the whole
 * computation on the 3 × 3 queen lattice of gistar.test.ts: nine steps of equal counts (z = 0 everywhere), then the
 * step x = 2 3 0 / 2 2 0 / 0 0 0 whose z-scores were computed by hand there (unit 0: √7.5, units 1 and 3: √3).
 */
import { expect } from 'chai';
import { CATEGORIES, classify, emergingHotSpots } from '../../server/analysis/emerging.js';
import { giStar, neighboursFromPairs } from '../../server/analysis/gistar.js';
import { twoSidedP } from '../../server/analysis/normal.js';
import { stepsOf } from '../../server/analysis/periods.js';
import { HttpError } from '../../server/http/problem.js';

const NONE = { z: 0, p: 1 };
const UP = { z: 2, p: 0.04 };
const DOWN = { z: -2, p: 0.04 };
const rep = (v: number, n: number) => new Array(n).fill(v);

describe('emerging hot spots (pure)', () => {
  describe('categories', () => {
    const cases: [string, number[], { z: number; p: number }, string][] = [
      ['only the final step hot', [...rep(0, 9), 1], NONE, 'new_hot_spot'],
      ['final hot after a cold step', [-1, ...rep(0, 8), 2], NONE, 'oscillating_hot_spot'],
      ['a final run of two', [...rep(0, 8), 1, 3], NONE, 'consecutive_hot_spot'],
      ['a final run of eight (80 %)', [0, 0, ...rep(1, 8)], UP, 'consecutive_hot_spot'],
      ['hot on and off, final hot', [0, 0, 0, 0, 0, 1, 0, 0, 1, 2], NONE, 'sporadic_hot_spot'],
      ['hot throughout, no trend', rep(2, 10), NONE, 'persistent_hot_spot'],
      ['hot 9 of 10 including the final, no trend', [0, ...rep(1, 9)], NONE, 'persistent_hot_spot'],
      ['hot 9 of 10, z rising', [0, ...rep(1, 9)], UP, 'intensifying_hot_spot'],
      ['hot throughout, z falling', rep(3, 10), DOWN, 'diminishing_hot_spot'],
      ['a trend at p = 0.10 exactly is not significant', rep(3, 10), { z: 1.6, p: 0.1 }, 'persistent_hot_spot'],
      ['hot 9 of 10, the final not', [...rep(1, 9), 0], NONE, 'historical_hot_spot'],
      ['hot 8 of 10, the final not', [...rep(1, 8), 0, 0], NONE, 'no_pattern'],
      ['hot 9 of 10, the final cold', [...rep(1, 9), -1], NONE, 'oscillating_cold_spot'],
      ['nothing significant', rep(0, 10), UP, 'no_pattern'],
      ['only the final step cold', [...rep(0, 9), -2], NONE, 'new_cold_spot'],
      ['cold run of three at the end', [...rep(0, 7), -1, -1, -3], NONE, 'consecutive_cold_spot'],
      ['cold throughout, z falling', rep(-1, 10), DOWN, 'intensifying_cold_spot'],
      ['cold throughout, z rising', rep(-1, 10), UP, 'diminishing_cold_spot'],
      ['cold throughout, no trend', rep(-1, 10), NONE, 'persistent_cold_spot'],
      ['cold on and off', [-1, 0, -1, 0, 0, 0, 0, 0, 0, -1], NONE, 'sporadic_cold_spot'],
      ['final cold after a hot step', [0, 1, ...rep(0, 7), -1], NONE, 'oscillating_cold_spot'],
      ['cold 9 of 10, the final not', [...rep(-2, 9), 0], NONE, 'historical_cold_spot'],
      ['12 steps: 10 hot (83 %) is not 90 %', [0, 0, ...rep(1, 10)], UP, 'consecutive_hot_spot'],
      ['12 steps: 11 hot (92 %) is', [0, ...rep(1, 11)], UP, 'intensifying_hot_spot'],
      ['no steps', [], NONE, 'no_pattern'],
    ];
    for (const [what, bins, trend, want] of cases) {
      it(`${what} → ${want}`, () => expect(classify(bins, trend)).to.equal(want));
    }

    it('17 categories with ArcGIS codes −8 … 8 and Chinese labels', () => {
      const codes = Object.values(CATEGORIES).map((c) => c.code);
      expect(codes.sort((a, b) => a - b)).to.deep.equal([-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(CATEGORIES.new_hot_spot.label).to.equal('新增的热点');
    });
  });

  describe('on the 3 × 3 lattice', () => {
    const pairs: [number, number][] = [];
    for (let i = 0; i < 9; i++)
      for (let j = i + 1; j < 9; j++) {
        const [ci, ri, cj, rj] = [i % 3, Math.floor(i / 3), j % 3, Math.floor(j / 3)];
        if (Math.abs(ci - cj) <= 1 && Math.abs(ri - rj) <= 1) pairs.push([i, j]);
      }
    const nb = neighboursFromPairs(
      9,
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
    const last = [2, 3, 0, 2, 2, 0, 0, 0, 0];
    const counts = [...Array.from({ length: 9 }, () => rep(1, 9)), last];

    it('each step is the Gi* of its counts; the trends and categories follow (no FDR)', () => {
      const e = emergingHotSpots(counts, nb, false);
      expect(e.steps).to.have.length(10);
      expect([...e.steps[0].z]).to.deep.equal(rep(0, 9));
      expect([...e.steps[9].z]).to.deep.equal([...giStar(last, nb).z]);
      expect(e.steps[9].z[0]).to.be.closeTo(Math.sqrt(7.5), 1e-12);
      // unit 0 bin 3 (p = 0.0062), units 1 and 3 bin 1 (√3: p = 0.083); every other |z| < 1.2: bin 0
      expect([...e.steps[9].bin]).to.deep.equal([3, 1, 0, 1, 0, 0, 0, 0, 0]);
      expect(e.units.map((u) => u.category)).to.deep.equal([
        'new_hot_spot',
        'new_hot_spot',
        'no_pattern',
        'new_hot_spot',
        'no_pattern',
        'no_pattern',
        'no_pattern',
        'no_pattern',
        'no_pattern',
      ]);
      // unit 0's counts 1 ×9, 2: S = 9; ties t = 9: Var S = (10·9·25 − 9·8·23)/18 = 594/18 = 33;
      // z = 8/√33; τ = 9/√(45·(45 − 36)) = 9/√405
      const c0 = e.units[0].countTrend;
      expect([c0.s, c0.varS]).to.deep.equal([9, 33]);
      expect(c0.z).to.be.closeTo(8 / Math.sqrt(33), 1e-12);
      expect(c0.tau).to.be.closeTo(9 / Math.sqrt(405), 1e-12);
      // its z-scores 0 ×9, √7.5: the same ranks, the same trend
      expect(e.units[0].giTrend.z).to.be.closeTo(8 / Math.sqrt(33), 1e-12);
    });

    it('with FDR: only unit 0 reaches 90 % (critical p = its own p, 0.0062 ≤ 1·0.10/9)', () => {
      const e = emergingHotSpots(counts, nb, true);
      expect(e.steps[9].critical).to.deep.equal({ '90': twoSidedP(e.steps[9].z[0]), '95': null, '99': null });
      expect([...e.steps[9].bin]).to.deep.equal([1, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(e.units.map((u) => u.category).filter((c) => c !== 'no_pattern')).to.deep.equal(['new_hot_spot']);
      expect(e.steps[0].critical).to.deep.equal({ '90': null, '95': null, '99': null });
    });
  });

  describe('steps', () => {
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(HttpError);
        return (e as HttpError).detail;
      }
      throw new Error('no problem raised');
    };

    it('calendar months across a year end', () => {
      const s = stepsOf('2025-03-01', '2026-01-01', 'month');
      expect(s).to.have.length(10);
      expect(s[0]).to.deep.equal({ from: '2025-03-01', to: '2025-04-01' });
      expect(s[9]).to.deep.equal({ from: '2025-12-01', to: '2026-01-01' });
    });

    it('weeks of 7 days from `from` (any weekday)', () => {
      const s = stepsOf('2026-01-01', '2026-03-12', 'week');
      expect(s).to.have.length(10);
      expect(s[0]).to.deep.equal({ from: '2026-01-01', to: '2026-01-08' });
      expect(s[8]).to.deep.equal({ from: '2026-02-26', to: '2026-03-05' });
    });

    it('refusals name the problem', () => {
      expect(problem(() => stepsOf('2025-03-02', '2026-01-01', 'month'))).to.equal(
        "with step=month, 'from' must be the first day of a month (got 2025-03-02), e.g. from=2025-01-01&to=2026-01-01",
      );
      expect(problem(() => stepsOf('2025-04-01', '2026-01-01', 'month'))).to.equal(
        'an emerging hot spot analysis needs 10 to 260 time steps (the Mann–Kendall trend needs at least 10, as in ' +
          'ArcGIS); from 2025-04-01 to 2026-01-01 is 9 months',
      );
      expect(problem(() => stepsOf('2000-01-01', '2021-10-01', 'month'))).to.match(/is 261 months$/);
      expect(problem(() => stepsOf('2026-01-01', '2026-03-13', 'week'))).to.equal(
        "with step=week, 'to' − 'from' must be a whole number of weeks: from 2026-01-01 to 2026-03-13 is 71 days (10 weeks and 1 day)",
      );
      expect(problem(() => stepsOf('2026-01-01', '2026-01-01', 'week'))).to.equal(
        "query parameter 'from' (2026-01-01) must be before 'to' (2026-01-01): the period is [from, to), in days",
      );
    });
  });
});
