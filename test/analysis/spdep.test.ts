/**
 * Our Gi* against R spdep (scripts/spdep-check.R: poly2nb / dnearneigh, include.self, binary weights, localG), on
 * the same counts and the same polygons, z-scores to 1e-6 — spdep finds the neighbours itself, so the neighbour SQL
 * is checked too. Two fixtures in one database, each the study area of a reader scoped to it:
 *
 * - a 5 × 5 lattice of 0.001° grids at lon 101.000–101.005, lat 21.000–21.005 (district 990009, made up), counts
 *       9 7 4 1 0      (north row first; 53 cases)
 *       7 6 3 1 0
 *       4 3 2 0 0
 *       1 1 0 0 1
 *       0 0 0 1 2
 *   queen contiguity (spdep's poly2nb and sf's st_intersects agree on a lattice), and distance 215 m: cells are
 *   103.9 m apart east–west and 110.7 m north–south here (diagonally 151.8 m), so 215 m takes two cells east–west
 *   (207.8 m) but one north–south (two: 221.5 m), and no cell two across and one up (235 m) — an asymmetric
 *   neighbourhood that only a geodesic distance gets right;
 * - the micro-city (a ring around a hole, a MultiPolygon) with the counts of hotspots.test.ts (and 2 in cell (6,1)),
 *   queen and 150 m. Here queen contiguity is compared with sf::st_intersects (GEOS: polygons sharing at least one
 *   point, the API's definition), not with spdep::poly2nb: poly2nb matches vertices, and the ring's west and east
 *   edges touch cells (2,1) and (6,1) along edges where the ring has no vertex (T-junctions), which it misses.
 *
 * Needs `Rscript` with Debian's r-cran-spdep. Without it the test is skipped with a NOTICE — unless
 * WANGGE_SPDEP=require (CI sets it after installing R), when it fails.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER } from '../helpers/db.js';
import { D, LATTICE, latticeCity, X0, Y0 } from './lattice.js';
import { at, call, intake, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';

const SCRIPT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../scripts/spdep-check.R');
function rAvailable(): boolean {
  const r = spawnSync('Rscript', ['-e', 'suppressPackageStartupMessages(library(spdep))'], { encoding: 'utf8' });
  return r.status === 0;
}

/** spdep's z per code for the units (code, count, WKT). */
function spdep(units: { code: string; count: number; wkt: string }[], args: string[]): Map<string, number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-spdep-'));
  try {
    const file = path.join(dir, 'units.csv');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    fs.writeFileSync(
      file,
      ['code,count,wkt', ...units.map((u) => `${u.code},${u.count},${quote(u.wkt)}`)].join('\n') + '\n',
    );
    const r = spawnSync('Rscript', [SCRIPT, file, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`spdep-check.R failed: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').slice(1);
    return new Map(lines.map((l) => [l.split(',')[0], Number(l.split(',')[1].trim())]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe(`Gi* against R spdep (${DRIVER})`, function () {
  this.timeout(600_000);
  let w: World;
  const tokens: Record<string, string> = {};

  before(async function () {
    if (!rAvailable()) {
      if (process.env.WANGGE_SPDEP === 'require')
        throw new Error('WANGGE_SPDEP=require but Rscript with spdep is missing');
      console.log(
        '      NOTICE: Rscript with spdep (apt-get install r-cran-spdep) not found: the spdep comparison is skipped',
      );
      this.skip();
    }
    w = await setUpWorld();
    await importRegions(w.database, latticeCity(), { actor: { id: null, name: 'test' } });
    tokens.lattice = (await createUser(w.database.db, '格网领导', 'viewer', '990009')).token;
    tokens.micro = (await createUser(w.database.db, '微型区领导', 'viewer', '990001')).token;
    const jan = at('2026-01-10T09:00:00');
    for (let row = 0; row < 5; row++) {
      for (let c = 0; c < 5; c++) {
        const location = { lon: X0 + (c + 0.5) * D, lat: Y0 + (4 - row + 0.5) * D };
        for (let k = 0; k < LATTICE[row][c]; k++) await intake(w, { location }, jan);
      }
    }
    const micro: [number, number, number][] = [
      [0, 2, 3],
      [1, 2, 2],
      [0, 1, 2],
      [1, 1, 4],
      [0, 0, 1],
      [1, 0, 1],
      [6, 1, 2],
    ];
    for (const [c, r, n] of micro) {
      for (let k = 0; k < n; k++)
        await intake(w, { location: { lon: 100 + (c + 0.5) * D, lat: 20 + (r + 0.5) * D } }, jan);
    }
  });
  after(async () => {
    if (w) await tearDownWorld(w);
  });

  async function compare(scope: 'lattice' | 'micro', query: string, args: string[]) {
    const r = await call(
      w,
      'GET',
      `/api/analysis/hotspots?from=2026-01-01&to=2026-02-01&geometry=false${query}`,
      tokens[scope],
    );
    expect(r.status, r.text).to.equal(200);
    const prefix = scope === 'lattice' ? '990009' : '990001';
    const wkt = await sql<{ code: string; wkt: string }>`
      select code::text as code, ST_AsText(geom) as wkt from unit_grid
      where termination_date is null and starts_with(code::text, ${prefix}) order by code::text`.execute(w.database.db);
    const counts = new Map<string, number>(r.body.features.map((f: any) => [f.id, f.properties.count]));
    const expected = spdep(
      wkt.rows.map((u) => ({ code: u.code, count: counts.get(u.code)!, wkt: u.wkt })),
      args,
    );
    expect(r.body.features.map((f: any) => f.id)).to.deep.equal(wkt.rows.map((u) => u.code));
    for (const f of r.body.features) expect(f.properties.z, f.id).to.be.closeTo(expected.get(f.id)!, 1e-6);
    return r.body;
  }

  it('the 5 × 5 lattice, queen contiguity: every z as spdep (poly2nb and st_intersects)', async () => {
    await compare('lattice', '', ['poly2nb']);
    const body = await compare('lattice', '', ['contiguity']);
    expect(body.analysis.cases).to.equal(53);
    expect(body.features.map((f: any) => f.properties.neighbours)).to.deep.equal([
      4, 6, 6, 6, 4, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 4, 6, 6, 6, 4,
    ]);
  });

  it('the 5 × 5 lattice, 215 m: every z as spdep (two cells east–west, one north–south)', async () => {
    const body = await compare('lattice', '&weights=distance&distance_m=215', ['distance', '215']);
    // W = 1 + (cells up to 2 east–west) + (rows 1 up or down) × (cells up to 1 east–west in them)
    expect(body.features.map((f: any) => f.properties.neighbours)).to.deep.equal([
      5, 7, 8, 7, 5, 7, 10, 11, 10, 7, 7, 10, 11, 10, 7, 7, 10, 11, 10, 7, 5, 7, 8, 7, 5,
    ]);
  });

  it('the micro-city (ring, hole, MultiPolygon), queen and 150 m: every z as spdep', async () => {
    await compare('micro', '', ['contiguity']);
    await compare('micro', '&weights=distance&distance_m=150', ['distance', '150']);
  });
});
