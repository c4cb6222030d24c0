/**
 * GET /api/analysis/hotspots on the micro-city (test/fixtures/micro-city.ts), every figure computed by hand.
 *
 * Grids in code order (index: code suffix, cell): 0 …001001 (0,2)  1 …001002 (1,2)  2 …001003 (0,1)  3 …001004 (1,1)
 * 4 …001005 (0,0)  5 …001006 (1,0)  6 …002001 (2,2)  7 …002002 (2,1)  8 …002003 (2,0)  9 …2001001 the ring (cols 3–5
 * around the hole)  10 …2001002 the hole (4,1)  11 …2002001 the MultiPolygon (6,2)+(6,0)  12 …2002002 (6,1).
 * Queen neighbours by hand: 0 {1,2,3}  1 {0,2,3,6,7}  2 {0,1,3,4,5}  3 {0,1,2,4,5,6,7,8}  4 {2,3,5}  5 {2,3,4,7,8}
 * 6 {1,3,7,9}  7 {1,3,5,6,8,9}  8 {3,5,7,9}  9 {6,7,8,10,11,12}  10 {9}  11 {9,12}  12 {9,11} — W = 1 + these.
 *
 * Cases of matter:06 counted in January 2026: x = 3 2 2 4 1 1 0 0 0 0 0 0 0 (n = 13, Σx = 13, x̄ = 1,
 * Σ(x − x̄)² = 4+1+1+9+0+0+1·7 = 22, S = √(22/13)). Gi*ᵢ = (Σwx − W)/(S √((13W − W²)/12)):
 *   0: W 4, Σwx 11 → 7/√(22/13 · 3) = 7√(13/66)     1: W 6, Σwx 11 → 5/√(22/13 · 3.5) = 5√(13/77)
 *   2: W 6, Σwx 13 → 7√(13/77)                      3: W 9, Σwx 13 → 4√(13/66)      4: W 4, Σwx 8 → 4√(13/66)
 *   5: W 6, Σwx 8 → 2√(13/77)                       6: W 5, Σwx 6 → 1/√(22/13 · 10/3) = √(39/220)
 *   7: W 7, Σwx 7 → 0                               8: W 5, Σwx 5 → 0
 *   9: W 7, Σwx 0 → −7/√(22/13 · 3.5) = −7√(13/77)  10: W 2 → −2/√(22/13 · 11/6) = −2√39/11
 *   11, 12: W 3 → −3/√(22/13 · 2.5) = −3√(13/55)
 * Not counted: a voided case, a case outside every grid, a case at 2026-02-01 00:00 (China time), and (with the
 * category filter) a matter:01001 case in grid 0. The case of grid 5 is reported at 2026-01-01 00:00 exactly and the
 * one of grid 4 at 2026-01-31 23:59:59: both inside January.
 */
import { expect } from 'chai';
import { sql, type Kysely } from 'kysely';
import { hotspots } from '../../server/analysis/analyse.js';
import type { DB } from '../../server/db/schema.js';
import { importRegions } from '../../server/importexport/import.js';
import { createUser } from '../../server/auth/tokens.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { latticeCity } from './lattice.js';
import { request } from '../helpers/http.js';
import { applyAction } from '../../server/cases/actions.js';
import { at, call, intake, setUpWorld, steps, tearDownWorld, type World } from '../cases/fixture.js';
import { cell, CODES } from './fixture.js';
import { twoSidedP } from '../../server/analysis/normal.js';

