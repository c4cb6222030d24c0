/**
 * The workflow as the server describes it (`GET /api/workflow`): state and action labels, which actions need a note
 * or name a department, and which roles act at all. Nothing here is retyped from the server's tables.
 */
import { fetchWorkflow, type WorkflowData } from '../api.js';

/**
 * History events that are not workflow actions (`/api/workflow` lists actions only): intake, re-assignment, placing
 * a case (定位) and linking a component (关联部件).
 */
const EVENT_LABELS: Record<string, string> = {
  report: '上报',
  reassess: '重新分配',
  locate: '定位',
  link_component: '关联部件',
};

export interface Workflow {
  stateLabel(state: string): string;
  actionLabel(action: string): string;
  /** The action needs a note (说明). */
  needsNote(action: string): boolean;
  /** The action names a department (派遣 defaults to the assigned one, 改派 must name another). */
  namesDepartment(action: string): boolean;
  /** Whether users of this role act on cases at all (others see the queue read-only). Admins may take every action. */
  acts(role: string): boolean;
}

export function workflowOf(data: WorkflowData): Workflow {
  const states = new Map(data.states.map((s) => [s.state, s.label]));
  const actions = new Map(data.actions.map((a) => [a.action, a]));
  const roles = new Set(['admin', ...data.actions.flatMap((a) => a.roles)]);
  return {
    stateLabel: (s) => states.get(s) ?? s,
    actionLabel: (a) => actions.get(a)?.label ?? EVENT_LABELS[a] ?? a,
    needsNote: (a) => !!actions.get(a)?.note,
    namesDepartment: (a) => !!actions.get(a)?.department,
    acts: (role) => roles.has(role),
  };
}

export const loadWorkflow = async (): Promise<Workflow> => workflowOf(await fetchWorkflow());
