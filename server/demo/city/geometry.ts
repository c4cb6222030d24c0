/**
 * Step 8 of the demo city: GeoJSON geometry. Every polygon (grid, community, street, district) is built from directed
 * edges over ONE shared vertex array (see assemble.ts). Vertices are projected once with a fixed local
 * equirectangular transform and rounded to 7 decimals, so shared edges are bit-identical.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { assemble, signedArea, type Rings, type VertexStore } from './assemble.js';
import type { Hierarchy } from './communities.js';
import type { Grid } from './grids.js';
import type { Lattice } from './lattice.js';
import { DEMO_CENTER, DEMO_DISTRICT_CODE, DEMO_DISTRICT_NAME, type CityFeature } from './params.js';

/** Mean sphere radius, as used by @turf/area. */
const EARTH_RADIUS = 6371008.8;
const ROUND = 1e7;

export interface Projection {
  lon: Float64Array;
  lat: Float64Array;
  /** [lon, lat] of a vertex. */
  pos: (v: number) => Position;
}

export function project({ xs, ys }: VertexStore): Projection {
  const NV = xs.length;
  const [lon0, lat0] = DEMO_CENTER;
  const degY = 180 / (Math.PI * EARTH_RADIUS);
  const degX = degY / Math.cos((lat0 * Math.PI) / 180);
  const lon = new Float64Array(NV),
    lat = new Float64Array(NV);
  for (let v = 0; v < NV; v++) {
    lon[v] = Math.round((lon0 + xs[v] * degX) * ROUND) / ROUND;
    lat[v] = Math.round((lat0 + ys[v] * degY) * ROUND) / ROUND;
  }
  return { lon, lat, pos: (v) => [lon[v], lat[v]] };
}

export interface CityGeometry {
  district: CityFeature;
  streets: CityFeature[];
  communities: CityFeature[];
  /** Ordered by code. */
  grids: CityFeature[];
  /** Planar areas of the grids, in the order they were built (community by community, by serial). */
  gridAreas: number[];
  multiGrids: number;
  holedGrids: number;
  parkGrids: number;
  bbox: [number, number, number, number];
}

// --- 8. geometry ---------------------------------------------------------------------------------------------
export function buildGeometry(
  lattice: Lattice,
  verts: VertexStore,
  { lon, lat, pos }: Projection,
  grids: Grid[],
  { streets, communities, gridsOfCommunity }: Hierarchy,
): CityGeometry {
  const { NC, vid } = lattice;
  const NV = verts.xs.length;
  const { xs, ys } = verts;
  const closed = (ring: number[]): Position[] => {
    const r = ring.map(pos);
    r.push(r[0]);
    return r;
  };
  const toGeometry = (rings: Rings): Polygon | MultiPolygon => {
    const polys = rings.shells.map((s, k) => [closed(s), ...rings.holes[k].map(closed)]);
    return polys.length === 1
      ? { type: 'Polygon', coordinates: polys[0] }
      : { type: 'MultiPolygon', coordinates: polys };
  };
  const ringArea = (rings: Rings) => {
    let a = 0;
    rings.shells.forEach((s, k) => {
      a += signedArea(s, xs, ys);
      for (const h of rings.holes[k]) a += signedArea(h, xs, ys);
    });
    return a;
  };
  const gridEdges = (g: Grid, out: number[]) => {
    for (const c of g.cells) {
      const i = c % NC,
        j = (c - i) / NC;
      const sw = vid(i, j + 1),
        se = vid(i + 1, j + 1),
        ne = vid(i + 1, j),
        nw = vid(i, j);
      out.push(sw, se, se, ne, ne, nw, nw, sw);
    }
    if (g.quad) {
      const q = g.quad;
      if (g.kind === 'park') for (let k = 0; k < 4; k++) out.push(q[k], q[(k + 1) % 4]);
      else for (let k = 0; k < 4; k++) out.push(q[(k + 1) % 4], q[k]);
    }
  };

  const gridFeatures: CityFeature[] = [];
  const gridAreas: number[] = [];
  let multiGrids = 0,
    holedGrids = 0,
    parkGrids = 0;
  const communityFeatures: CityFeature[] = [];
  const communityBoundary: number[][] = [];
  const edgeBuf: number[] = [];
  communities.forEach((cm, ci) => {
    const all: number[] = [];
    for (const gi of gridsOfCommunity[ci]) {
      const g = grids[gi];
      edgeBuf.length = 0;
      gridEdges(g, edgeBuf);
      for (const e of edgeBuf) all.push(e);
      const { rings } = assemble(edgeBuf, NV, xs, ys);
      const geometry = toGeometry(rings);
      if (geometry.type === 'MultiPolygon') multiGrids++;
      if (rings.holes.some((h) => h.length)) holedGrids++;
      if (g.kind === 'park') parkGrids++;
      gridAreas.push(ringArea(rings));
      const serial = String(g.serial).padStart(3, '0');
      gridFeatures.push({
        type: 'Feature',
        properties: {
          code: cm.code + serial,
          name: `${cm.name}第${serial}网格${g.kind === 'park' ? '（公园）' : ''}`,
          level: 'grid',
        },
        geometry,
      });
    }
    const { rings, boundary } = assemble(all, NV, xs, ys);
    communityBoundary.push(boundary);
    communityFeatures.push({
      type: 'Feature',
      properties: { code: cm.code, name: cm.name, level: 'community' },
      geometry: toGeometry(rings),
    });
  });
  gridFeatures.sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
  const streetFeatures: CityFeature[] = [];
  const districtEdges: number[] = [];
  for (const st of streets) {
    const all: number[] = [];
    for (const ci of st.communities!) for (const e of communityBoundary[ci]) all.push(e);
    const { rings, boundary } = assemble(all, NV, xs, ys);
    for (const e of boundary) districtEdges.push(e);
    streetFeatures.push({
      type: 'Feature',
      properties: { code: st.code, name: st.name, level: 'street' },
      geometry: toGeometry(rings),
    });
  }
  const district = assemble(districtEdges, NV, xs, ys);
  const districtFeature: CityFeature = {
    type: 'Feature',
    properties: { code: DEMO_DISTRICT_CODE, name: DEMO_DISTRICT_NAME, level: 'district' },
    geometry: toGeometry(district.rings),
  };
  let west = Infinity,
    south = Infinity,
    east = -Infinity,
    north = -Infinity;
  for (const s of district.rings.shells)
    for (const v of s) {
      west = Math.min(west, lon[v]);
      east = Math.max(east, lon[v]);
      south = Math.min(south, lat[v]);
      north = Math.max(north, lat[v]);
    }
  return {
    district: districtFeature,
    streets: streetFeatures,
    communities: communityFeatures,
    grids: gridFeatures,
    gridAreas,
    multiGrids,
    holedGrids,
    parkGrids,
    bbox: [west, south, east, north],
  };
}
