/** Coordinate conversion of report locations: WGS84 / CGCS2000 / GCJ-02 / BD-09. Pure functions, no database. */
import { expect } from 'chai';
import {
  CRS_NAMES,
  GCJ_BOX,
  bd09ToGcj02,
  bd09ToWgs84,
  distanceMetres,
  fromWgs84,
  gcj02ToBd09,
  gcj02ToWgs84,
  gcjOffsetMetres,
  inGcjBox,
  isCrsName,
  toWgs84,
  wgs84ToBd09,
  wgs84ToGcj02,
  type CrsName,
} from '../../server/geo/crs.js';

/** 1e-12° ≈ 0.1 µm: room for a last-bit difference of Math.sin between platforms, nothing more. */
const EPS = 1e-12;

/** Every 2° from 75–134°E, 18–53°N (with the 134°E and 53°N edges), the demo city and the micro-city. */
function chinaPoints(): Array<[number, number]> {
  const lons: number[] = [];
  for (let lon = 75; lon <= 134; lon += 2) lons.push(lon);
  lons.push(134);
  const lats: number[] = [];
  for (let lat = 18; lat <= 53; lat += 2) lats.push(lat);
  lats.push(53);
  const points: Array<[number, number]> = [];
  for (const lon of lons) for (const lat of lats) points.push([lon, lat]);
  points.push([116.9, 31.0], [116.93, 31.02], [100.0035, 20.0015], [100.0, 20.0], [100.007, 20.003]);
  return points;
}

function maxError(points: Array<[number, number]>, roundTrip: (lon: number, lat: number) => [number, number]) {
  let max = 0;
  let at: [number, number] = [NaN, NaN];
  for (const [lon, lat] of points) {
    const [x, y] = roundTrip(lon, lat);
    const d = distanceMetres(lon, lat, x, y);
    if (d > max) {
      max = d;
      at = [lon, lat];
    }
  }
  return { max, at };
}

