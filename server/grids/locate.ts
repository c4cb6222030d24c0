/**
 * Point → district, street, community and unit grid.
 *
 * Boundary rule: a point covered by several grids' closed polygons (on a shared edge or vertex) belongs to the
 * grid with the lowest code among them; district, street and community are those of that grid, so the answer is
 * always one consistent branch of the hierarchy. All covering grids are listed in `candidates`.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { gridsCoveringPoint, nearestGrid, regionNames, regionsCoveringPoint } from './queries.js';

export const BOUNDARY_RULE =
  'a point on a shared edge or vertex belongs to the covering unit grid with the lowest code; its community, street and district follow from that grid';

export interface Named {
  code: string;
  name: string;
}

export interface Location {
  lon: number;
  lat: number;
  district: Named | null;
  street: Named | null;
  community: Named | null;
  grid: (Named & { area_m2: number }) | null;
  /** True when the point lies on the boundary of the chosen grid (edge or vertex). */
  onBoundary: boolean;
  /** Codes of all grids whose closed polygon covers the point. */
  candidates: string[];
  rule: string;
  /** Only when grid is null: why, and the nearest grid. */
  reason?: 'outside_coverage';
  detail?: string;
  nearest?: { code: string; name: string; distance_m: number } | null;
}

export async function locatePoint(db: Kysely<DB>, lon: number, lat: number): Promise<Location> {
  const covering = await gridsCoveringPoint(db, lon, lat);
  const base = { lon, lat, rule: BOUNDARY_RULE, candidates: covering.map((g) => g.code) };
  if (covering.length === 0) {
    // The deepest covering region (lowest code among equals) and its ancestors: one consistent branch, as for
    // grids (not the lowest code per level, which on an edge between two streets can mix branches).
    const regions = await regionsCoveringPoint(db, lon, lat);
    const deepest = regions.reduce<(typeof regions)[number] | undefined>(
      (best, r) => (!best || r.code.length > best.code.length ? r : best),
      undefined,
    );
    const branch = new Set(deepest ? [6, 9, 12].map((n) => deepest.code.slice(0, n)) : []);
    const at = (level: string) => {
      const r = regions.find((x) => x.level === level && branch.has(x.code));
      return r ? { code: r.code, name: r.name } : null;
    };
    const nearest = (await nearestGrid(db, lon, lat)) ?? null;
    const detail = nearest
      ? `the point lies outside every unit grid; the nearest is ${nearest.code} (${nearest.name}), ${Math.round(nearest.distance_m)} m away`
      : 'the point lies outside every unit grid; no unit grids are loaded';
    return {
      ...base,
      district: at('district'),
      street: at('street'),
      community: at('community'),
      grid: null,
      onBoundary: false,
      reason: 'outside_coverage',
      detail,
      nearest: nearest && { ...nearest, distance_m: Math.round(nearest.distance_m * 10) / 10 },
    };
  }
  const g = covering[0];
  const names = await regionNames(db, [g.district_code, g.street_code, g.community_code]);
  const named = (code: string) => (names.has(code) ? { code, name: names.get(code)! } : null);
  return {
    ...base,
    district: named(g.district_code),
    street: named(g.street_code),
    community: named(g.community_code),
    grid: { code: g.code, name: g.name, area_m2: round1(g.area_m2) },
    onBoundary: !g.interior,
  };
}

/** Metres and square metres are reported to 0.1. */
export const round1 = (x: number) => Math.round(x * 10) / 10;
