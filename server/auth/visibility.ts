/**
 * Who sees whom: small pure decisions about personal data, applied where data leaves the server.
 *
 * - A collector's (监督员) phone number: roles that dispatch (dispatcher, admin).
 * - A collector's name: signed-in staff who work with collectors (admin, dispatcher, gis_editor,
 *   department_handler, collector). Viewers and anonymous readers get the collector's id and code only.
 * - A case's reporter (name, phone): dispatchers, admins and the department_handlers of the case's own department.
 *   Everyone else gets `reporter: null` and `reporter_withheld: true`.
 * - The case heat map: exact (~11 m cells, any window) for those who may see every reporter (dispatcher, admin);
 *   coarse, whole-day, minimum-period and minimum-count for everyone else (see HEAT_PUBLIC).
 * - Staff names in a case's history (event actor names) follow the collector-name rule: viewers and anonymous
 *   readers see the actor's id only (system actors such as the re-assignment keep their name; the people an imported
 *   history names — detail.imported_actor — are people).
 *
 * Departments' institutional contact and phone are public (they are an office's number, not a person's).
 */
import type { Role } from '../db/schema.js';
import type { User } from './tokens.js';

const DISPATCHING: readonly Role[] = ['admin', 'dispatcher'];
const WORKS_WITH_COLLECTORS: readonly Role[] = ['admin', 'dispatcher', 'gis_editor', 'department_handler', 'collector'];

/** May this caller see collectors' phone numbers? */
export function canSeeCollectorPhone(user: User | undefined): boolean {
  return !!user && DISPATCHING.includes(user.role);
}

/** May this caller see collectors' names (and other staff names in case histories)? */
export function canSeeCollectorName(user: User | undefined): boolean {
  return !!user && WORKS_WITH_COLLECTORS.includes(user.role);
}

/** May this caller see the reporter's name and phone of a case handled by this department? */
export function canSeeReporter(user: User | undefined, caseDepartmentCode: string | null): boolean {
  if (!user) return false;
  if (DISPATCHING.includes(user.role)) return true;
  return user.role === 'department_handler' && !!user.departmentCode && user.departmentCode === caseDepartmentCode;
}

/** May this caller see the exact heat map (every report, any window)? Only those who may see every reporter. */
export function canSeeExactHeat(user: User | undefined): boolean {
  return !!user && DISPATCHING.includes(user.role);
}

/**
 * The heat map for everyone else. A report is never shown on its own: counts are per cell of CELL_DEG degrees
 * (0.002° ≈ 220 m north–south, ≈ 200 m east–west in southern China: two unit grids across), cells with fewer than
 * MIN_COUNT reports are left out, `from`/`to` are widened to whole days in China time and the period must be at
 * least MIN_DAYS days.
 */
export const HEAT_PUBLIC = { CELL_DEG: 0.002, MIN_COUNT: 3, MIN_DAYS: 30 } as const;

export interface CollectorFields {
  id: number;
  code: string;
  name?: string;
  phone?: string;
}

/** A collector that may lack its name and phone. */
export type VisibleCollector<T extends CollectorFields> = Omit<T, 'name' | 'phone'> &
  Partial<Pick<T, 'name' | 'phone'>>;

/** A collector as this caller may see it: name and phone are left out when the caller may not see them. */
export function visibleCollector<T extends CollectorFields>(c: T, user: User | undefined): VisibleCollector<T> {
  const out: VisibleCollector<T> = { ...c };
  if (!canSeeCollectorName(user)) delete out.name;
  if (!canSeeCollectorPhone(user)) delete out.phone;
  return out;
}

/** Each collector of a list as this caller may see it. */
export function visibleCollectors<T extends CollectorFields>(list: T[], user: User | undefined): VisibleCollector<T>[] {
  return list.map((c) => visibleCollector(c, user));
}

/** The reporter of a case as this caller may see it. */
export function visibleReporter(
  reporter: Record<string, string>,
  caseDepartmentCode: string | null,
  user: User | undefined,
): { reporter: Record<string, string> | null; reporter_withheld: boolean } {
  return canSeeReporter(user, caseDepartmentCode)
    ? { reporter: reporter, reporter_withheld: false }
    : { reporter: null, reporter_withheld: true };
}

/**
 * A case-history event's actor as this caller may see it: people's names only for staff, system actors always.
 * `person`: the actor is a person though no user of this platform (a name an imported history gives).
 */
export function visibleActorName(
  actorId: number | null,
  actorName: string,
  user: User | undefined,
  person = actorId !== null,
): string | null {
  return !person || canSeeCollectorName(user) ? actorName : null;
}
