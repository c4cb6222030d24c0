/**
 * Areas of rules and area classes: anywhere, a GeoJSON (Multi)Polygon in WGS84, or a list of live region / unit-grid
 * codes. Shape checks (400), semantic checks (422: coordinates, ST_IsValid, unknown codes), area_m2 and scope.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import type { DB } from '../db/schema.js';
import { requireCodesInScope, requireGeometryInScope, requireUnscoped } from '../auth/policy.js';
import type { User } from '../auth/tokens.js';
import { validationError, type ProblemFieldError } from '../http/problem.js';
import { REGION_CODE, distinct, listText, type Problems } from './common.js';

export type AreaKind = 'anywhere' | 'polygon' | 'regions';
export type Geometry = NonNullable<AreaInput['geometry']>;
/** An area as a request gives it (areaSchema validates it; checkAreaShape checks its members fit the kind). */
export type AreaInput = Static<ReturnType<typeof areaSchema<AreaKind>>>;

/** What is stored: kind, codes, the geometry as GeoJSON text (polygon only) and area_m2 (null = anywhere). */
export interface StoredArea {
  kind: AreaKind;
  codes: string[];
  geojson: string | null;
  area_m2: number | null;
}

export function areaSchema<K extends AreaKind>(kinds: readonly K[]) {
  return Type.Object(
    {
      kind: Type.Enum(kinds, { type: 'string' }),
      geometry: Type.Optional(
        Type.Object({
          type: Type.Enum(['Polygon', 'MultiPolygon'], { type: 'string' }),
          coordinates: Type.Unsafe<unknown[]>({ type: 'array' }),
        }),
      ),
      codes: Type.Optional(
        Type.Array(
          Type.String({
            pattern: REGION_CODE,
            description: 'a district (6), street (9), community (12) or unit-grid (15) code',
          }),
          { minItems: 1, maxItems: 10000 },
        ),
      ),
    },
    {
      additionalProperties: false,
      description: `{kind:'${kinds.join("'|'")}'}; polygon needs geometry (GeoJSON Polygon/MultiPolygon, lon/lat), regions needs codes`,
    },
  );
}

/** 400 when the members do not fit the kind (ajv checked each member on its own). */
export function checkAreaShape(area: AreaInput, location: string): void {
  const errors: ProblemFieldError[] = [];
  const need = (member: 'geometry' | 'codes', wanted: boolean) => {
    const has = area[member] !== undefined;
    if (wanted && !has)
      errors.push({
        location: `${location}.${member}`,
        message: `missing required body field '${location.replace(/^body\./, '')}.${member}' for kind '${area.kind}'`,
      });
    if (!wanted && has)
      errors.push({
        location: `${location}.${member}`,
        message: `body field '${location.replace(/^body\./, '')}.${member}' is not allowed for kind '${area.kind}'`,
      });
  };
  need('geometry', area.kind === 'polygon');
  need('codes', area.kind === 'regions');
  if (errors.length) throw validationError(errors.map((e) => e.message).join('; '), errors);
}

const geomFromText = (geojson: string) =>
  sql`ST_Multi(ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(${geojson}::text), 4326)))`;

/** The SQL value to store in area_geom. */
export const storedGeom = (a: StoredArea): RawBuilder<unknown> =>
  a.geojson === null ? sql`null` : geomFromText(a.geojson);

/** The area columns of a rule or area-class zone, for an update. */
export function storedAreaColumns(area: StoredArea) {
  return { area_kind: area.kind, area_codes: sql`${area.codes}::text[]`, area_geom: storedGeom(area) };
}

/**
 * Validates an area and computes what to store. Problems go to `problems` (422 later); returns undefined when the
 * area has any.
 */
