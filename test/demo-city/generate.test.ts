/**
 * The seeded demo-city generator, without a database: determinism, counts, codes, serials, exact tiling (areas),
 * special grids (MultiPolygon, holed), ring hygiene, and a larger run.
 */
import { createHash } from 'node:crypto';
import { area } from '@turf/turf';
import { expect } from 'chai';
import type { Position } from 'geojson';
import {
  generateCity,
  type City,
  type CityFeature,
  DEMO_DISTRICT_CODE,
  DEMO_DISTRICT_NAME,
} from '../../server/demo/city/generate.js';
import { parseArgs } from '../../scripts/demo-city/cli.js';

const hash = (c: City) => createHash('sha256').update(JSON.stringify(c)).digest('hex');
const polygonsOf = (f: CityFeature): Position[][][] =>
  f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
const ringArea2 = (ring: Position[]) => {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s;
};

describe('demo-city generator', function () {
  this.timeout(60_000);
  let city: City;
  let byLevel: Record<string, CityFeature[]>;

  before(() => {
    city = generateCity();
    byLevel = { district: [], street: [], community: [], grid: [] };
    for (const f of city.features) byLevel[f.properties.level].push(f);
  });

  it('is deterministic: same seed → same output, another seed → another city', () => {
    expect(hash(generateCity())).to.equal(hash(city));
    expect(hash(generateCity({ seed: 20261124, targetGrids: 2500 }))).to.equal(hash(city));
    expect(hash(generateCity({ seed: 7 }))).to.not.equal(hash(city));
  });

  it('has one district, 4 streets, 20–40 communities and 2,000–3,000 grids, about 25 km²', () => {
    const s = city.stats;
    expect(byLevel.district).to.have.length(1);
    expect(byLevel.street).to.have.length(4);
    expect(byLevel.community.length).to.be.within(20, 40);
    expect(byLevel.grid.length).to.be.within(2000, 3000);
    expect([s.streets, s.communities, s.grids]).to.deep.equal([4, byLevel.community.length, byLevel.grid.length]);
    const km2 = area(byLevel.district[0]) / 1e6;
    expect(km2).to.be.within(20, 30);
    expect(s.totalAreaM2 / 1e6).to.be.closeTo(km2, km2 * 0.01);
    expect(s.gridAreaM2.median).to.be.within(7000, 13000);
    expect(s.gridAreaM2.min).to.be.above(2500);
    expect(s.gridAreaM2.max).to.be.below(40000);
    expect(city.roads.some((r) => r.properties.kind === 'arterial')).to.equal(true);
    expect(city.roads.some((r) => r.properties.kind === 'local')).to.equal(true);
  });

  it('lists parents before children, each level by code', () => {
    const levels = city.features.map((f) => f.properties.level);
    const rank = { district: 0, street: 1, community: 2, grid: 3 };
    expect(levels.every((l, i) => i === 0 || rank[l] >= rank[levels[i - 1]])).to.equal(true);
    for (const fs of Object.values(byLevel)) {
      const codes = fs.map((f) => f.properties.code);
      expect(codes).to.deep.equal([...codes].sort());
    }
  });

  it('gives every feature a code of the right length that extends its parent’s code, and a Chinese name', () => {
    const d = byLevel.district[0].properties;
    expect(d).to.deep.equal({ code: DEMO_DISTRICT_CODE, name: DEMO_DISTRICT_NAME, level: 'district' });
    const len = { district: 6, street: 9, community: 12, grid: 15 };
    const codes = new Set(city.features.map((f) => f.properties.code));
    expect(codes.size).to.equal(city.features.length);
    const problems: string[] = [];
    for (const f of city.features) {
      const { code, name, level } = f.properties;
      if (!/^\d+$/.test(code) || code.length !== len[level]) problems.push(`${level} ${code}: bad code`);
      if (level !== 'district' && !codes.has(code.slice(0, -3))) problems.push(`${code}: no parent`);
      if (!/[\u4e00-\u9fff]/.test(name)) problems.push(`${code}: name ${name}`);
    }
    expect(problems.slice(0, 10)).to.deep.equal([]);
    expect(byLevel.street.map((f) => f.properties.code)).to.deep.equal([
      '990101001',
      '990101002',
      '990101003',
      '990101004',
    ]);
    for (const f of byLevel.street) expect(f.properties.name).to.match(/街道$/);
    for (const f of byLevel.community) expect(f.properties.name).to.match(/社区$/);
    expect(byLevel.grid.filter((f) => !/社区第\d{3}网格/.test(f.properties.name))).to.deep.equal([]);
  });

  it('numbers grids 001… per community, without gaps, north→south then west→east', () => {
    const serials = new Map<string, number[]>();
    for (const g of byLevel.grid) {
      const c = g.properties.code.slice(0, 12);
      if (!serials.has(c)) serials.set(c, []);
      serials.get(c)!.push(Number(g.properties.code.slice(12)));
    }
    expect([...serials.keys()].sort()).to.deep.equal(byLevel.community.map((f) => f.properties.code));
    for (const [c, list] of serials) {
      expect(list, c).to.deep.equal(list.map((_, k) => k + 1));
      expect(list.length).to.be.at.most(999);
    }
    // First grids lie north of the community's last grids (mean latitude of each half).
    const first = byLevel.grid.filter((g) => g.properties.code.startsWith(byLevel.community[0].properties.code));
    const meanLat = (gs: CityFeature[]) => gs.reduce((s, g) => s + polygonsOf(g)[0][0][0][1], 0) / gs.length;
    const h = first.length >> 1;
    expect(meanLat(first.slice(0, h))).to.be.above(meanLat(first.slice(h)));
  });

  it('tiles exactly: grids sum to their community, communities to their street, streets to the district (0.01 %)', () => {
    const sums = new Map<string, number>();
    for (const f of city.features) {
      if (f.properties.level === 'district') continue;
      const parent = f.properties.code.slice(0, -3);
      sums.set(parent, (sums.get(parent) ?? 0) + area(f));
    }
    let worst = 0;
    for (const f of city.features) {
      if (f.properties.level === 'grid') continue;
      const a = area(f);
      worst = Math.max(worst, Math.abs(sums.get(f.properties.code)! - a) / a);
    }
    expect(worst).to.be.below(1e-4);
  });

  it('has MultiPolygon grids and grids with a hole filled by another grid', () => {
    const multi = byLevel.grid.filter((g) => g.geometry.type === 'MultiPolygon');
    const holed = byLevel.grid.filter((g) => polygonsOf(g).some((p) => p.length > 1));
    expect(multi.length).to.be.at.least(1);
    expect(holed.length).to.be.at.least(1);
    expect(city.stats.multiPolygonGrids).to.equal(multi.length);
    expect(city.stats.holedGrids).to.equal(holed.length);
    // Every hole is exactly the outline of another grid of the same community (same positions, reversed).
    const key = (ring: Position[]) =>
      ring
        .slice(0, -1)
        .map((p) => p.join(','))
        .sort()
        .join(';');
    const outlines = new Map(byLevel.grid.map((g) => [key(polygonsOf(g)[0][0]), g.properties.code]));
    for (const g of holed) {
      for (const hole of polygonsOf(g)[0].slice(1)) {
        const other = outlines.get(key(hole));
        expect(other, `grid filling the hole of ${g.properties.code}`).to.be.a('string');
        expect(other!.slice(0, 12)).to.equal(g.properties.code.slice(0, 12));
      }
    }
  });

  it('writes closed rings of ≥ 4 positions, no consecutive duplicates, 7 decimals, shells CCW and holes CW', () => {
    const problems: string[] = [];
    const r7 = (x: number) => Math.round(x * 1e7) / 1e7 === x;
    for (const f of city.features) {
      for (const poly of polygonsOf(f)) {
        poly.forEach((ring, r) => {
          const where = `ring ${r} of ${f.properties.code}`;
          if (ring.length < 4) problems.push(`${where}: ${ring.length} positions`);
          const a = ring[0],
            z = ring[ring.length - 1];
          if (a[0] !== z[0] || a[1] !== z[1]) problems.push(`${where}: not closed`);
          for (let i = 1; i < ring.length; i++) {
            if (ring[i][0] === ring[i - 1][0] && ring[i][1] === ring[i - 1][1])
              problems.push(`${where}: duplicate at ${i}`);
          }
          for (const p of ring) if (p.length !== 2 || !r7(p[0]) || !r7(p[1])) problems.push(`${where}: position ${p}`);
          if (Math.sign(ringArea2(ring)) !== (r === 0 ? 1 : -1)) problems.push(`${where}: wrong orientation`);
        });
      }
    }
    expect(problems.slice(0, 10)).to.deep.equal([]);
    const [w, s, e, n] = city.stats.bbox;
    expect((w + e) / 2).to.be.closeTo(116.9, 0.05);
    expect((s + n) / 2).to.be.closeTo(31.0, 0.05);
  });

  it('shares edges bit-identically: every grid edge inside the district is used by exactly two grids', () => {
    const count = new Map<string, number>();
    for (const g of byLevel.grid) {
      for (const poly of polygonsOf(g))
        for (const ring of poly) {
          for (let i = 0; i + 1 < ring.length; i++) {
            const a = ring[i].join(','),
              b = ring[i + 1].join(',');
            const k = a < b ? `${a}|${b}` : `${b}|${a}`;
            count.set(k, (count.get(k) ?? 0) + 1);
          }
        }
    }
    let outer = 0;
    for (const poly of polygonsOf(byLevel.district[0])) for (const ring of poly) outer += ring.length - 1;
    const once = [...count.values()].filter((n) => n === 1).length;
    expect([...count.values()].every((n) => n <= 2)).to.equal(true);
    expect(once).to.equal(outer);
  });

  it('puts roads on grid edges only (a road edge is a grid edge)', () => {
    const edges = new Set<string>();
    for (const g of byLevel.grid)
      for (const poly of polygonsOf(g))
        for (const ring of poly) {
          for (let i = 0; i + 1 < ring.length; i++) edges.add(`${ring[i].join(',')}|${ring[i + 1].join(',')}`);
        }
    for (const r of city.roads) {
      const c = r.geometry.coordinates;
      expect(c.length).to.be.at.least(2);
      for (let i = 0; i + 1 < c.length; i++) {
        const a = c[i].join(','),
          b = c[i + 1].join(',');
        if (!edges.has(`${a}|${b}`) && !edges.has(`${b}|${a}`))
          throw new Error(`road ${r.properties.name}: edge ${a}→${b} is not a grid edge`);
      }
    }
  });

  it('scales: targetGrids = 20,000 in a few seconds with sensible counts', () => {
    const t0 = performance.now();
    const big = generateCity({ targetGrids: 20_000, seed: 99 });
    const ms = performance.now() - t0;
    console.log(
      `      targetGrids 20000: ${big.stats.grids} grids, ${big.stats.communities} communities, ` +
        `${big.stats.streets} streets, ${(big.stats.totalAreaM2 / 1e6).toFixed(1)} km² in ${(ms / 1000).toFixed(2)} s`,
    );
    expect(big.stats.grids).to.be.within(17_000, 23_000);
    expect(big.stats.gridsPerCommunity.max).to.be.at.most(999);
    expect(big.stats.communitiesPerStreet.max).to.be.at.most(999);
    expect(big.stats.streets).to.be.within(20, 50);
    expect(big.stats.multiPolygonGrids).to.be.above(0);
    expect(big.stats.holedGrids).to.be.above(0);
    expect(ms).to.be.below(15_000);
    const codes = new Set(big.features.map((f) => f.properties.code));
    expect(codes.size).to.equal(big.features.length);
  });

  it('works for a tiny city and rejects bad options', () => {
    const tiny = generateCity({ targetGrids: 5 });
    expect(tiny.stats.grids).to.be.at.least(1);
    expect(tiny.features[0].properties.level).to.equal('district');
    expect(() => generateCity({ targetGrids: 0 })).to.throw(/targetGrids/);
    expect(() => generateCity({ seed: 1.5 })).to.throw(/seed/);
  });

  it('CLI parses --seed, --scale, --out and --roads', () => {
    expect(parseArgs([])).to.deep.include({ seed: 20261124, scale: 2500, roads: false });
    expect(parseArgs(['--seed', '3', '--scale=100000', '--out', 'x.geojson', '--roads'])).to.deep.equal({
      seed: 3,
      scale: 100000,
      out: 'x.geojson',
      roads: true,
    });
    expect(() => parseArgs(['--scale', 'many'])).to.throw(/integer/);
    expect(() => parseArgs(['--nope'])).to.throw(/unknown/);
  });
});
