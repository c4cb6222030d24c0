/**
 * Geometry of the demo census: the generated roads in a local metric plane (x east, y north, metres), points at a
 * chainage and offset of a road, the roads' junctions, and a bucket index of road segments for "how far is the
 * nearest road centre line" (to keep block items off the roads).
 */
import type { RoadFeature } from './city/params.js';
import type { RoadKind } from './census-params.js';

/** Metres per degree of latitude and longitude at latitude `lat` (WGS84 ellipsoid series). */
export function metresPerDegree(lat: number): { kx: number; ky: number } {
  const f = (lat * Math.PI) / 180;
  return {
    ky: 111_132.954 - 559.822 * Math.cos(2 * f) + 1.175 * Math.cos(4 * f),
    kx: 111_412.84 * Math.cos(f) - 93.5 * Math.cos(3 * f),
  };
}

/** A local equirectangular plane around (lon0, lat0): offsets of tens of metres stay exact to millimetres. */
export class Plane {
  private readonly kx: number;
  private readonly ky: number;
  constructor(
    readonly lon0: number,
    readonly lat0: number,
  ) {
    ({ kx: this.kx, ky: this.ky } = metresPerDegree(lat0));
  }
  toXY(lon: number, lat: number): [number, number] {
    return [(lon - this.lon0) * this.kx, (lat - this.lat0) * this.ky];
  }
  toLonLat(x: number, y: number): [number, number] {
    return [round7(this.lon0 + x / this.kx), round7(this.lat0 + y / this.ky)];
  }
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

export interface Junction {
  /** Chainage of the junction on this road. */
  s: number;
  /** The widest crossing road there: its carriageway and sidewalk half-widths. */
  carriageway: number;
  sidewalk: number;
  arterial: boolean;
}

export interface Road {
  index: number;
  name: string;
  kind: RoadKind;
  xs: number[];
  ys: number[];
  /** Chainage at each vertex. */
  cum: number[];
  length: number;
  junctions: Junction[];
}

export interface Station {
  x: number;
  y: number;
  /** Unit tangent (direction of travel) and left normal. */
  tx: number;
  ty: number;
  nx: number;
  ny: number;
}

/** The point at chainage s of a road (clamped to its ends), with the tangent and left normal of its segment. */
export function stationAt(r: Road, s: number): Station {
  let i = 1;
  while (i < r.cum.length - 1 && r.cum[i] < s) i++;
  const seg = r.cum[i] - r.cum[i - 1];
  const t = seg > 0 ? Math.min(1, Math.max(0, (s - r.cum[i - 1]) / seg)) : 0;
  const dx = r.xs[i] - r.xs[i - 1],
    dy = r.ys[i] - r.ys[i - 1];
  const len = Math.hypot(dx, dy) || 1;
  const tx = dx / len,
    ty = dy / len;
  return { x: r.xs[i - 1] + dx * t, y: r.ys[i - 1] + dy * t, tx, ty, nx: -ty, ny: tx };
}

/**
 * The roads in the plane, with their junctions: a vertex shared by two or more roads (the generator builds every
 * road from one shared vertex array, so crossing roads share their crossing vertex bit for bit).
 */
export function planRoads(
  features: RoadFeature[],
  plane: Plane,
  section: Record<RoadKind, { carriageway: number; sidewalk: number }>,
): Road[] {
  const at = new Map<string, { road: number; vertex: number }[]>();
  const roads = features.map((f, index) => {
    const xs: number[] = [],
      ys: number[] = [],
      cum: number[] = [];
    f.geometry.coordinates.forEach(([lon, lat], k) => {
      const [x, y] = plane.toXY(lon, lat);
      cum.push(k ? cum[k - 1] + Math.hypot(x - xs[k - 1], y - ys[k - 1]) : 0);
      xs.push(x);
      ys.push(y);
      const key = `${lon},${lat}`;
      const list = at.get(key);
      if (list) list.push({ road: index, vertex: k });
      else at.set(key, [{ road: index, vertex: k }]);
    });
    const road: Road = {
      index,
      name: f.properties.name,
      kind: f.properties.kind,
      xs,
      ys,
      cum,
      length: cum[cum.length - 1],
      junctions: [],
    };
    return road;
  });
  for (const list of at.values()) {
    const distinct = new Set(list.map((v) => v.road));
    if (distinct.size < 2) continue;
    for (const v of list) {
      const others = list.filter((o) => o.road !== v.road).map((o) => roads[o.road]);
      const widest = others.reduce((a, b) => (section[b.kind].carriageway > section[a.kind].carriageway ? b : a));
      roads[v.road].junctions.push({
        s: roads[v.road].cum[v.vertex],
        ...section[widest.kind],
        arterial: others.some((o) => o.kind === 'arterial'),
      });
    }
  }
  for (const r of roads) r.junctions.sort((a, b) => a.s - b.s);
  return roads;
}

/** Junction vertices with the roads through them, in a deterministic order (first road index, then chainage). */
export function junctionList(roads: Road[]): { x: number; y: number; roads: { road: Road; s: number }[] }[] {
  const byKey = new Map<string, { x: number; y: number; roads: { road: Road; s: number }[] }>();
  for (const r of roads) {
    for (let k = 0; k < r.xs.length; k++) {
      const key = `${r.xs[k]},${r.ys[k]}`;
      const j = byKey.get(key);
      if (j) j.roads.push({ road: r, s: r.cum[k] });
      else byKey.set(key, { x: r.xs[k], y: r.ys[k], roads: [{ road: r, s: r.cum[k] }] });
    }
  }
  return [...byKey.values()].filter((j) => new Set(j.roads.map((x) => x.road.index)).size >= 2);
}

/** A bucket index of road segments: the distance from a point to the nearest road's edge of sidewalk. */
export class SegmentIndex {
  private readonly cells = new Map<string, { road: Road; i: number }[]>();
  private static readonly SIZE = 100;
  constructor(
    roads: Road[],
    private readonly section: Record<RoadKind, { carriageway: number; sidewalk: number }>,
  ) {
    const S = SegmentIndex.SIZE;
    for (const road of roads) {
      for (let i = 1; i < road.xs.length; i++) {
        const [x0, x1] = [Math.min(road.xs[i - 1], road.xs[i]), Math.max(road.xs[i - 1], road.xs[i])];
        const [y0, y1] = [Math.min(road.ys[i - 1], road.ys[i]), Math.max(road.ys[i - 1], road.ys[i])];
        for (let cx = Math.floor(x0 / S); cx <= Math.floor(x1 / S); cx++) {
          for (let cy = Math.floor(y0 / S); cy <= Math.floor(y1 / S); cy++) {
            const k = `${cx}/${cy}`;
            const list = this.cells.get(k);
            if (list) list.push({ road, i });
            else this.cells.set(k, [{ road, i }]);
          }
        }
      }
    }
  }
  /** Distance from (x, y) to the nearest back of sidewalk (negative inside a road); Infinity beyond 100 m. */
  clearance(x: number, y: number): number {
    const S = SegmentIndex.SIZE;
    let best = Infinity;
    for (let cx = Math.floor(x / S) - 1; cx <= Math.floor(x / S) + 1; cx++) {
      for (let cy = Math.floor(y / S) - 1; cy <= Math.floor(y / S) + 1; cy++) {
        for (const { road, i } of this.cells.get(`${cx}/${cy}`) ?? []) {
          const ax = road.xs[i - 1],
            ay = road.ys[i - 1],
            bx = road.xs[i],
            by = road.ys[i];
          const l2 = (bx - ax) ** 2 + (by - ay) ** 2;
          const t = l2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / l2)) : 0;
          const d = Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay));
          const w = this.section[road.kind];
          best = Math.min(best, d - w.carriageway - w.sidewalk);
        }
      }
    }
    return best;
  }
}
