/**
 * The replay's state: one simulated case per planned report, the event queue in (time, case, sequence) order, the
 * system actors and the timing helpers (working time, centre delays) that the steps (steps.ts) use, and the planning
 * of a case's disposal once it is with a department.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import TinyQueue from 'tinyqueue';
import type { User } from '../../auth/tokens.js';
import type { WorkCalendar } from '../../calendar/calendar.js';
import { applyAction } from '../../cases/actions.js';
import type { DB } from '../../db/schema.js';
import { between, logNormal, stream, type Rng } from '../prng.js';
import type { City, Grid } from './city.js';
import type { Library } from './library.js';
import type { DispatchParams } from './params.js';
import type { Report } from './reports.js';

export type Step =
  | 'intake'
  | 'accept'
  | 'request_verify'
  | 'verify'
  | 'void'
  | 'file'
  | 'dispatch'
  | 'return'
  | 'reassign'
  | 'park'
  | 'unpark'
  | 'urge'
  | 'dispose'
  | 'check'
  | 'rework'
  | 'close';

/** One simulated case: its report, its own random stream and what has happened to it so far. */
export interface Sim {
  i: number;
  rng: Rng;
  r: Report;
  id: number;
  department: string | null;
  street: string | null;
  duplicates: number;
  reworks: number;
  returned: boolean;
  reassigned: boolean;
  parked: boolean;
  /** The planned disposal (after an urge). */
  disposeAt?: number;
  late?: boolean;
  next?: ActionInput;
}

export interface Event {
  t: number;
  i: number;
  seq: number;
  step: Step;
}

export type ActionInput = { action: string; note?: string; department_code?: string };

/** What the replay works with, built once by createTimeline(). */
export interface Timeline {
  db: Kysely<DB>;
  city: City;
  lib: Library;
  calendar: WorkCalendar;
  W: DispatchParams['workflow'];
  /** The story's late department (params.ts StoryParams.late). */
  late: DispatchParams['story']['late'];
  /** stage → its limit in working minutes */
  stageMinutes: Record<string, number>;
  /** `kind:code` → category name */
  categoryName: Map<string, string>;
  sims: Sim[];
  queue: TinyQueue<Event>;
  /** The next event's sequence number (ties between events of one case at one instant keep their order). */
  seq: number;
  /** Calls of intakeCase() and applyAction() so far. */
  applied: number;
}

export function createTimeline(
  base: Omit<Timeline, 'sims' | 'queue' | 'seq' | 'applied'>,
  reports: Report[],
  seed: number,
): Timeline {
  const sims: Sim[] = reports.map((r, i) => ({
    i,
    rng: stream(seed, `case:${i}`),
    r,
    id: 0,
    department: null,
    street: null,
    duplicates: 0,
    reworks: 0,
    returned: false,
    reassigned: false,
    parked: false,
  }));
  // Events in (time, case, sequence) order: seq is unique, so the order is total.
  const queue = new TinyQueue<Event>([], (x, y) => x.t - y.t || x.i - y.i || x.seq - y.seq);
  const tl: Timeline = { ...base, sims, queue, seq: 0, applied: 0 };
  for (const s of sims) schedule(tl, s, 'intake', s.r.t);
  return tl;
}

export function schedule(tl: Timeline, s: Sim, step: Step, t: number): void {
  tl.queue.push({ t, i: s.i, seq: tl.seq++, step });
}

/** A system actor: no app_user row; role admin so that one actor may take each step. */
export const actor = (name: string, role: User['role'] = 'admin'): User => ({
  id: null as unknown as number,
  name,
  role,
  regionScope: '',
  departmentCode: null,
});
export const staff = (tl: Timeline, k: string) => actor(tl.W.staff[k] ?? '指挥中心');
export const collectorOf = (tl: Timeline, g: Grid | undefined) => {
  const area = g ? tl.lib.areaOfGrid.get(g.code) : undefined;
  return area === undefined ? undefined : tl.lib.collectors[tl.lib.areaCollectors[area][0]];
};
export const deptName = (tl: Timeline, code: string | null) =>
  code ? (tl.lib.departments.get(code)?.name ?? code) : '指挥中心';

