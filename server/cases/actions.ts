/**
 * Applying a workflow action through the write path: lock the case, check the version the actor saw (If-Match),
 * the state, and — in the policy — role, scope and department; move it, set the new stage deadline and append the
 * event, all in one transaction. History rows are never edited (a trigger refuses).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { actionRefusal, inScope } from '../auth/policy.js';
import { requireMatch, write } from '../db/write.js';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../http/problem.js';
import type { AreaClass } from '../categories/catalog.js';
import { deadlineRules, stageDeadline } from '../calendar/deadlines.js';
import { ACTIONS, STATE_LABEL, actionsFrom, transition, type State } from './workflow.js';

export interface ActionInput {
  action: string;
  note?: string;
  department_code?: string;
}

export interface CaseRow {
  id: number;
  state: State;
  department_code: string | null;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  district_code: string | null;
  category_kind: string;
  category_code: string;
  condition: string;
  area_class: string;
  parked_from: string | null;
  dispose_deadline: Date | null;
  stage_deadline: Date | null;
  version: number;
  /** An unplaced report (address not geocoded): no 核实派发, 立案 or 派遣 until a dispatcher places it. */
  needs_location: boolean;
}

/** Actions that wait for a position. */
export const NEED_POSITION = ['request_verify', 'file', 'dispatch'];

/** The code a user's region scope is checked against ('' when the case lies outside every region). */
export const caseRegion = (c: Pick<CaseRow, 'grid_code' | 'community_code' | 'street_code' | 'district_code'>) =>
  c.grid_code ?? c.community_code ?? c.street_code ?? c.district_code ?? '';

export function allowedActions(c: CaseRow, user: User | undefined): string[] {
  if (!user || !inScope(user, caseRegion(c))) return [];
  return actionsFrom(c.state).filter(
    (a) =>
      !(c.needs_location && NEED_POSITION.includes(a)) &&
      actionRefusal(user, a, ACTIONS[a], { id: c.id, region: caseRegion(c), department_code: c.department_code }) ===
        null,
  );
}

export interface ActionOptions {
  /** The simulated clock (the demo replays a year through this code). Default: now. */
  now?: Date;
  /** The case versions the actor saw (If-Match); a stale one is a 412 and nothing changes. */
  ifMatch?: string[];
}

export async function applyAction(
  db: Kysely<DB>,
  id: number,
  input: ActionInput,
  user: User,
  opts: ActionOptions = {},
): Promise<void> {
  const def = ACTIONS[input.action];
  if (!def) throw badRequest(`unknown action '${input.action}'; actions: ${Object.keys(ACTIONS).join(', ')}`);
  const now = opts.now ?? new Date();
  await write(db, { actor: user, layers: ['cases'] }, async (trx) => {
    const c = (
      await sql<CaseRow>`select id, state, department_code, grid_code, community_code, street_code, district_code, category_kind,
        category_code, condition, area_class, parked_from, dispose_deadline, stage_deadline, version, needs_location
      from case_record where id = ${id} for update`.execute(trx)
    ).rows[0];
    if (!c) throw notFound(`no case ${id}`);
    const scope = { id, region: caseRegion(c), department_code: c.department_code };
    if (!inScope(user, scope.region)) throw forbidden(actionRefusal(user, input.action, def, scope)!);
    requireMatch(opts.ifMatch, c.version, `case ${id}`);
    if (!def.from.includes(c.state)) {
      const allowed = actionsFrom(c.state);
      throw conflict(
        `a case in state ${c.state} (${STATE_LABEL[c.state]}) cannot take action '${input.action}'; allowed: ${allowed.join(', ') || 'none (the case is finished)'}`,
        { state: c.state, allowed_actions: allowed },
      );
    }
    if (c.needs_location && NEED_POSITION.includes(input.action))
      throw conflict(
        `case ${id} has no position yet (its address could not be placed): place it first with POST /api/cases/${id}/location`,
        { state: c.state, needs_location: true },
      );
    const refusal = actionRefusal(user, input.action, def, scope);
    if (refusal) throw forbidden(refusal);
    const errors: { location: string; message: string }[] = [];
    const note = input.note?.trim() ?? '';
    if (def.note && !note)
      errors.push({
        location: 'body.note',
        message: `action '${input.action}' (${def.label}) needs a note saying why or what was done`,
      });
    let department = c.department_code;
    if (def.department === 'required' && !input.department_code)
      errors.push({
        location: 'body.department_code',
        message: `action '${input.action}' needs the department_code to send the case to`,
      });
    if (input.department_code && def.department) {
      const d = await trx
        .selectFrom('department')
        .select('code')
        .where('code', '=', input.department_code)
        .executeTakeFirst();
      if (!d)
        errors.push({ location: 'body.department_code', message: `unknown department '${input.department_code}'` });
      else if (input.action === 'reassign' && d.code === c.department_code)
        errors.push({ location: 'body.department_code', message: `the case is already with ${d.code}` });
      department = input.department_code;
    } else if (input.department_code) {
      errors.push({ location: 'body.department_code', message: `action '${input.action}' takes no department_code` });
    }
    if (def.department && !department)
      errors.push({
        location: 'body.department_code',
        message: 'the case has no responsible department; name one with department_code',
      });
    if (errors.length) throw unprocessable(errors.map((e) => e.message).join('; '), { errors });

    const rules = await deadlineRules(trx, {
      kind: c.category_kind,
      code: c.category_code,
      condition: c.condition,
      areaClass: c.area_class as AreaClass,
    });
    const next = transition(c, input.action, department, (stage) => stageDeadline(rules, stage, now));
    const to = next.state;
    const stage = next.stage_deadline;
    await sql`update case_record set
        state = ${to}, department_code = ${next.department_code}, stage_deadline = ${stage},
        dispose_deadline = ${next.dispose_deadline}, parked_from = ${next.parked_from},
        -- a re-assignment's proposal is settled once the case is with that department
        assignment = case when assignment->>'proposed_department' = ${department} then assignment - 'proposed_department' else assignment end,
        urge_count = urge_count + ${input.action === 'urge' ? 1 : 0},
        rework_count = rework_count + ${input.action === 'rework' ? 1 : 0},
        closed_at = ${next.finished ? now : null}, updated_at = ${now}, version = version + 1
      where id = ${id}`.execute(trx);
    return {
      result: undefined,
      caseEvent: {
        case_id: id,
        at: now,
        action: input.action,
        from_state: c.state,
        to_state: to,
        note,
        deadline: stage,
        detail:
          department !== c.department_code ? { department_from: c.department_code, department_to: department } : {},
      },
    };
  });
}
