/**
 * Pure parts of the planner's views in the web map (no browser): the evaluation page's periods (presets, the months of
 * a trend) and what the 分析 panel shows for an answer (values, legend counts, the top list's order).
 */
import { expect } from 'chai';
import type { EmergingAnswer, HotspotAnswer } from '../../web-map/src/analysis/api.js';
import { hotspotShown, stepShown, trendShown } from '../../web-map/src/analysis/results.js';
import { addDays, monthsOf, periodText, presetPeriod } from '../../web-map/src/evaluation/period.js';

describe('evaluation page periods (web-map/src/evaluation/period.ts)', () => {
  it('presets: current ones end today (to = tomorrow, exclusive), past ones are whole', () => {
    const today = '2026-05-17';
    expect(presetPeriod('this_month', today)).to.deep.equal({ from: '2026-05-01', to: '2026-05-18' });
    expect(presetPeriod('last_month', today)).to.deep.equal({ from: '2026-04-01', to: '2026-05-01' });
    expect(presetPeriod('this_quarter', today)).to.deep.equal({ from: '2026-04-01', to: '2026-05-18' });
    expect(presetPeriod('last_quarter', today)).to.deep.equal({ from: '2026-01-01', to: '2026-04-01' });
    expect(presetPeriod('this_year', today)).to.deep.equal({ from: '2026-01-01', to: '2026-05-18' });
    expect(presetPeriod('last_year', today)).to.deep.equal({ from: '2025-01-01', to: '2026-01-01' });
    // January: last month and last quarter are in the year before
    expect(presetPeriod('last_month', '2026-01-31')).to.deep.equal({ from: '2025-12-01', to: '2026-01-01' });
    expect(presetPeriod('last_quarter', '2026-02-10')).to.deep.equal({ from: '2025-10-01', to: '2026-01-01' });
    expect(presetPeriod('this_year', '2026-12-31')).to.deep.equal({ from: '2026-01-01', to: '2027-01-01' });
  });

  it('the months of a period, cut to it at both ends', () => {
    expect(monthsOf({ from: '2025-02-15', to: '2025-04-10' })).to.deep.equal([
      { month: '2025-02', period: { from: '2025-02-15', to: '2025-03-01' } },
      { month: '2025-03', period: { from: '2025-03-01', to: '2025-04-01' } },
      { month: '2025-04', period: { from: '2025-04-01', to: '2025-04-10' } },
    ]);
    expect(monthsOf({ from: '2025-12-01', to: '2026-01-01' }).map((m) => m.month)).to.deep.equal(['2025-12']);
    expect(monthsOf({ from: '2024-01-01', to: '2026-01-01' })).to.have.length(24);
    expect(addDays('2024-02-28', 1)).to.equal('2024-02-29');
    expect(periodText({ from: '2025-03-01', to: '2025-04-01' })).to.equal('2025-03-01 至 2025-03-31');
  });
});

describe('what the 分析 panel shows (web-map/src/analysis/results.ts)', () => {
  const unit = (code: string, count: number, z: number, bin: number) => ({
    id: code,
    properties: { code, name: `网格${code}`, count, z, p: 0, bin, neighbours: 1 },
  });
  it('hot spots: a value per unit, units per bin, the hot units by z then cases then code', () => {
    const a = {
      analysis: { cases: 11 },
      features: [
        unit('a', 1, 1.8, 1),
        unit('b', 4, 1.8, 1),
        unit('c', 6, 3.1, 3),
        unit('d', 0, -2, -2),
        unit('e', 0, 0, 0),
      ],
    } as unknown as HotspotAnswer;
    const s = hotspotShown(a);
    expect([...s.values]).to.deep.equal([
      ['a', 1],
      ['b', 1],
      ['c', 3],
      ['d', -2],
      ['e', 0],
    ]);
    expect(Object.fromEntries(s.legend)).to.deep.equal({ 1: 2, 3: 1, [-2]: 1, 0: 1 });
    expect(s.top.map((t) => t.code)).to.deep.equal(['c', 'b', 'a']);
    expect(s.cases).to.equal(11);
  });

  it('a month of the emerging series, and the categories with the most pressing hot ones first', () => {
    const e = (code: string, category_code: number, count: number, bins: number[], z: number[]) => ({
      id: code,
      properties: { code, name: null, count, category_code, counts: [count, 0], z, bins },
    });
    const a = {
      analysis: { cases: 9, steps: [{ cases: 7 }, { cases: 2 }] },
      features: [
        e('a', 8, 5, [1, 0], [1.7, 0.1]),
        e('b', 1, 2, [0, 2], [0.2, 2.2]),
        e('c', 3, 1, [2, 3], [2.1, 3.3]),
        e('d', -1, 1, [0, -1], [0, -1.7]),
        e('f', 3, 4, [1, 1], [1.7, 1.7]),
      ],
    } as unknown as EmergingAnswer;
    const first = stepShown(a, 0);
    expect(first.top.map((t) => t.code)).to.deep.equal(['c', 'a', 'f']); // z 2.1, then 1.7 with 5 cases before 4
    expect(first.cases).to.equal(7);
    expect(stepShown(a, 1).values.get('b')).to.equal(2);
    const t = trendShown(a);
    expect(t.palette).to.equal('categories');
    // intensifying (3) before new (1) before historical (8); within a category more cases first
    expect(t.top.map((x) => x.code)).to.deep.equal(['f', 'c', 'b', 'a']);
    expect(Object.fromEntries(t.legend)).to.deep.equal({ 8: 1, 1: 1, 3: 2, [-1]: 1 });
  });
});
