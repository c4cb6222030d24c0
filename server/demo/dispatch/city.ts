/**
 * The demo city as stored, read back from the database (so the dispatch data works on whatever the import produced),
 * with a few lon/lat helpers (small distances in a local metric plane) and a bucket index for point lookups.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { between, type Rng } from '../prng.js';
import type { StreetRef } from './params.js';

export const M_PER_DEG_LAT = 110_574;
export const mPerDegLon = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);

type Ring = number[][];
export type Poly = Ring[];

function inRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i],
      [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const inPolys = (x: number, y: number, polys: Poly[]) =>
  polys.some((p) => inRing(x, y, p[0]) && !p.slice(1).some((h) => inRing(x, y, h)));

export interface Grid {
  code: string;
  name: string;
  community: string;
  street: string;
  polys: Poly[];
  bbox: [number, number, number, number];
  px: number;
  py: number;
}

/** A bucket index of grid bounding boxes for point lookups in JS (the database decides the real assignment). */
class GridIndex {
  private readonly cells = new Map<string, number[]>();
  private static readonly SIZE = 0.004;
  constructor(private readonly grids: Grid[]) {
    grids.forEach((g, i) => {
      for (let x = Math.floor(g.bbox[0] / GridIndex.SIZE); x <= Math.floor(g.bbox[2] / GridIndex.SIZE); x++) {
        for (let y = Math.floor(g.bbox[1] / GridIndex.SIZE); y <= Math.floor(g.bbox[3] / GridIndex.SIZE); y++) {
          const k = `${x}/${y}`;
          const list = this.cells.get(k);
          if (list) list.push(i);
          else this.cells.set(k, [i]);
        }
      }
    });
  }
  find(lon: number, lat: number): Grid | undefined {
    const list = this.cells.get(`${Math.floor(lon / GridIndex.SIZE)}/${Math.floor(lat / GridIndex.SIZE)}`) ?? [];
    for (const i of list) {
      const g = this.grids[i];
      if (lon >= g.bbox[0] && lon <= g.bbox[2] && lat >= g.bbox[1] && lat <= g.bbox[3] && inPolys(lon, lat, g.polys))
        return g;
    }
    return undefined;
  }
}

export function randomPointIn(g: Grid, rng: Rng): [number, number] {
  for (let k = 0; k < 50; k++) {
    const x = between(rng, g.bbox[0], g.bbox[2]),
      y = between(rng, g.bbox[1], g.bbox[3]);
    if (inPolys(x, y, g.polys)) return [x, y];
  }
  return [g.px, g.py];
}

export const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

export interface Region {
  code: string;
  name: string;
  area_m2: number;
  x: number;
  y: number;
}

export interface City {
  district: Region;
  streets: Region[];
  communities: (Region & { street: string })[];
  grids: Grid[];
  index: GridIndex;
  central: Region;
  second: Region;
}

export async function readCity(db: Kysely<DB>): Promise<City> {
  const regions = (
    await sql<Region & { level: string; parent_code: string | null }>`
    select code, name, level, parent_code, area_m2, ST_X(p) as x, ST_Y(p) as y
    from (select *, ST_PointOnSurface(geom) as p from region where termination_date is null) r order by code`.execute(
      db,
    )
  ).rows;
  const districts = regions.filter((r) => r.level === 'district');
  if (districts.length !== 1)
    throw new Error(`demo dispatch data needs exactly one district, found ${districts.length}`);
  const district = districts[0];
  const streets = regions.filter((r) => r.level === 'street');
  const communities = regions.filter((r) => r.level === 'community').map((r) => ({ ...r, street: r.parent_code! }));
  const rows = (
    await sql<{
      code: string;
      name: string;
      community_code: string;
      street_code: string;
      gj: string;
      x0: number;
      y0: number;
      x1: number;
      y1: number;
      px: number;
      py: number;
    }>`
    select code, name, community_code, street_code, ST_AsGeoJSON(geom) as gj,
           ST_XMin(geom) as x0, ST_YMin(geom) as y0, ST_XMax(geom) as x1, ST_YMax(geom) as y1,
           ST_X(ST_PointOnSurface(geom)) as px, ST_Y(ST_PointOnSurface(geom)) as py
    from unit_grid where termination_date is null order by code`.execute(db)
  ).rows;
  const grids: Grid[] = rows.map((r) => {
    const g = JSON.parse(r.gj) as { type: string; coordinates: unknown };
    const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Poly[];
    return {
      code: r.code,
      name: r.name,
      community: r.community_code,
      street: r.street_code,
      polys,
      bbox: [r.x0, r.y0, r.x1, r.y1],
      px: r.px,
      py: r.py,
    };
  });
  if (streets.length === 0 || grids.length === 0) throw new Error('demo dispatch data needs streets and unit grids');
  // The central street: the one whose grids surround the district's centre; B: the street nearest to it.
  const centre = (
    await sql<{ x: number; y: number }>`
    select ST_X(c) as x, ST_Y(c) as y from (select ST_Centroid(geom) as c from region where code = ${district.code}
      and termination_date is null) q`.execute(db)
  ).rows[0];
  const dist = (r: { x: number; y: number }, p: { x: number; y: number }) =>
    Math.hypot((r.x - p.x) * mPerDegLon(p.y), (r.y - p.y) * M_PER_DEG_LAT);
  const streetOf = (
    await sql<{ code: string }>`
    select code from region where level = 'street' and termination_date is null
    order by ST_Distance(geom, ST_SetSRID(ST_MakePoint(${centre.x}, ${centre.y}), 4326)), code limit 1`.execute(db)
  ).rows[0].code;
  const central = streets.find((s) => s.code === streetOf)!;
  const others = streets.filter((s) => s !== central).sort((a, b) => dist(a, central) - dist(b, central));
  const second = others[0] ?? central;
  return { district, streets, communities, grids, index: new GridIndex(grids), central, second };
}

export function streetByRef(city: City, ref: StreetRef): Region {
  if (ref === 'A') return city.central;
  if (ref === 'B') return city.second;
  return city.streets[Math.min(ref, city.streets.length - 1)];
}