export async function resolveArea(
  trx: Transaction<DB>,
  area: AreaInput,
  location: string,
  problems: Problems,
): Promise<StoredArea | undefined> {
  if (area.kind === 'anywhere') return { kind: 'anywhere', codes: [], geojson: null, area_m2: null };
  if (area.kind === 'polygon') {
    const g = area.geometry!;
    const bad = coordinateProblem(g);
    if (bad) {
      problems.add(`${location}.geometry`, `${location}.geometry: ${bad}`);
      return undefined;
    }
    const geojson = JSON.stringify({ type: g.type, coordinates: g.coordinates });
    const r = await sql<{ valid: boolean; reason: string; area: number | null }>`
      select ST_IsValid(g) as valid, ST_IsValidReason(g) as reason,
             case when ST_IsValid(g) then ST_Area(g::geography) end as area
      from (select ${geomFromText(geojson)} as g) x`.execute(trx);
    const v = r.rows[0];
    if (!v.valid) {
      problems.add(`${location}.geometry`, `${location}.geometry is not a valid polygon: ${v.reason}`);
      return undefined;
    }
    if (!(v.area! > 0)) {
      problems.add(`${location}.geometry`, `${location}.geometry has no area`);
      return undefined;
    }
    return { kind: 'polygon', codes: [], geojson, area_m2: v.area };
  }
  const codes = distinct(area.codes!);
  const r = await sql<{ code: string; area_m2: number }>`
    select code, area_m2 from region where termination_date is null and code = any(${codes}::text[])
    union all
    select code, area_m2 from unit_grid where termination_date is null and code = any(${codes}::text[])`.execute(trx);
  const found = new Map(r.rows.map((x) => [x.code, x.area_m2]));
  const unknown = codes.filter((c) => !found.has(c));
  if (unknown.length) {
    problems.add(
      `${location}.codes`,
      `${location}.codes: no live region or unit grid with code ${listText(unknown, 50)}`,
    );
    return undefined;
  }
  // A code nested in another listed code (a grid of a listed community, …) is already counted by the outer one.
  const outer = codes.filter((c) => !codes.some((o) => o !== c && c.startsWith(o)));
  const area_m2 = outer.reduce((sum, c) => sum + found.get(c)!, 0);
  return { kind: 'regions', codes, geojson: null, area_m2 };
}

/** 403 unless a scoped user's scope covers the area (anywhere never fits a scope). */
export async function requireAreaInScope(trx: Transaction<DB>, user: User, a: StoredArea, what: string): Promise<void> {
  if (a.kind === 'anywhere') return requireUnscoped(user, what);
  if (a.kind === 'regions') return requireCodesInScope(user, a.codes, `${what} codes`);
  return requireGeometryInScope(trx, user, geomFromText(a.geojson!), `${what} polygon`);
}

/** The area as the API shows it. */
export type AreaJson =
  { kind: 'anywhere' } | { kind: 'polygon'; geometry: unknown } | { kind: 'regions'; codes: string[] };

export function areaJson(kind: AreaKind, codes: string[], geometry: unknown): AreaJson {
  if (kind === 'anywhere') return { kind };
  if (kind === 'polygon') return { kind, geometry };
  return { kind, codes };
}

/** The stored area of a rule or zone as the API shows it, back in StoredArea form (for scope checks). */
export function storedAreaOf(area: AreaJson): StoredArea {
  return {
    kind: area.kind,
    codes: area.kind === 'regions' ? area.codes : [],
    geojson: area.kind === 'polygon' ? JSON.stringify(area.geometry) : null,
    area_m2: null,
  };
}

/** Positions are [lon, lat] numbers in range, rings closed with ≥ 4 positions. */
function coordinateProblem(g: Geometry): string | undefined {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  if (!Array.isArray(polygons) || polygons.length === 0) return `${g.type} has no coordinates`;
  for (const [pi, rings] of (polygons as unknown[]).entries()) {
    const pw = g.type === 'MultiPolygon' ? `polygon ${pi} ` : '';
    if (!Array.isArray(rings) || rings.length === 0) return `${pw || 'the polygon '}has no rings`;
    for (const [ri, ring] of rings.entries()) {
      const where = `${pw}ring ${ri}`;
      if (!Array.isArray(ring) || ring.length < 4) return `${where} has fewer than 4 positions`;
      for (const pos of ring) {
        if (
          !Array.isArray(pos) ||
          pos.length < 2 ||
          pos.length > 3 ||
          !pos.every((n) => typeof n === 'number' && Number.isFinite(n))
        ) {
          return `${where} has a position that is not [lon, lat] numbers: ${JSON.stringify(pos)}`;
        }
        if (Math.abs(pos[0]) > 180 || Math.abs(pos[1]) > 90) {
          return `${where} has [${pos[0]}, ${pos[1]}], outside the lon/lat range; send WGS84 lon/lat (RFC 7946), not projected metres`;
        }
      }
      const a = ring[0],
        b = ring[ring.length - 1];
      if (a[0] !== b[0] || a[1] !== b[1]) return `${where} is not closed (first and last positions differ)`;
    }
  }
  return undefined;
}

/** The CRUD hooks of an entity with an area (rules, area-class zones): the shape check and the scope of its area. */
export function areaHooks(label: string) {
  return {
    precheck(b: { area?: AreaInput }): void {
      if (b.area) checkAreaShape(b.area, 'body.area');
    },
    scope(trx: Transaction<DB>, user: User, old: { area: AreaJson }, key: number, change: 'patch' | 'delete') {
      const what = `${label} ${key}'s ${change === 'patch' ? 'current ' : ''}area`;
      return requireAreaInScope(trx, user, storedAreaOf(old.area), what);
    },
  };
}