describe('coordinate reference systems (server/geo/crs.ts)', () => {
  it('lists the accepted CRS names', () => {
    expect(CRS_NAMES).to.deep.equal(['wgs84', 'cgcs2000', 'gcj02', 'bd09']);
    expect(isCrsName('gcj02')).to.equal(true);
    expect(isCrsName('GCJ02')).to.equal(false);
    expect(isCrsName('epsg:4326')).to.equal(false);
    expect(isCrsName(undefined)).to.equal(false);
  });

  it('matches the published WGS84 → GCJ-02 → BD-09 reference values (Beijing, coordtransform)', () => {
    const [gLon, gLat] = wgs84ToGcj02(116.404, 39.915);
    expect(gLon).to.be.closeTo(116.41024449916938, EPS);
    expect(gLat).to.be.closeTo(39.91640428150164, EPS);
    const [bLon, bLat] = gcj02ToBd09(gLon, gLat);
    expect(bLon).to.be.closeTo(116.41662724378733, EPS);
    expect(bLat).to.be.closeTo(39.922699552216216, EPS);
    expect(wgs84ToBd09(116.404, 39.915)).to.deep.equal([bLon, bLat]);
  });

  it('matches reference values at the demo city and the micro-city', () => {
    // Computed independently (Python float64) from the same published formulas.
    const cases: Array<[[number, number], [number, number], [number, number]]> = [
      [
        [116.9, 31.0],
        [116.90500903045277, 30.997604066837816],
        [116.91150282441211, 31.00369940334714],
      ],
      [
        [100.0035, 20.0015],
        [100.00448314014295, 19.999341791659827],
        [100.01100776516074, 20.005132141223978],
      ],
    ];
    for (const [[lon, lat], gcj, bd] of cases) {
      const g = wgs84ToGcj02(lon, lat);
      const b = wgs84ToBd09(lon, lat);
      expect(g[0]).to.be.closeTo(gcj[0], EPS);
      expect(g[1]).to.be.closeTo(gcj[1], EPS);
      expect(b[0]).to.be.closeTo(bd[0], EPS);
      expect(b[1]).to.be.closeTo(bd[1], EPS);
    }
  });

  it('measures the GCJ-02 offset in metres', () => {
    expect(gcjOffsetMetres(116.404, 39.915)).to.be.closeTo(554.985, 0.001);
    expect(gcjOffsetMetres(116.9, 31.0)).to.be.closeTo(546.733, 0.001);
    expect(gcjOffsetMetres(100.0035, 20.0015)).to.be.closeTo(261.045, 0.001);
    expect(gcjOffsetMetres(2.35, 48.85)).to.equal(0);
  });

  it('round-trips WGS84 → GCJ-02 → WGS84 to well under a centimetre across China', () => {
    const points = chinaPoints();
    expect(points).to.have.length(31 * 19 + 5);
    const { max } = maxError(points, (lon, lat) => gcj02ToWgs84(...wgs84ToGcj02(lon, lat)));
    expect(max).to.be.below(0.01);
    expect(max).to.be.below(1e-4); // measured ≈ 2 µm
  });

  it('round-trips WGS84 → BD-09 → WGS84 to well under a centimetre across China', () => {
    const { max } = maxError(chinaPoints(), (lon, lat) => bd09ToWgs84(...wgs84ToBd09(lon, lat)));
    expect(max).to.be.below(0.01);
    expect(max).to.be.below(1e-4);
  });

  it('round-trips through toWgs84/fromWgs84 for every CRS', () => {
    for (const crs of CRS_NAMES) {
      const { max } = maxError(chinaPoints(), (lon, lat) => {
        const shown = fromWgs84(lon, lat, crs);
        const back = toWgs84(shown.lon, shown.lat, crs);
        return [back.lon, back.lat];
      });
      expect(max, crs).to.be.below(0.01);
    }
  });

  it('needs the iteration: the one-step inverse 2p − f(p) is off by metres somewhere', () => {
    const points = chinaPoints();
    const oneStepGcj = maxError(points, (lon, lat) => {
      const [gLon, gLat] = wgs84ToGcj02(lon, lat);
      const [fLon, fLat] = wgs84ToGcj02(gLon, gLat);
      return [2 * gLon - fLon, 2 * gLat - fLat];
    });
    expect(oneStepGcj.max).to.be.above(0.5);
    expect(oneStepGcj.max).to.be.closeTo(4.847, 0.001);
    expect(oneStepGcj.at).to.deep.equal([131, 53]);
    // The customary BD-09 → GCJ-02 closed form followed by the one-step GCJ-02 inverse.
    const oneStepBd = maxError(points, (lon, lat) => {
      const [gLon, gLat] = bd09ToGcj02(...wgs84ToBd09(lon, lat));
      const [fLon, fLat] = wgs84ToGcj02(gLon, gLat);
      return [2 * gLon - fLon, 2 * gLat - fLat];
    });
    expect(oneStepBd.max).to.be.above(0.5);
    // The closed-form BD-09 → GCJ-02 alone is decimetres off; the iterated bd09ToWgs84 removes that too.
    const closedFormBd = maxError(points, (lon, lat) => {
      const [gLon, gLat] = wgs84ToGcj02(lon, lat);
      const back = bd09ToGcj02(...gcj02ToBd09(gLon, gLat));
      return [back[0] - gLon + lon, back[1] - gLat + lat];
    });
    expect(closedFormBd.max).to.be.above(0.1).and.below(0.5);
  });

  it('treats GCJ-02 as WGS84 outside China (Paris)', () => {
    expect(inGcjBox(2.35, 48.85)).to.equal(false);
    expect(wgs84ToGcj02(2.35, 48.85)).to.deep.equal([2.35, 48.85]);
    expect(gcj02ToWgs84(2.35, 48.85)).to.deep.equal([2.35, 48.85]);
    expect(toWgs84(2.35, 48.85, 'gcj02')).to.deep.equal({ lon: 2.35, lat: 48.85 });
    expect(fromWgs84(2.35, 48.85, 'gcj02')).to.deep.equal({ lon: 2.35, lat: 48.85 });
    // BD-09 still applies its own offset there; the inverse undoes it.
    const bd = fromWgs84(2.35, 48.85, 'bd09');
    expect(distanceMetres(2.35, 48.85, bd.lon, bd.lat)).to.be.above(500);
    const back = toWgs84(bd.lon, bd.lat, 'bd09');
    expect(distanceMetres(2.35, 48.85, back.lon, back.lat)).to.be.below(0.001);
  });

  it('prefers the preimage inside the China box along its edges', () => {
    expect(GCJ_BOX).to.deep.equal({ west: 73.66, south: 3.86, east: 135.05, north: 53.55 });
    // These points are inside the box but GCJ-02 moves them just outside it.
    for (const [lon, lat] of [
      [120, 53.549],
      [135.049, 48],
    ] as Array<[number, number]>) {
      const g = wgs84ToGcj02(lon, lat);
      expect(inGcjBox(g[0], g[1])).to.equal(false);
      const w = gcj02ToWgs84(g[0], g[1]);
      expect(distanceMetres(lon, lat, w[0], w[1])).to.be.below(0.001);
      const b = bd09ToWgs84(...wgs84ToBd09(lon, lat));
      expect(distanceMetres(lon, lat, b[0], b[1])).to.be.below(0.001);
    }
    // Far from the box the inverse is the identity.
    expect(gcj02ToWgs84(140, 53.56)).to.deep.equal([140, 53.56]);
  });

  it('treats CGCS2000 as identical to WGS84', () => {
    for (const [lon, lat] of [
      [116.9, 31.0],
      [100.0035, 20.0015],
      [2.35, 48.85],
    ]) {
      expect(toWgs84(lon, lat, 'cgcs2000')).to.deep.equal({ lon, lat });
      expect(fromWgs84(lon, lat, 'cgcs2000')).to.deep.equal({ lon, lat });
      expect(toWgs84(lon, lat, 'wgs84')).to.deep.equal({ lon, lat });
    }
  });

  it('converts reports given in GCJ-02 and BD-09 back to the surveyed WGS84 point', () => {
    // A report at the micro-city's cell centre (100.0035, 20.0015) as an Amap and a Baidu client would send it.
    const fromAmap = toWgs84(100.00448314014295, 19.999341791659827, 'gcj02');
    expect(fromAmap.lon).to.be.closeTo(100.0035, 1e-9);
    expect(fromAmap.lat).to.be.closeTo(20.0015, 1e-9);
    const fromBaidu = toWgs84(100.01100776516074, 20.005132141223978, 'bd09');
    expect(fromBaidu.lon).to.be.closeTo(100.0035, 1e-9);
    expect(fromBaidu.lat).to.be.closeTo(20.0015, 1e-9);
  });

  it('rejects an unknown CRS name (type level; RangeError for untyped callers)', () => {
    // @ts-expect-error 'epsg:4326' is not a CrsName
    const call = () => toWgs84(116.9, 31.0, 'epsg:4326');
    expect(call).to.throw(RangeError, /unknown coordinate reference system: epsg:4326/);
    const name: CrsName = 'bd09';
    expect(name).to.equal('bd09');
  });

  it('computes haversine distances on the 6371008.8 m sphere', () => {
    expect(distanceMetres(116.9, 31, 116.9, 31)).to.equal(0);
    expect(distanceMetres(100, 20, 100, 21)).to.be.closeTo((6371008.8 * Math.PI) / 180, 1e-6); // 111195.0802 m
    expect(distanceMetres(0, 0, 1, 0)).to.be.closeTo(111195.0802, 1e-4);
    // One micro-city cell wide: 0.001° of longitude at 20°N ≈ 111.195 m · cos 20° = 104.4892 m.
    expect(distanceMetres(100, 20, 100.001, 20)).to.be.closeTo(104.4892, 1e-4);
    expect(distanceMetres(0, 0, 180, 0)).to.be.closeTo(6371008.8 * Math.PI, 1e-6);
  });
});
