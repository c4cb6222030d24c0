/** Stage deadlines in working time: the calendar plus the stage limits and the category's disposal limit. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { loadCalendar } from '../calendar/store.js';
import { disposalLimit, stageLimits, type AreaClass, type TimeLimit } from '../categories/catalog.js';
import { STAGE_OF, type State } from './workflow.js';

/** Fallback disposal limit when the time-limit table has no row at all (it ships with a '*' row). */
const DEFAULT_DISPOSE_HOURS = 40;

export interface DeadlineContext {
  kind: string;
  code: string;
  condition: string;
  areaClass: AreaClass;
}

export interface Deadlines {
  calendar: Awaited<ReturnType<typeof loadCalendar>>;
  stages: Record<string, number>;
  limit: TimeLimit | undefined;
  disposeMinutes: number;
}

export async function deadlineRules(db: Kysely<DB>, c: DeadlineContext): Promise<Deadlines> {
  const [calendar, stages, limit] = await Promise.all([
    loadCalendar(db), stageLimits(db), disposalLimit(db, c.kind, c.code, c.condition, c.areaClass),
  ]);
  return { calendar, stages, limit, disposeMinutes: (limit?.hours ?? DEFAULT_DISPOSE_HOURS) * 60 };
}

/** The deadline of the stage that starts at `from` when a case enters `state` (null: no clock runs). */
export function stageDeadline(d: Deadlines, state: State, from: Date): Date | null {
  const stage = STAGE_OF[state];
  if (!stage) return null;
  const minutes = stage === 'dispose' ? d.disposeMinutes : d.stages[stage];
  if (!minutes) return null;
  return d.calendar.addWorkingMinutes(from, minutes);
}
