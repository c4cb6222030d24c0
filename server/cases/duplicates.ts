/**
 * Suggestions at intake: duplicates (open cases of the same category within a distance and time window of a new
 * report) and, for a report of a component class, the nearest components of that class.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface DuplicateOptions {
  /** Search radius in metres (DUPLICATE_RADIUS_M, default 50). */
  radiusM: number;
  /** Look back this many hours (DUPLICATE_WINDOW_HOURS, default 72). */
  windowHours: number;
}

export interface Duplicate {
  id: number;
  case_no: string;
  state: string;
  reported_at: string;
  distance_m: number;
}

export async function findDuplicates(
  db: Kysely<DB>,
  p: { kind: string; code: string; lon: number; lat: number; at: Date },
  o: DuplicateOptions,
): Promise<Duplicate[]> {
  if (o.radiusM <= 0) return [];
  // Degree box around the point for the GIST index (generous: 1° of latitude ≥ 110.5 km).
  const dLat = o.radiusM / 110_000;
  const dLon = dLat / Math.max(Math.cos((p.lat * Math.PI) / 180), 0.01);
  const since = new Date(p.at.getTime() - o.windowHours * 3600_000);
  const r = await sql<Duplicate>`
    with pt as (select ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)::geography as g)
    select c.id::int as id, c.case_no, c.state, c.reported_at,
           round(ST_Distance(c.geom::geography, pt.g)::numeric, 1)::float8 as distance_m
    from case_record c, pt
    where c.category_kind = ${p.kind} and c.category_code = ${p.code}
      and c.closed_at is null and c.state <> 'voided'
      and c.reported_at >= ${since} and c.reported_at <= ${p.at}
      and c.geom && ST_Expand(ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326), ${dLon}, ${dLat})
      and ST_DWithin(c.geom::geography, pt.g, ${o.radiusM})
    order by distance_m, c.id
    limit 10`.execute(db);
  return r.rows.map((d) => ({ ...d, reported_at: new Date(d.reported_at).toISOString() }));
}

export interface ComponentSuggestion {
  code: string;
  name: string;
  status: string;
  distance_m: number;
}

/** Components of a class within `radiusM` of a point, nearest first (at most 5). */
export async function nearestComponents(
  db: Kysely<DB>,
  p: { code: string; lon: number; lat: number },
  radiusM: number,
): Promise<ComponentSuggestion[]> {
  if (radiusM <= 0) return [];
  const dLat = radiusM / 110_000;
  const dLon = dLat / Math.max(Math.cos((p.lat * Math.PI) / 180), 0.01);
  const r = await sql<ComponentSuggestion>`
    with pt as (select ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)::geography as g)
    select k.code, k.name, k.status, round(ST_Distance(k.geom::geography, pt.g)::numeric, 1)::float8 as distance_m
    from component k, pt
    where k.category_code = ${p.code}
      and k.geom && ST_Expand(ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326), ${dLon}, ${dLat})
      and ST_DWithin(k.geom::geography, pt.g, ${radiusM})
    order by distance_m, k.code
    limit 5`.execute(db);
  return r.rows;
}
