/**
 * Where a report is (定位): its own position, its component's, or its address geocoded (hotline calls). A geocoded
 * address places the case only when the best candidate is unambiguous; otherwise the case is stored unplaced
 * (needs_location) with its candidates, never refused, and a dispatcher places it: POST /api/cases/{id}/location
 * runs the assignment then, as intake would have.
 *
 * Unambiguous (decided here; the issue leaves it open): the best candidate is a doorplate, an interpolated doorplate
 * or a landmark (a road or a region is an area, not a place to send a collector), its score is at least
 * ACCEPT_SCORE, and no other candidate within MARGIN of its score lies more than SAME_PLACE_M away (a doorplate and
 * its building plate are one place; two homophone roads are not).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { inScope } from '../auth/policy.js';
import { assign, assignmentVersion, type Assignment } from '../assign/assign.js';
import { write } from '../db/write.js';
import { forbidden } from '../http/problem.js';
import type { GeocodeCandidate } from '../addresses/geocode.js';
import { toWgs84, type CrsName } from '../geo/crs.js';
import { assignmentColumns, lockUndispatched } from './before-dispatch.js';

export const ACCEPT_SCORE = 0.85;
export const MARGIN = 0.05;
export const SAME_PLACE_M = 50;
const PLACE_LEVELS = new Set(['doorplate', 'interpolated', 'landmark']);

const metres = (a: { lon: number; lat: number }, b: { lon: number; lat: number }) =>
  Math.hypot((a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180), (a.lat - b.lat) * 110_574);

/** The candidate that places the case, or why none does (pure). */
export function acceptGeocode(
  candidates: GeocodeCandidate[],
): { accepted: GeocodeCandidate; reason?: undefined } | { accepted?: undefined; reason: string } {
  const best = candidates[0];
  if (!best) return { reason: 'no candidate' };
  if (!PLACE_LEVELS.has(best.level)) return { reason: `the best candidate is a ${best.level}, not a place` };
  if (best.score < ACCEPT_SCORE) return { reason: `the best score ${best.score} is below ${ACCEPT_SCORE}` };
  const rival = candidates.slice(1).find((c) => c.score >= best.score - MARGIN && metres(c, best) > SAME_PLACE_M);
  if (rival) return { reason: `ambiguous: ${rival.address} scores ${rival.score}` };
  return { accepted: best };
}

/** The stored geocode record of a case: what was asked and found. */
export interface GeocodeRecord {
  query: string;
  accepted: boolean;
  reason: string | null;
  score: number | null;
  level: string | null;
  candidates: GeocodeCandidate[];
}

/** The assignment of a case that has no position yet: nothing derived, the dispatcher places it. */
export async function pendingAssignment(db: Kysely<DB>): Promise<Assignment> {
  return {
    grid: null,
    community: null,
    street: null,
    district: null,
    on_boundary: false,
    outside_coverage: false,
    nearest_grid: null,
    area_class: 'C',
    area_class_zone: null,
    collector_area: null,
    collectors: [],
    department: null,
    matched: { source: 'none' },
    why: '地址未能唯一定位：待派遣员在地图上确定位置后自动分派',
    candidates: [],
    version: await assignmentVersion(db),
  };
}

/** A dispatcher places a case (one that needs a location, or corrects one before dispatch) and it is assigned. */
export async function placeCase(
  db: Kysely<DB>,
  id: number,
  location: { lon: number; lat: number; crs?: CrsName },
  user: User,
  opts: { ifMatch?: string[]; now?: Date } = {},
): Promise<void> {
  const now = opts.now ?? new Date();
  const crs = location.crs ?? 'wgs84';
  const { lon, lat } = toWgs84(location.lon, location.lat, crs);
  await write(db, { actor: user, layers: ['cases'] }, async (trx) => {
    const c = await lockUndispatched(trx, id, user, opts.ifMatch, 'place it');
    const a = await assign(trx, {
      lon,
      lat,
      kind: c.category_kind,
      code: c.category_code,
      componentCode: c.component_code,
      at: now,
    });
    const region = a.grid?.code ?? a.community?.code ?? a.street?.code ?? a.district?.code ?? '';
    if (!inScope(user, region))
      throw forbidden(
        `the location lies in ${region || 'no region (outside every unit grid)'}, outside your region scope ${user.regionScope}`,
      );
    await sql`update case_record set lon = ${lon}, lat = ${lat}, geom = ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326),
        input_crs = ${crs}, input_lon = ${location.lon}, input_lat = ${location.lat}, needs_location = false,
        location_source = 'placed', outside_coverage = ${a.outside_coverage}, grid_code = ${a.grid?.code ?? null},
        community_code = ${a.community?.code ?? null}, street_code = ${a.street?.code ?? null},
        district_code = ${a.district?.code ?? null}, area_class = ${a.area_class},
        collector_area_id = ${a.collector_area?.id ?? null}, ${assignmentColumns(a, now)}
      where id = ${id}`.execute(trx);
    return {
      result: undefined,
      caseEvent: {
        case_id: id,
        at: now,
        action: 'locate',
        from_state: c.state,
        to_state: c.state,
        note: `定位 ${lon.toFixed(6)}, ${lat.toFixed(6)}${a.grid ? `（网格 ${a.grid.code}）` : ''}`,
        deadline: null,
        detail: {
          lon,
          lat,
          was_unplaced: c.needs_location,
          grid: a.grid?.code ?? null,
          department: a.department?.code ?? null,
          matched: a.matched,
        },
      },
    };
  });
}
