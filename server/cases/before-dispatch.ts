/**
 * Changes a dispatcher makes to a case before it is dispatched (关联部件, 定位): the case is locked, checked against the
 * region scope and If-Match, refused once dispatched (moving work then is 改派's job), and assigned again; the new
 * assignment is written with the same columns whatever changed it.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { inScope } from '../auth/policy.js';
import type { Assignment } from '../assign/assign.js';
import { requireMatch } from '../db/write.js';
import { conflict, notFound } from '../http/problem.js';
import { STATE_LABEL, type State } from './workflow.js';

/** States in which the department still follows the assignment. */
export const BEFORE_DISPATCH: State[] = ['reported', 'verifying', 'accepted', 'filed'];

export interface UndispatchedCase {
  state: State;
  lon: number | null;
  lat: number | null;
  category_kind: 'component' | 'matter';
  category_code: string;
  component_code: string | null;
  needs_location: boolean;
  version: number;
}

/**
 * Lock case `id` for a change named by `doing` ("link components", "place it"). An unplaced case belongs to no region
 * yet: only unscoped (city-wide) staff reach it.
 */
export async function lockUndispatched(
  trx: Transaction<DB>,
  id: number,
  user: User,
  ifMatch: string[] | undefined,
  doing: string,
): Promise<UndispatchedCase> {
  const c = (
    await sql<UndispatchedCase & { region: string }>`
      select state, lon, lat, category_kind, category_code, component_code, needs_location, version,
        coalesce(grid_code, community_code, street_code, district_code, '') as region
      from case_record where id = ${id} for update`.execute(trx)
  ).rows[0];
  if (!c || !inScope(user, c.region)) throw notFound(`no case ${id} in your region scope`);
  requireMatch(ifMatch, c.version, `case ${id}`);
  if (!BEFORE_DISPATCH.includes(c.state))
    throw conflict(
      `a case in state ${c.state} (${STATE_LABEL[c.state]}) has been dispatched: ${doing} before dispatch; use 改派 (reassign) to move the work`,
      { state: c.state },
    );
  return c;
}

/** The columns an assignment sets on a case (with the version bump), for an `update case_record set …`. */
export function assignmentColumns(a: Assignment, now: Date) {
  return sql`department_code = ${a.department?.code ?? null}, rule_id = ${a.matched.rule_id ?? null},
    rule_version = ${a.matched.rule_version ?? null}, assignment = ${JSON.stringify(a)}::jsonb,
    assignment_version = ${a.version}, version = version + 1, updated_at = ${now}`;
}