/** Where a wrongly dispatched case goes instead: the department's alternative, else the street office or the centre. */
export function alternative(tl: Timeline, s: Sim): string {
  const office = s.street ? tl.lib.streetOffice.get(s.street) : undefined;
  const isOffice = !!s.department && [...tl.lib.streetOffice.values()].includes(s.department);
  const alt = tl.W.alternatives[isOffice ? 'street' : (s.department ?? 'JK')] ?? 'street';
  const code = alt === 'street' ? (office ?? 'JK') : alt;
  return code === s.department ? 'JK' : code;
}

/** `minutes` working minutes after t (centre and departments work in the calendar's working time). */
export const work = (tl: Timeline, t: number, minutes: number) =>
  tl.calendar.addWorkingMinutes(new Date(t), Math.max(0, minutes)).getTime() + 1000;

/** A centre stage: usually well inside its limit, sometimes slow. */
export function centreDelay(tl: Timeline, s: Sim, stage: string): number {
  const limit = tl.stageMinutes[stage] ?? 30;
  return s.rng() < tl.W.slowCentreShare ? between(s.rng, 1.05, 3) * limit : between(s.rng, 0.1, 0.85) * limit;
}

/** The case's row as the service left it. */
export async function caseRow(tl: Timeline, id: number) {
  return (
    await sql<{
      stage_deadline: Date | null;
      department_code: string | null;
      street_code: string | null;
      duplicates: unknown[];
    }>`select stage_deadline, department_code, street_code, duplicates from case_record where id = ${id}`.execute(tl.db)
  ).rows[0];
}

/** One workflow step through the real code, at the simulated instant t. */
export async function act(tl: Timeline, s: Sim, t: number, input: ActionInput, user: User): Promise<void> {
  await applyAction(tl.db, s.id, input, user, { now: new Date(t) });
  tl.applied++;
}

/** The shares of late disposals and of reworks of the case's department: the story's late one has its own. */
export const lateShares = (tl: Timeline, s: Sim) =>
  s.department === tl.late.department
    ? { dispose: tl.late.lateDisposeShare, rework: tl.late.reworkShare }
    : { dispose: tl.W.lateDisposeShare, rework: tl.W.reworkShare };

/** Plans the disposal (on time or late, maybe urged first) after the case entered 'dispatched' at t. */
export async function planDisposal(tl: Timeline, s: Sim, t: number): Promise<void> {
  const W = tl.W;
  const c = await caseRow(tl, s.id);
  s.department = c.department_code;
  const deadline = c.stage_deadline ? new Date(c.stage_deadline).getTime() : work(tl, t, 16 * 60);
  const limit = Math.max(30, tl.calendar.workingMinutesBetween(new Date(t), new Date(deadline)));
  s.late = s.rng() < lateShares(tl, s).dispose;
  const minutes = s.late
    ? limit * between(s.rng, 1.05, 2.2) + between(s.rng, 20, 240)
    : limit * Math.min(0.97, logNormal(s.rng, 0.45, 0.6));
  s.disposeAt = work(tl, t, minutes);
  if (!s.parked && s.rng() < W.parkShare) return schedule(tl, s, 'park', work(tl, t, between(s.rng, 30, 600)));
  if (!s.returned && s.rng() < W.returnShare) return schedule(tl, s, 'return', work(tl, t, between(s.rng, 10, 180)));
  if (!s.reassigned && s.rng() < W.reassignShare && alternative(tl, s) !== s.department) {
    return schedule(tl, s, 'reassign', work(tl, t, between(s.rng, 10, 120)));
  }
  if (s.late && s.rng() < W.urgeLateShare) {
    const urgeAt = work(tl, deadline, between(s.rng, 10, 240));
    if (urgeAt < s.disposeAt) return schedule(tl, s, 'urge', urgeAt);
  }
  schedule(tl, s, 'dispose', s.disposeAt);
}