const r13 = (a: number, b: number) => Math.sqrt(13 / a) * b;
const Z = [
  r13(66, 7),
  r13(77, 5),
  r13(77, 7),
  r13(66, 4),
  r13(66, 4),
  r13(77, 2),
  Math.sqrt(39 / 220),
  0,
  0,
  r13(77, -7),
  (-2 * Math.sqrt(39)) / 11,
  r13(55, -3),
  r13(55, -3),
];
const X = [3, 2, 2, 4, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const W = [4, 6, 6, 9, 4, 6, 5, 7, 5, 7, 2, 3, 3];
const JAN = 'from=2026-01-01&to=2026-02-01';

describe(`hot spots over HTTP (${DRIVER})`, function () {
  this.timeout(600_000);
  let w: World;
  let planner: string;
  let streetViewer: string;
  let closedId = 0;
  const get = (query: string, token?: string) => call(w, 'GET', `/api/analysis/hotspots?${query}`, token ?? planner);

  before(async () => {
    w = await setUpWorld();
    planner = (await createUser(w.database.db, '规划员', 'gis_editor')).token;
    streetViewer = (await createUser(w.database.db, '湖滨街道领导', 'viewer', '990001001')).token;
    const jan = at('2026-01-10T09:00:00');
    const cells: [number, number, number][] = [
      [0, 2, 3],
      [1, 2, 2],
      [0, 1, 2],
      [1, 1, 4],
    ];
    for (const [c, r, n] of cells) for (let k = 0; k < n; k++) await intake(w, { location: cell(c, r) }, jan);
    await intake(w, { location: cell(0, 0) }, at('2026-01-31T23:59:59'));
    closedId = await intake(w, { location: cell(1, 0) }, at('2026-01-01T00:00:00'));
    // not counted
    const voided = await intake(w, { location: cell(0, 2) }, jan);
    await applyAction(w.database.db, voided, { action: 'void', note: '重复上报' }, w.u.admin.user, { now: jan });
    await intake(w, { location: { lon: 101, lat: 21 } }, jan);
    await intake(w, { location: cell(0, 2) }, at('2026-02-01T00:00:00'));
    // counted only without the category filter
    await intake(w, { location: cell(0, 2), category: 'matter:01001' }, jan);
  });
  after(() => tearDownWorld(w));

  it('one feature per live grid in code order: counts, neighbours and z as computed by hand', async () => {
    const r = await get(`${JAN}&category=matter:06`);
    expect(r.status, r.text).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^application\/geo\+json/);
    expect(r.body.type).to.equal('FeatureCollection');
    expect(r.body.analysis).to.deep.equal({
      from: '2026-01-01',
      to: '2026-02-01',
      category: 'matter:06',
      level: 'grid',
      weights: 'contiguity',
      distance_m: null,
      fdr: false,
      units: 13,
      cases: 13,
      critical_p: null,
    });
    const f = r.body.features;
    expect(f.map((x: any) => x.id)).to.deep.equal(CODES);
    expect(f.map((x: any) => x.properties.count)).to.deep.equal(X);
    expect(f.map((x: any) => x.properties.neighbours)).to.deep.equal(W);
    f.forEach((x: any, i: number) => {
      expect(x.properties.z, x.id).to.be.closeTo(Z[i], 1e-12);
      expect(x.properties.p, x.id).to.equal(twoSidedP(x.properties.z));
    });
    // bins: 0 p .0019 → 3; 1 p .040 → 2; 2 p .0040 → 3; 3, 4 p .076 → 1; 9 → −3; the rest |z| < 1.5 → 0
    expect(f.map((x: any) => x.properties.bin)).to.deep.equal([3, 2, 3, 1, 1, 0, 0, 0, 0, -3, 0, 0, 0]);
    expect(f[0].properties.name).to.equal('东湖社区第1网格');
    expect(f[10].geometry.type).to.equal('MultiPolygon');
    expect(f[9].geometry.coordinates[0]).to.have.length(2); // the ring and its hole
  });

  it('category: matter:06010 is the same as matter:06 here; no filter counts the matter:01001 case too', async () => {
    const exact = await get(`${JAN}&category=matter:06010&geometry=false`);
    expect(exact.body.features.map((x: any) => x.properties.count)).to.deep.equal(X);
    const none = await get(`${JAN}&geometry=false`);
    expect(none.body.analysis.cases).to.equal(14);
    expect(none.body.features[0].properties.count).to.equal(4);
    const other = await get(`${JAN}&category=matter:01&geometry=false`);
    expect(other.body.features.map((x: any) => x.properties.count)).to.deep.equal([1, ...new Array(12).fill(0)]);
    const empty = await get(`${JAN}&category=component:01&geometry=false`);
    expect(empty.body.features.map((x: any) => [x.properties.z, x.properties.p, x.properties.bin])).to.deep.equal(
      new Array(13).fill([0, 1, 0]),
    );
  });

  it('days are China Standard Time: 00:00 of from is in, 00:00 of to is out', async () => {
    const from2 = await get('from=2026-01-02&to=2026-02-01&category=matter:06&geometry=false');
    expect(from2.body.features[5].properties.count).to.equal(0); // reported 2026-01-01 00:00
    expect(from2.body.features[4].properties.count).to.equal(1); // 2026-01-31 23:59:59
    const feb = await get('from=2026-02-01&to=2026-03-01&geometry=false');
    expect(feb.body.analysis.cases).to.equal(1);
    expect(feb.body.features[0].properties.count).to.equal(1);
  });

  it('fdr=true: the Benjamini–Hochberg critical p per level (by hand: the 3rd smallest p at 90 % and 95 %)', async () => {
    // p sorted: .0019 (0), .0040 (2), .0040 (9), .040 (1), .076 … ; α = .10: k·.1/13 = .0077 .0154 .0231 .0308 …
    // p(3) = .0040 ≤ .0231, p(4) = .040 > .0308 and no later p qualifies → .0040; α = .05: .0038 .0077 .0115 → .0040;
    // α = .01: .00077 < .0019 and onwards → none.
    const r = await get(`${JAN}&category=matter:06&fdr=true&geometry=false`);
    const p2 = r.body.features[2].properties.p;
    expect(r.body.analysis.critical_p).to.deep.equal({ '90': p2, '95': p2, '99': null });
    expect(r.body.features.map((x: any) => x.properties.bin)).to.deep.equal([2, 0, 2, 0, 0, 0, 0, 0, 0, -2, 0, 0, 0]);
  });

  it('distance weights: centroids within 150 m (rook cells; the ring with its hole, the MultiPolygon with (6,1))', async () => {
    // Cell centres are 104.6 m apart east–west and 110.7 m north–south at lat 20°, 152.3 m diagonally. The ring's
    // centroid is its hole's centre, the MultiPolygon's that of cell (6,1): 0 m.
    const r = await get(`${JAN}&category=matter:06&weights=distance&distance_m=150&geometry=false`);
    expect(r.status, r.text).to.equal(200);
    expect(r.body.features.map((x: any) => x.properties.neighbours)).to.deep.equal([
      3, 4, 4, 5, 3, 4, 3, 4, 3, 2, 2, 2, 2,
    ]);
    // unit 0: W 3 {0,1,2}: Σwx = 3+2+2 = 7; (7 − 3)/√(22/13 · (39 − 9)/12) = 4/√(55/13)
    expect(r.body.features[0].properties.z).to.be.closeTo(4 * Math.sqrt(13 / 55), 1e-12);
    expect(r.body.analysis).to.include({ weights: 'distance', distance_m: 150 });
  });

  it('distance weights at the threshold: exact to the millimetre (rows 0.6 mm apart; the spheroid decides in the band)', async () => {
    // East–west neighbours are a little farther apart in a row further south (cos φ grows): row 0 > row 1 > row 2.
    // A distance between rows 0 and 1 takes the east–west pairs of rows 1 and 2 only; the local flat distance cannot
    // tell them apart (±0.5 % band), ST_DWithin on the spheroid does.
    const ew = async (a: string, b: string) =>
      (
        await sql<{ d: number }>`
          select ST_Distance(ST_Centroid(a.geom)::geography, ST_Centroid(b.geom)::geography) as d
          from unit_grid a, unit_grid b where a.termination_date is null and b.termination_date is null
            and a.code = ${a} and b.code = ${b}`.execute(w.database.db)
      ).rows[0].d;
    const row0 = await ew(CODES[4], CODES[5]);
    const row1 = await ew(CODES[2], CODES[3]);
    const row2 = await ew(CODES[0], CODES[1]);
    expect(row0 - row1).to.be.within(0.0003, 0.001);
    expect(row1 - row2).to.be.within(0.0003, 0.001);
    const r = await get(`${JAN}&category=matter:06&weights=distance&distance_m=${(row0 + row1) / 2}&geometry=false`);
    expect(r.status, r.text).to.equal(200);
    expect(r.body.features.map((x: any) => x.properties.neighbours)).to.deep.equal([
      2, 3, 2, 3, 1, 1, 2, 2, 1, 2, 2, 2, 2,
    ]);
  });

  it('100 km: every unit neighbours every unit (W = n): z = 0, p = 1 everywhere, nothing to compare', async () => {
    const r = await get(`${JAN}&category=matter:06&weights=distance&distance_m=100000&geometry=false`);
    expect(r.body.features.map((x: any) => [x.properties.neighbours, x.properties.z, x.properties.p])).to.deep.equal(
      new Array(13).fill([13, 0, 1]),
    );
  });

  it('communities: four units in a chain (东湖 13 cases), z = 1, 1/√3, −√3, −1', async () => {
    // x = 13 0 0 0, x̄ = 3.25, Σ(x − x̄)² = 126.75, S² = 31.6875; 东湖 W 2: (13 − 6.5)/√(31.6875 · 4/3) = 6.5/6.5;
    // 西湖 W 3: (13 − 9.75)/√31.6875 = 1/√3; 公园 W 3: −9.75/√31.6875 = −√3; 河东 W 2: −6.5/6.5.
    const r = await get(`${JAN}&category=matter:06&level=community&geometry=false`);
    const f = r.body.features;
    expect(f.map((x: any) => [x.id, x.properties.name, x.properties.count, x.properties.neighbours])).to.deep.equal([
      ['990001001001', '东湖社区', 13, 2],
      ['990001001002', '西湖社区', 0, 3],
      ['990001002001', '公园社区', 0, 3],
      ['990001002002', '河东社区', 0, 2],
    ]);
    const z = f.map((x: any) => x.properties.z);
    [1, 1 / Math.sqrt(3), -Math.sqrt(3), -1].forEach((v, i) => expect(z[i]).to.be.closeTo(v, 1e-12));
  });

  it('a scoped reader: the units of the scope are the study area (9 grids of street 990001001)', async () => {
    // x = 3 2 2 4 1 1 0 0 0, n = 9, x̄ = 13/9, Σ(x − x̄)² = 35 − 169/9 = 146/9. Grid …002003 (2,0) keeps neighbours
    // {3, 5, 7} (the ring is outside): W 4, Σwx = 0+4+1+0 = 5; (5 − 52/9)/(√146/9 · √(20/8)) = −7/√365.
    const r = await get(`${JAN}&category=matter:06&geometry=false`, streetViewer);
    expect(r.status, r.text).to.equal(200);
    const f = r.body.features;
    expect(f.map((x: any) => x.id)).to.deep.equal(CODES.slice(0, 9));
    expect(f.map((x: any) => x.properties.neighbours)).to.deep.equal([4, 6, 6, 9, 4, 6, 4, 6, 4]);
    expect(f[8].properties.z).to.be.closeTo(-7 / Math.sqrt(365), 1e-12);
    expect(r.body.analysis.cases).to.equal(13);
    const other = await call(w, 'GET', `/api/analysis/hotspots?${JAN}&geometry=false`, w.u.disp2.token);
    expect(other.body.features).to.deep.equal([]); // district 990002: no grids
  });

  it('format=csv: a header and one row per unit, UTF-8 with a BOM, as an attachment', async () => {
    const r = await request(w.server, 'GET', `/api/analysis/hotspots?${JAN}&category=matter:06&format=csv`, {
      token: planner,
    });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).to.equal(
      'attachment; filename="wangge-hotspots-grid-2026-01-01-2026-02-01.csv"',
    );
    const lines = r.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).to.equal('code,name,count,z,p,bin,neighbours');
    expect(lines).to.have.length(14);
    const row = lines[1].split(',');
    expect(row.slice(0, 3)).to.deep.equal([CODES[0], '东湖社区第1网格', '3']);
    expect(Number(row[3])).to.be.closeTo(Z[0], 1e-12);
    expect(row.slice(5)).to.deep.equal(['3', '4']);
  });

  it('readers: planners, leaders, dispatchers and admins; not department handlers, collectors or the public', async () => {
    for (const token of [w.u.viewer.token, w.u.disp.token, w.u.admin.token]) {
      expect((await get(`${JAN}&geometry=false`, token)).status).to.equal(200);
    }
    for (const token of [w.u.hA.token, w.u.coll.token]) {
      const r = await get(`${JAN}&geometry=false`, token);
      expect([r.status, r.body.detail]).to.deep.equal([
        403,
        "role '" +
          (token === w.u.hA.token ? 'department_handler' : 'collector') +
          "' may not do this; allowed roles: " +
          'admin, viewer, gis_editor, dispatcher',
      ]);
    }
    const anonymous = await request(w.server, 'GET', `/api/analysis/hotspots?${JAN}`);
    expect(anonymous.status).to.equal(401);
  });

  it('bad input is a 400 problem naming the parameter', async () => {
    const bad: [string, string][] = [
      ['to=2026-02-01', "missing required query parameter 'from'"],
      [
        'from=2026-02-30&to=2026-03-01',
        'query parameter \'from\' must be an existing date YYYY-MM-DD from 1000-01-01 to 9999-12-31 (got "2026-02-30")',
      ],
      [
        'from=2026-02-01&to=2026-02-01',
        "query parameter 'from' (2026-02-01) must be before 'to' (2026-02-01): the period is [from, to), in days",
      ],
      [
        `${JAN}&weights=distance`,
        'weights=distance needs distance_m: the largest distance between centroids in metres, e.g. 500',
      ],
      [`${JAN}&distance_m=200`, 'distance_m applies only to weights=distance (contiguity weights take no distance)'],
      [`${JAN}&weights=distance&distance_m=0.5`, "query parameter 'distance_m' must be >= 1"],
      [`${JAN}&weights=distance&distance_m=100001`, "query parameter 'distance_m' must be <= 100000"],
      [`${JAN}&category=matter:6`, "query parameter 'category' must be kind:code (5 digits) or kind:major (2 digits)"],
      [`${JAN}&level=street`, `query parameter 'level' must be one of "grid", "community"`],
      [`${JAN}&fdr=maybe`, "query parameter 'fdr' must be boolean"],
      [`${JAN}&format=xlsx`, `query parameter 'format' must be one of "geojson", "csv"`],
      [`${JAN}&bbox=1,2,3,4`, "unknown query parameter 'bbox'"],
    ];
    for (const [query, detail] of bad) {
      const r = await get(query);
      expect(r.status, query).to.equal(400);
      expect(r.headers.get('content-type'), query).to.match(/^application\/problem\+json/);
      expect(JSON.stringify(r.body), query).to.include(JSON.stringify(detail).slice(1, -1));
    }
  });

  it('two databases in one process never share cached neighbour lists (their layer versions may be equal)', async () => {
    // Both start from the same migrated snapshot, so one import each leaves 'grids' at the same version.
    const other = await openTestDatabase();
    try {
      await importRegions(other, latticeCity(), { actor: { id: null, name: 'test' } });
      const version = (db: Kysely<DB>) =>
        sql<{ v: string }>`select version::text as v from tile_layer_version where layer = 'grids'`.execute(db);
      expect((await version(other.db)).rows[0].v).to.equal((await version(w.database.db)).rows[0].v);
      const params = {
        from: '2026-01-01',
        to: '2026-02-01',
        level: 'grid' as const,
        weights: { kind: 'contiguity' as const },
        fdr: false,
        geometry: false,
        scope: '',
      };
      expect((await hotspots(w.database.db, params)).units.codes).to.deep.equal(CODES);
      const h = await hotspots(other.db, params);
      expect(h.units.codes).to.have.length(25);
      expect(h.units.codes[0]).to.equal('990009001001001');
      expect([...h.gi.neighbours.slice(0, 5)]).to.deep.equal([4, 6, 6, 6, 4]);
    } finally {
      await other.close();
    }
  });

  it('after a merge: new neighbour lists at once, and a closed case of the retired grid counts where it lies now', async () => {
    const t = '2026-01-02T10:00:00';
    await steps(w, closedId, [
      ['accept', t],
      ['file', t],
      ['dispatch', t],
      ['dispose', t],
      ['check', t],
      ['close', t],
    ]);
    const before = await get(`${JAN}&category=matter:06&geometry=false`);
    expect(before.body.features[4].properties.neighbours).to.equal(4);
    const merged = await call(w, 'POST', `/api/grids/${CODES[4]}/merge`, w.u.admin.token, { with: [CODES[5]] });
    expect(merged.status, merged.text).to.equal(200);
    const kept = await sql<{ grid_code: string }>`select grid_code from case_record where id = ${closedId}`.execute(
      w.database.db,
    );
    expect(kept.rows[0].grid_code).to.equal(CODES[5]); // a closed case keeps the grid it was handled in
    const after = await get(`${JAN}&category=matter:06&geometry=false`);
    const f = after.body.features;
    expect(f.map((x: any) => x.id)).to.deep.equal(CODES.filter((c) => c !== CODES[5]));
    // …005 now covers (0,0)+(1,0): neighbours …003, …004, …002002, …002003; its cases: its own and the closed one
    expect([f[4].properties.count, f[4].properties.neighbours]).to.deep.equal([2, 5]);
    expect(after.body.analysis.cases).to.equal(13);
  });
});
