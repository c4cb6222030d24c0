/**
 * The heat map never reveals a single report to those who may not see reporters: on a hand-made set of cases,
 * the public map (anonymous, viewer, a department handler) shows only cells of 0.002° holding at least 3 cases,
 * over whole China-time days and at least 30 days; dispatchers and admins keep the exact map.
 *
 *   cell (50000, 10000) lon 100.000–100.002, lat 20.000–20.002: 3 cases (01-05 c11, 01-10 c00, 01-20 c10)
 *   cell (50001, 10000) lon 100.002–100.004:                      2 cases (01-08 c21, 01-15 c21)
 *   cell (50002, 10000) lon 100.004–100.006:                      1 case  (01-12 10:00 c41)
 *   outside the city (101, 21):                                    1 case  (01-25)
 */
import { expect } from 'chai';
import { DRIVER } from '../helpers/db.js';
import { at, call, intake, P, setUpWorld, tearDownWorld, type World } from './fixture.js';

describe(`heat map privacy (${DRIVER})`, function () {
  this.timeout(600_000);
  let w: World;
  before(async () => {
    w = await setUpWorld();
    const cases: [keyof typeof P, string][] = [
      ['c11', '2026-01-05T09:00:00'],
      ['c00', '2026-01-10T09:00:00'],
      ['c10', '2026-01-20T09:00:00'],
      ['c21', '2026-01-08T09:00:00'],
      ['c21', '2026-01-15T09:00:00'],
      ['c41', '2026-01-12T10:00:00'],
      ['outside', '2026-01-25T09:00:00'],
    ];
    for (const [p, t] of cases) await intake(w, { location: P[p], channel: 'hotline_12345' }, at(t));
  });
  after(async () => {
    await tearDownWorld(w);
  });

  const heat = (query: string, token?: string) => call(w, 'GET', `/api/cases/heat${query}`, token);
  const JANUARY = `?from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-02-01T00:00:00+08:00')}`;
  const PUBLIC = { exact: false, cell_deg: 0.002, min_count: 3, min_days: 30 };

  it('the public sees only the cell with 3 cases: a single case and a pair never appear', async () => {
    for (const token of [undefined, w.u.viewer.token, w.u.hA.token, w.u.coll.token]) {
      const r = await heat(JANUARY, token);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({
        points: [[100.001, 20.001, 3]],
        total: 3,
        aggregation: { ...PUBLIC, from: '2025-12-31T16:00:00.000Z', to: '2026-01-31T16:00:00.000Z' },
      });
    }
  });

  it('without a period the public map covers everything up to the end of today, still only cells of 3 or more', async () => {
    const r = await heat('');
    expect(r.body.points).to.deep.equal([[100.001, 20.001, 3]]);
    expect(r.body.total).to.equal(3);
    expect(r.body.aggregation).not.to.have.property('from');
    expect(new Date(r.body.aggregation.to).getTime()).to.be.greaterThan(Date.now());
  });

  it('a period that leaves the busy cell with 2 cases shows nothing', async () => {
    const r = await heat(
      `?from=${encodeURIComponent('2026-01-06T00:00:00+08:00')}&to=${encodeURIComponent('2026-02-05T00:00:00+08:00')}`,
    );
    expect(r.status).to.equal(200);
    expect([r.body.points, r.body.total]).to.deep.equal([[], 0]);
  });

  it('from/to are widened to whole China-time days', async () => {
    const r = await heat(
      `?from=${encodeURIComponent('2026-01-01T12:34:56+08:00')}&to=${encodeURIComponent('2026-01-31T00:00:01+08:00')}`,
    );
    expect(r.status).to.equal(200);
    expect(r.body.aggregation).to.deep.include({ from: '2025-12-31T16:00:00.000Z', to: '2026-01-31T16:00:00.000Z' });
    expect(r.body.points).to.deep.equal([[100.001, 20.001, 3]]);
  });

  it('a one-second window (and anything under 30 days) is a 400 saying the minimum', async () => {
    const r = await heat(
      `?from=${encodeURIComponent('2026-01-12T10:00:00+08:00')}&to=${encodeURIComponent('2026-01-12T10:00:01+08:00')}`,
      w.u.viewer.token,
    );
    expect(r.status).to.equal(400);
    expect(r.body.detail).to.equal(
      'the public heat map needs a period of at least 30 days; from 2026-01-11T16:00:00.000Z to ' +
        '2026-01-12T16:00:00.000Z (whole days in China time) is 1 day. Dispatchers and admins get the exact heat map for any period.',
    );
    const d29 = await heat(
      `?from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-01-30T00:00:00+08:00')}`,
    );
    expect([d29.status, d29.body.detail]).to.deep.equal([
      400,
      'the public heat map needs a period of at least 30 days; from ' +
        '2025-12-31T16:00:00.000Z to 2026-01-29T16:00:00.000Z (whole days in China time) is 29 days. Dispatchers and admins get the exact heat map for any period.',
    ]);
  });

  it("the web map's periods stay valid: from = now − 30/90/365 days, no to", async () => {
    for (const days of [30, 90, 365]) {
      const r = await heat(`?from=${new Date(Date.now() - days * 86_400_000).toISOString()}&category=matter:06`);
      expect(r.status, `${days} days`).to.equal(200);
    }
  });

  it('dispatchers and admins see every case, exactly, for any period', async () => {
    for (const token of [w.u.disp.token, w.u.admin.token]) {
      const r = await heat(JANUARY, token);
      expect([...r.body.points].sort((a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1])).to.deep.equal([
        [100.0005, 20.0005, 1],
        [100.0015, 20.0005, 1],
        [100.0015, 20.0015, 1],
        [100.0025, 20.0015, 2],
        [100.0045, 20.0015, 1],
        [101, 21, 1],
      ]);
      expect(r.body.total).to.equal(7);
      expect(r.body.aggregation).to.deep.equal({ exact: true, cell_deg: 0.0001, min_count: 1 });
      const second = await heat(
        `?from=${encodeURIComponent('2026-01-12T10:00:00+08:00')}&to=${encodeURIComponent('2026-01-12T10:00:01+08:00')}`,
        token,
      );
      expect([second.status, second.body.points, second.body.total]).to.deep.equal([200, [[100.0045, 20.0015, 1]], 1]);
    }
  });
});
