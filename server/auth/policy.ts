/**
 * The policy: who may do what, where. Every route names a permission (or none: a public read); every write checks
 * the region scope of what it touches here; workflow actions check role, scope and own department here.
 *
 * - **Role.** A permission lists the roles that have it; `admin` has every permission.
 * - **Region scope.** A user's scope is a region-code prefix ('' = everywhere). A scoped user — a scoped admin too —
 *   acts only on what lies inside it: codes that start with the scope, geometry inside the scope region. Something
 *   that covers everywhere (an `anywhere` rule, the everywhere fallback, a city-wide department, a component without
 *   a location, a case outside every region) is only for unscoped users.
 * - **Own department.** A department handler acts on the cases of its own department only.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB, Role } from '../db/schema.js';
import { forbidden, unauthorized } from '../http/problem.js';
import type { User } from './tokens.js';

/** Named permissions and the roles (besides admin) that have them. */
export const PERMISSIONS = {
  /** Case queues and case details (they hold reporters' data, so never public). */
  readCases: ['viewer', 'collector', 'dispatcher', 'department_handler', 'gis_editor'],
  /** Report a case (intake). */
  report: ['collector', 'dispatcher'],
  /** Take workflow actions; which ones is decided per action by actionRefusal(). */
  actOnCases: ['dispatcher', 'department_handler', 'collector'],
  /** Edit the responsibility library: departments, rules, area classes, collectors, collector areas, components. */
  editLibrary: ['gis_editor'],
  /** Import regions and unit grids. */
  importRegions: ['gis_editor'],
  /** Edit unit grids and boundaries on the map (split, merge, reshape, retire, create, rename, move) and drafts. */
  editGrids: ['gis_editor'],
  /** Import the component census and the address gazetteer (within the region scope). */
  importBaseData: ['gis_editor'],
  /** Link a component to a case before dispatch (the component rule then picks the department). */
  linkComponent: ['dispatcher'],
  /** Place a case on the map (one whose address could not be geocoded, or correct one) before dispatch. */
  placeCase: ['dispatcher'],
  /** Re-run assignment of open cases (limited to the caller's scope). */
  rerunAssignment: ['gis_editor', 'dispatcher'],
  /**
   * Hot spot and emerging hot spot analysis (/api/analysis/*) of the cases in the reader's scope: planners (gis_editor),
   * leaders (viewer) and dispatchers. Not public: the public heat map is the public's view of the cases.
   */
  readAnalysis: ['viewer', 'gis_editor', 'dispatcher'],
  /**
   * The evaluation (综合评价) tables and their CSV/XLSX: the roles that read reports — dispatchers (the centre), GIS
   * staff and planners, viewers (leaders). Figures come only from the cases inside the reader's region scope.
   */
  readEvaluation: ['dispatcher', 'gis_editor', 'viewer'],
  /** City-wide settings: the working calendar and the time-limit table (unscoped admins only). */
  editSettings: [],
  /** Create, change and list users (admins, within their scope). */
  manageUsers: [],
  /**
   * Case exchange (数据交换): import a history file and export cases in bulk — whole histories with staff names and
   * exact positions, for upper-level platforms and migrations (admins only; a scoped admin within the scope).
   */
  exchangeCases: [],
  /** Upload photos (POST /api/media): every signed-in role; what they may then read is decided by mediaRefusal(). */
  uploadMedia: ['viewer', 'collector', 'dispatcher', 'department_handler', 'gis_editor'],
  /** Read a photo and its thumbnail: a token is needed (never public); which ones by mediaRefusal(). */
  readMedia: ['viewer', 'collector', 'dispatcher', 'department_handler', 'gis_editor'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Every role that has a permission, admin first. */
export function rolesWith(p: Permission): Role[] {
  return ['admin', ...PERMISSIONS[p]];
}

export function hasPermission(user: User, p: Permission): boolean {
  return user.role === 'admin' || (PERMISSIONS[p] as readonly Role[]).includes(user.role);
}

/** 401 without a user, 403 without the permission; narrows the user to non-null. */
export function requirePermission(user: User | undefined, p: Permission, what: string): asserts user is User {
  if (!user) throw unauthorized(`${what} needs a bearer token (Authorization: Bearer …)`);
  if (!hasPermission(user, p)) {
    throw forbidden(`role '${user.role}' may not do this; allowed roles: ${rolesWith(p).join(', ')}`);
  }
}

// ---- region scope ----

/** The user's region scope: a code prefix, '' for everywhere. A scoped admin is scoped like anyone else. */
export const scopeOf = (user: User): string => user.regionScope;

/** True when the region code lies in the user's scope. '' (no region: outside coverage) is only in everywhere. */
export function inScope(user: User, code: string): boolean {
  return code.startsWith(user.regionScope);
}

/** SQL-side scope filter: the prefix that codes must start with ('' matches all). */
export const scopePrefix = (user: User): string => user.regionScope;

/** 403 unless every code lies inside the user's scope. `what` names the field, e.g. "area.codes". */
export function requireCodesInScope(user: User, codes: string[], what: string): void {
  const scope = scopeOf(user);
  if (!scope) return;
  const outside = codes.filter((c) => !c.startsWith(scope));
  if (outside.length) {
    throw forbidden(
      `${what}: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside your region scope ${scope}`,
    );
  }
}

/** 403 for a scoped user on something that covers everywhere. */
export function requireUnscoped(user: User, what: string): void {
  const scope = scopeOf(user);
  if (scope) throw forbidden(`${what} covers everywhere, beyond your region scope ${scope}`);
}

/** 403 unless a region ('' = everywhere) lies in the user's scope. */
export function requireRegionInScope(user: User, region: string, what: string): void {
  if (region === '') return requireUnscoped(user, what);
  requireCodesInScope(user, [region], what);
}

/**
 * 403 unless the geometry lies inside the user's scope region (within 1 m², survey noise — the importer's
 * tolerance). `geom` is an SQL expression of a valid SRID-4326 geometry; null = no location = everywhere.
 */
export async function requireGeometryInScope(
  trx: Transaction<DB>,
  user: User,
  geom: RawBuilder<unknown> | null,
  what: string,
): Promise<void> {
  const scope = scopeOf(user);
  if (!scope) return;
  if (geom === null) return requireUnscoped(user, `${what} (none given)`);
  const r = await sql<{ inside: boolean | null }>`
    with s as (
      select ST_Union(geom) as geom from (
        select geom from region where code = ${scope} and termination_date is null
        union all
        select geom from unit_grid where code = ${scope} and termination_date is null) x
    ), g as (select ${geom} as geom)
    select case when s.geom is null then false
                when ST_Dimension(g.geom) = 0 then ST_CoveredBy(g.geom, s.geom)
                else ST_CoveredBy(g.geom, s.geom) or ST_Area(ST_Difference(g.geom, s.geom)::geography) <= 1 end as inside
    from s, g`.execute(trx);
  if (!r.rows[0]?.inside) throw forbidden(`${what} lies outside your region scope ${scope}`);
}

// ---- departments, collectors ----

/** The user is a handler of this department. */
export const isOwnDepartment = (user: User, departmentCode: string | null): boolean =>
  !!user.departmentCode && user.departmentCode === departmentCode;

// ---- workflow ----

export interface ActionRule {
  label: string;
  roles: readonly Role[];
  ownDepartment?: boolean;
}

export interface CaseScope {
  id: number;
  /** The case's region code ('' outside every region). */
  region: string;
  department_code: string | null;
}

/** Why this user may not take this action on this case (role, scope, own department), or null when allowed. */
export function actionRefusal(user: User, name: string, rule: ActionRule, c: CaseScope): string | null {
  if (!inScope(user, c.region))
    return `case ${c.id} lies in ${c.region || 'no region'}, outside your region scope ${user.regionScope}`;
  if (user.role === 'admin') return null;
  if (!rule.roles.includes(user.role))
    return `role '${user.role}' may not ${name} (${rule.label}); allowed roles: ${rule.roles.join(', ')}`;
  if (rule.ownDepartment && !isOwnDepartment(user, c.department_code)) {
    return `only a handler of department ${c.department_code} may ${name} this case`;
  }
  return null;
}

// ---- media ----

/** Roles that read media not (yet) attached to a case besides its uploader: the centre's staff. */
export const MEDIA_STAFF: readonly Role[] = ['admin', 'dispatcher'];

/**
 * Why this user may not read this photo (answered as a 404, as for a case out of reach), or null when allowed.
 * - Attached to a case: as private as the case: the readCases permission and the case's region in the user's scope.
 * - Not attached: its uploader, and unscoped centre staff (admin, dispatcher) who attach and review media.
 */
export function mediaRefusal(
  user: User,
  m: { id: number; uploaded_by: number | null; case_id: number | null },
  caseRegion: string | null,
): string | null {
  if (m.case_id !== null) {
    if (hasPermission(user, 'readCases') && inScope(user, caseRegion ?? '')) return null;
    return `no media ${m.id} you may read`;
  }
  if (m.uploaded_by === user.id) return null;
  if (MEDIA_STAFF.includes(user.role) && scopeOf(user) === '') return null;
  return `no media ${m.id} you may read`;
}

// ---- who sees whom: personal data (server/auth/visibility.ts) is part of the policy ----
export {
  canSeeCollectorName,
  canSeeCollectorPhone,
  canSeeExactHeat,
  canSeeReporter,
  HEAT_PUBLIC,
  visibleActorName,
  visibleCollector,
  visibleCollectors,
  visibleReporter,
} from './visibility.js';
