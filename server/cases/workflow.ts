/**
 * The case workflow (STANDARDS §5) as data: states, actions, who may take them, what they need and which stage
 * deadline follows. Pure; server/cases/actions.ts applies it in a transaction.
 *
 *   reported ─accept→ accepted ─file→ filed ─dispatch→ dispatched ─dispose→ disposed ─check→ checked ─close→ closed
 *      │  └request_verify→ verifying ─verify→ accepted        │  ↑  │return→ filed        └rework→ dispatched
 *      └──────────void (from reported / verifying / accepted)→ voided      park⇄unpark (parked)   urge: no move
 */
import type { Role } from '../db/schema.js';

export const STATES = [
  'reported',
  'verifying',
  'accepted',
  'filed',
  'dispatched',
  'parked',
  'disposed',
  'checked',
  'closed',
  'voided',
] as const;
export type State = (typeof STATES)[number];

export const STATE_LABEL: Record<State, string> = {
  reported: '上报',
  verifying: '待核实',
  accepted: '已受理',
  filed: '已立案',
  dispatched: '处置中',
  parked: '已挂账',
  disposed: '已处置',
  checked: '已核查',
  closed: '已结案',
  voided: '已作废',
};

export const TERMINAL: readonly State[] = ['closed', 'voided'];
export const OPEN_STATES: readonly State[] = STATES.filter((s) => !TERMINAL.includes(s));

/** The stage limit (stage_limit.stage) that runs while a case waits in a state; 'dispose' = the category's limit. */
export const STAGE_OF: Record<State, string | null> = {
  reported: 'accept',
  verifying: 'verify',
  accepted: 'file',
  filed: 'dispatch',
  dispatched: 'dispose',
  parked: null,
  disposed: 'check',
  checked: 'close',
  closed: null,
  voided: null,
};

export interface ActionDef {
  label: string;
  from: readonly State[];
  /** Target state; 'same' keeps the state (urge, reassign). */
  to: State | 'same';
  roles: readonly Role[];
  /** A note (reason, result) is required. */
  note: boolean;
  /** The handler must belong to the case's department. */
  ownDepartment?: boolean;
  /** Takes an optional/required department_code. */
  department?: 'optional' | 'required';
}

const CENTRE: Role[] = ['dispatcher'];
const OPEN_AFTER_FILING: State[] = ['accepted', 'filed', 'dispatched', 'parked', 'disposed', 'checked'];

export const ACTIONS: Record<string, ActionDef> = {
  accept: { label: '受理', from: ['reported'], to: 'accepted', roles: CENTRE, note: false },
  request_verify: { label: '核实派发', from: ['reported'], to: 'verifying', roles: CENTRE, note: false },
  verify: { label: '核实反馈', from: ['verifying'], to: 'accepted', roles: ['collector', 'dispatcher'], note: true },
  void: { label: '作废', from: ['reported', 'verifying', 'accepted'], to: 'voided', roles: CENTRE, note: true },
  file: { label: '立案', from: ['accepted'], to: 'filed', roles: CENTRE, note: false },
  dispatch: { label: '派遣', from: ['filed'], to: 'dispatched', roles: CENTRE, note: false, department: 'optional' },
  reassign: { label: '改派', from: ['dispatched'], to: 'same', roles: CENTRE, note: true, department: 'required' },
  return: {
    label: '回退',
    from: ['dispatched'],
    to: 'filed',
    roles: ['department_handler'],
    note: true,
    ownDepartment: true,
  },
  dispose: {
    label: '处置反馈',
    from: ['dispatched'],
    to: 'disposed',
    roles: ['department_handler'],
    note: true,
    ownDepartment: true,
  },
  park: { label: '挂账', from: ['dispatched'], to: 'parked', roles: CENTRE, note: true },
  unpark: { label: '解除挂账', from: ['parked'], to: 'dispatched', roles: CENTRE, note: false },
  urge: { label: '督办', from: OPEN_AFTER_FILING, to: 'same', roles: CENTRE, note: true },
  check: { label: '核查通过', from: ['disposed'], to: 'checked', roles: ['collector', 'dispatcher'], note: false },
  rework: { label: '返工', from: ['disposed'], to: 'dispatched', roles: ['collector', 'dispatcher'], note: true },
  close: { label: '结案', from: ['checked'], to: 'closed', roles: CENTRE, note: false },
};

export const ACTION_NAMES = Object.keys(ACTIONS);

/** Actions the state allows, whoever asks. */
export function actionsFrom(state: string): string[] {
  return ACTION_NAMES.filter((a) => ACTIONS[a].from.includes(state as State));
}

/** What a workflow action changes on a case (besides its history and counters). */
export interface CaseClock {
  state: State;
  department_code: string | null;
  /** The deadline of the stage the case waits in (STAGE_OF). */
  stage_deadline: Date | null;
  /** The disposal deadline of the current dispatch. */
  dispose_deadline: Date | null;
  parked_from: string | null;
}

/**
 * The case after `action` (legal from c.state, checked by the caller): its state, department (`department`: the
 * one the action names, else the case keeps its own), clocks and whether it is finished (closed or voided).
 * `deadlineOf(stage)` is the deadline of a stage that starts now (null: no clock). A clock restarts on every move;
 * urge (督办) leaves it running. The disposal clock belongs to a dispatch: set on (re)dispatch, dropped when the case
 * goes back to the centre. Pure: server/cases/actions.ts applies it, server/exchange replays imported histories.
 */
export function transition(
  c: CaseClock,
  action: string,
  department: string | null,
  deadlineOf: (stage: string | null) => Date | null,
): CaseClock & { finished: boolean } {
  const def = ACTIONS[action];
  const to: State = def.to === 'same' ? c.state : def.to;
  const stage = action === 'urge' ? c.stage_deadline : deadlineOf(STAGE_OF[to]);
  return {
    state: to,
    department_code: department ?? c.department_code,
    stage_deadline: stage,
    dispose_deadline: to === 'dispatched' && action !== 'urge' ? stage : to === 'filed' ? null : c.dispose_deadline,
    parked_from: action === 'park' ? c.state : to === 'parked' ? c.parked_from : null,
    finished: TERMINAL.includes(to),
  };
}

/** The action starts a stage with its own deadline (a legacy platform's `deadline` may be given for it). */
export const startsStage = (action: string, from: State): boolean => {
  const def = ACTIONS[action];
  return action !== 'urge' && STAGE_OF[def.to === 'same' ? from : def.to] !== null;
};
