/** Evaluation arithmetic and configuration (pure): rates, bands, renormalised weights, grades, overrides, periods. */
import { expect } from 'chai';
import {
  DEFAULT_CONFIG,
  countScore,
  densityScore,
  evaluationConfig,
  grade,
  perBandDays,
  rate,
  rateScore,
  weightedScore,
} from '../../server/evaluation/config.js';
import { chinaMidnight, parsePeriod } from '../../server/evaluation/period.js';
import { CHANNELS } from '../../server/cases/intake.js';
import { HttpError } from '../../server/http/problem.js';
import { STATES } from '../../server/cases/workflow.js';
import { DEPARTMENT_STATES, DISPOSED_STATES, FILED_STATES } from '../../server/evaluation/queries.js';

describe('evaluation configuration and arithmetic (pure)', () => {
  it('rates are unrounded fractions; a zero denominator gives null', () => {
    expect(rate(1, 3)).to.equal(1 / 3);
    expect(rate(0, 5)).to.equal(0);
    expect(rate(0, 0)).to.equal(null);
    expect(rateScore(0.25)).to.equal(25);
    expect(rateScore(0.25, true)).to.equal(75);
    expect(rateScore(null, true)).to.equal(null);
  });

  it('grades: A ≥ 90, B 75–<90, C 60–<75, D 40–<60, E < 40', () => {
    const cases: [number | null, string | null][] = [
      [100, 'A'],
      [90, 'A'],
      [89.99, 'B'],
      [75, 'B'],
      [74.99, 'C'],
      [60, 'C'],
      [59.99, 'D'],
      [40, 'D'],
      [39.99, 'E'],
      [0, 'E'],
      [null, null],
    ];
    for (const [score, g] of cases) expect(grade(score), String(score)).to.equal(g);
  });

  it('the 受理数 bands of the standard, per 30 days', () => {
    const b = DEFAULT_CONFIG.acceptor.bands;
    const cases: [number, number][] = [
      [2001, 100],
      [2000, 90],
      [1201, 90],
      [1200, 75],
      [501, 75],
      [500, 60],
      [301, 60],
      [300, 40],
      [101, 40],
      [100, 0],
      [0, 0],
    ];
    for (const [n, score] of cases) expect(countScore(n, b), String(n)).to.equal(score);
    // A year (365 days) with 12,000 receptions is 986.3 per 30 days → 75.
    expect(perBandDays(12000, 365, 30)).to.be.closeTo(986.3, 0.1);
    expect(countScore(perBandDays(12000, 365, 30), b)).to.equal(75);
  });

  it('立案数 density bands (fewer is better; no area: unknown)', () => {
    const b = DEFAULT_CONFIG.region.filed_density_bands;
    const cases: [number, number][] = [
      [0, 100],
      [10, 100],
      [10.01, 90],
      [25, 90],
      [50, 75],
      [100, 60],
      [200, 40],
      [200.5, 0],
      [1e9, 0],
    ];
    for (const [d, score] of cases) expect(densityScore(d, b), String(d)).to.equal(score);
    expect(densityScore(null, b)).to.equal(null);
  });

  it('weighted score: unknown terms left out and the weights renormalised; rounded to 0.01', () => {
    // 有效上报率 50 %, 漏报 unknown, 核实 100 %, 核查 2/3: (50·40 + 100·20 + 66.67·20) / 80 = 66.67
    expect(
      weightedScore([
        { weight: 40, value: 50 },
        { weight: 20, value: null },
        { weight: 20, value: 100 },
        { weight: 20, value: (2 / 3) * 100 },
      ]),
    ).to.equal(66.67);
    expect(weightedScore([{ weight: 10, value: null }])).to.equal(null);
    expect(weightedScore([{ weight: 0, value: 80 }])).to.equal(null);
    // 5/6 and 4/6 at 40 each and 0 at 20: exactly the C boundary.
    const s = weightedScore([
      { weight: 20, value: 0 },
      { weight: 40, value: (5 / 6) * 100 },
      { weight: 40, value: (4 / 6) * 100 },
    ]);
    expect([s, grade(s)]).to.deep.equal([60, 'C']);
    // 0.57 × 100 is 56.99999999999999 in floating point: the rounded score is 57.
    expect(weightedScore([{ weight: 1, value: rateScore(0.57) }])).to.equal(57);
  });

  it('the defaults: weights as documented', () => {
    expect(DEFAULT_CONFIG.collector).to.deep.equal({
      valid_report: 40,
      missed_report: 20,
      on_time_verify: 20,
      on_time_check: 20,
    });
    expect(DEFAULT_CONFIG.region.weights).to.deep.equal({
      public_report: 10,
      filed: 20,
      closure: 30,
      on_time_closure: 40,
    });
    expect(DEFAULT_CONFIG.department).to.deep.equal({
      disposal: 20,
      on_time_disposal: 40,
      rework: 20,
      closure: 20,
      on_time_closure: 0,
    });
    expect(evaluationConfig(undefined, CHANNELS)).to.deep.equal(DEFAULT_CONFIG);
    expect(evaluationConfig({}, CHANNELS)).to.deep.equal(DEFAULT_CONFIG);
  });

  it('overrides merge key by key; arrays replace', () => {
    const c = evaluationConfig(
      {
        band_days: 365,
        department: { rework: 0, on_time_closure: 20 },
        region: { public_channels: ['hotline_12345'] },
      },
      CHANNELS,
    );
    expect(c.band_days).to.equal(365);
    expect(c.department).to.deep.equal({
      disposal: 20,
      on_time_disposal: 40,
      rework: 0,
      closure: 20,
      on_time_closure: 20,
    });
    expect(c.region.public_channels).to.deep.equal(['hotline_12345']);
    expect(c.region.weights).to.deep.equal(DEFAULT_CONFIG.region.weights);
    expect(DEFAULT_CONFIG.band_days).to.equal(30); // the defaults are not touched
  });

  it('bad overrides: every problem named', () => {
    const problems = (o: unknown) => {
      try {
        evaluationConfig(o, CHANNELS);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problems([1])).to.equal('EVALUATION_CONFIG: the file must be an object');
    expect(problems({ colector: {} })).to.equal('EVALUATION_CONFIG: unknown key colector');
    expect(problems({ collector: { valid_report: -1 } })).to.equal(
      'EVALUATION_CONFIG: collector.valid_report must be a number ≥ 0',
    );
    expect(problems({ shift_leader: { on_time_filing: 0, accurate_filing: 0, on_time_closing: 0 } })).to.equal(
      'EVALUATION_CONFIG: shift_leader: at least one weight must be above 0',
    );
    expect(
      problems({
        acceptor: {
          bands: [
            { min: 10, score: 50 },
            { min: 20, score: 0 },
          ],
        },
      }),
    ).to.equal(
      'EVALUATION_CONFIG: acceptor.bands: mins must decrease (highest band first); acceptor.bands: the last band must have min 0',
    );
    expect(problems({ dispatcher: { bands: [{ min: 0, score: 120 }] } })).to.equal(
      'EVALUATION_CONFIG: dispatcher.bands[0] must be {min: number, score: 0–100}',
    );
    expect(
      problems({
        region: {
          filed_density_bands: [
            { max: 5, score: 100 },
            { max: 3, score: 50 },
            { max: null, score: 0 },
          ],
        },
      }),
    ).to.equal('EVALUATION_CONFIG: region.filed_density_bands: maxes must increase (lowest band first)');
    expect(problems({ region: { filed_density_bands: [{ max: 5, score: 100 }] } })).to.equal(
      'EVALUATION_CONFIG: region.filed_density_bands[0] must be {max: null, score: 0–100}',
    );
    expect(problems({ region: { public_channels: ['fax'] } })).to.match(
      /^EVALUATION_CONFIG: region.public_channels must list channels among collector, /,
    );
    expect(problems({ band_days: 0 })).to.equal('EVALUATION_CONFIG: band_days must be a number > 0');
  });

  it('the state groups are workflow states', () => {
    for (const s of [...FILED_STATES, ...DEPARTMENT_STATES, ...DISPOSED_STATES]) expect(STATES).to.include(s);
    expect(FILED_STATES).to.not.include('voided');
    expect(DEPARTMENT_STATES.every((s) => FILED_STATES.includes(s))).to.equal(true);
    expect(DISPOSED_STATES.every((s) => DEPARTMENT_STATES.includes(s))).to.equal(true);
  });
});

describe('evaluation period (pure)', () => {
  it('whole days in China Standard Time, to exclusive', () => {
    const p = parsePeriod('2025-01-01', '2026-01-01');
    expect([p.from.toISOString(), p.to.toISOString(), p.days]).to.deep.equal([
      '2024-12-31T16:00:00.000Z',
      '2025-12-31T16:00:00.000Z',
      365,
    ]);
    expect(parsePeriod('2024-02-28', '2024-03-01').days).to.equal(2); // leap year
    expect(chinaMidnight('2025-02-29')).to.equal(null);
    expect(chinaMidnight('2025-13-01')).to.equal(null);
  });

  it('an empty or reversed period is a 400 naming the parameter', () => {
    for (const [from, to] of [
      ['2025-03-01', '2025-03-01'],
      ['2025-03-02', '2025-03-01'],
    ]) {
      try {
        parsePeriod(from, to);
        expect.fail('accepted');
      } catch (e) {
        const err = e as HttpError;
        expect(err.status).to.equal(400);
        expect(err.detail).to.equal(
          `'to' (${to}, exclusive) must be after 'from' (${from}): the period would hold no day`,
        );
        expect(err.extra.errors).to.deep.equal([{ location: 'query.to', message: err.detail }]);
      }
    }
  });
});
