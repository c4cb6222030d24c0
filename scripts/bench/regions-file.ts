/**
 * A large, valid regions import file: one district of square 100 m unit grids whose edges carry extra vertices (as
 * surveyed grids do), grouped 10 × 10 into communities and 60 × 60 into streets. Shared edges have the same vertices
 * on both sides, so nothing overlaps. About 1.6 kB of GeoJSON per grid: `side` 180 → 32,400 grids, ≈ 50 MB.
 */
export interface RegionsFileOptions {
  /** Grids along each side of the district (a multiple of 60). */
  side: number;
  /** Vertices along each grid edge, corners excluded. */
  perEdge: number;
  /** The district's 6-digit code. */
  district: string;
  /** South-west corner, degrees. */
  origin: [number, number];
}

const DEG_LAT = 100 / 111_320;

export function regionsFile(o: RegionsFileOptions): { type: 'FeatureCollection'; features: unknown[] } {
  const degLon = 100 / (111_320 * Math.cos((o.origin[1] * Math.PI) / 180));
  const x = (i: number) => Math.round((o.origin[0] + i * degLon) * 1e7) / 1e7;
  const y = (j: number) => Math.round((o.origin[1] + j * DEG_LAT) * 1e7) / 1e7;
  // A ring around the cell block [i0, i1) × [j0, j1), counter-clockwise, `per` extra vertices per 100 m.
  const ring = (i0: number, j0: number, i1: number, j1: number, per: number): number[][] => {
    const pts: number[][] = [];
    const edge = (a: [number, number], b: [number, number]) => {
      const cells = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
      const steps = cells * (per + 1);
      for (let k = 0; k < steps; k++) {
        const t = k / steps;
        pts.push([x(a[0] + (b[0] - a[0]) * t), y(a[1] + (b[1] - a[1]) * t)]);
      }
    };
    edge([i0, j0], [i1, j0]);
    edge([i1, j0], [i1, j1]);
    edge([i1, j1], [i0, j1]);
    edge([i0, j1], [i0, j0]);
    pts.push(pts[0]);
    return pts;
  };
  const poly = (i0: number, j0: number, i1: number, j1: number, per: number) => ({
    type: 'Polygon',
    coordinates: [ring(i0, j0, i1, j1, per)],
  });
  const feature = (code: string, name: string, geometry: unknown) => ({
    type: 'Feature',
    properties: { code, name },
    geometry,
  });
  const pad = (n: number, w: number) => String(n).padStart(w, '0');

  const features: unknown[] = [feature(o.district, '基准区', poly(0, 0, o.side, o.side, 0))];
  const streets = o.side / 60;
  for (let si = 0; si < streets; si++)
    for (let sj = 0; sj < streets; sj++) {
      const street = `${o.district}${pad(si * streets + sj + 1, 3)}`;
      features.push(
        feature(street, `基准街道${street.slice(-3)}`, poly(si * 60, sj * 60, si * 60 + 60, sj * 60 + 60, 0)),
      );
      for (let ci = 0; ci < 6; ci++)
        for (let cj = 0; cj < 6; cj++) {
          const community = `${street}${pad(ci * 6 + cj + 1, 3)}`;
          const i0 = si * 60 + ci * 10,
            j0 = sj * 60 + cj * 10;
          features.push(feature(community, `基准社区${community.slice(-6)}`, poly(i0, j0, i0 + 10, j0 + 10, 0)));
          for (let gi = 0; gi < 10; gi++)
            for (let gj = 0; gj < 10; gj++) {
              const grid = `${community}${pad(gi * 10 + gj + 1, 3)}`;
              features.push(
                feature(grid, `网格${grid.slice(-3)}`, poly(i0 + gi, j0 + gj, i0 + gi + 1, j0 + gj + 1, o.perEdge)),
              );
            }
        }
    }
  return { type: 'FeatureCollection', features };
}
