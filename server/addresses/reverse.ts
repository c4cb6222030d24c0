/**
 * Reverse geocoding: a point → its standard address sentence (GB/T 30428.3 style: street office + community + the
 * nearest doorplate, or landmark, with the direction and distance), the nearest doorplate, landmark and road, and the
 * unit grid, community, street and district (the boundary rule of server/grids/locate.ts).
 *
 *   翠湖街道长青社区长青路12号东侧约15米
 *
 * The doorplate is used within DOORPLATE_M, else the landmark within LANDMARK_M, else the road ("长青路附近") within
 * ROAD_M, else the community alone. Within NEAR_M of the reference no direction is given ("长青路12号").
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { locatePoint } from '../grids/locate.js';

export const DOORPLATE_M = 100;
export const LANDMARK_M = 300;
export const ROAD_M = 200;
export const NEAR_M = 5;

const DIRECTIONS = ['北', '东北', '东', '东南', '南', '西南', '西', '西北'];

/** The 8-point compass direction of `to` seen from `from` (lon/lat; local flat-earth bearing). */
export function direction(from: [number, number], to: [number, number]): string {
  const dx = (to[0] - from[0]) * Math.cos((from[1] * Math.PI) / 180);
  const dy = to[1] - from[1];
  const bearing = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
  return DIRECTIONS[Math.round(bearing / 45) % 8];
}

/** "约15米": whole metres below 10 m, else to the nearest 5 m. */
export const aboutMetres = (m: number) => `约${m < 10 ? Math.max(1, Math.round(m)) : Math.round(m / 5) * 5}米`;

/** "12号", "12号3栋". */
export const plate = (road: string, number: string, building: string) =>
  `${road}${number}号${building ? `${building}栋` : ''}`;

export interface ReverseResult {
  address: string;
  doorplate: { address: string; road: string; number: string; building: string; distance_m: number } | null;
  landmark: { name: string; distance_m: number } | null;
  road: { name: string; distance_m: number } | null;
  grid: { code: string; name: string } | null;
  community: { code: string; name: string } | null;
  street: { code: string; name: string } | null;
  district: { code: string; name: string } | null;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export async function reverseGeocode(db: Kysely<DB>, lon: number, lat: number): Promise<ReverseResult> {
  const loc = await locatePoint(db, lon, lat);
  const p = sql`ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326)`;
  const [d, l, r] = await Promise.all([
    sql<{ road: string; number: string; building: string; lon: number; lat: number; m: number }>`
      select road, number, building, ST_X(geom) as lon, ST_Y(geom) as lat, ST_Distance(geom::geography, ${p}::geography) as m
      from doorplate order by geom <-> ${p}, building = '' desc limit 1`.execute(db),
    sql<{ name: string; lon: number; lat: number; m: number }>`
      select name, ST_X(ST_PointOnSurface(geom)) as lon, ST_Y(ST_PointOnSurface(geom)) as lat,
             ST_Distance(geom::geography, ${p}::geography) as m
      from landmark order by geom <-> ${p} limit 1`.execute(db),
    sql<{ name: string; m: number }>`
      select name, ST_Distance(geom::geography, ${p}::geography) as m from road order by geom <-> ${p} limit 1`.execute(
      db,
    ),
  ]);
  const door = d.rows[0];
  const mark = l.rows[0];
  const road = r.rows[0];
  const prefix = `${loc.street?.name ?? ''}${loc.community?.name ?? ''}`;
  const near = (name: string, from: [number, number], m: number) =>
    m <= NEAR_M ? name : `${name}${direction(from, [lon, lat])}侧${aboutMetres(m)}`;
  let tail = '';
  if (door && door.m <= DOORPLATE_M)
    tail = near(plate(door.road, door.number, door.building), [door.lon, door.lat], door.m);
  else if (mark && mark.m <= LANDMARK_M)
    tail = mark.m === 0 ? `${mark.name}内` : near(mark.name, [mark.lon, mark.lat], mark.m);
  else if (road && road.m <= ROAD_M) tail = `${road.name}附近`;
  const named = (x: { code: string; name: string } | null) => (x ? { code: x.code, name: x.name } : null);
  return {
    address: `${prefix}${tail}` || (loc.district?.name ?? ''),
    doorplate: door
      ? {
          address: plate(door.road, door.number, door.building),
          road: door.road,
          number: door.number,
          building: door.building,
          distance_m: round1(door.m),
        }
      : null,
    landmark: mark ? { name: mark.name, distance_m: round1(mark.m) } : null,
    road: road ? { name: road.name, distance_m: round1(road.m) } : null,
    grid: named(loc.grid),
    community: named(loc.community),
    street: named(loc.street),
    district: named(loc.district),
  };
}
