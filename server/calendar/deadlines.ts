/**
 * Stage deadlines in working time: the calendar plus the stage limits and the category's disposal limit. Stages are
 * named as in stage_limit ('accept', 'verify', 'file', 'dispatch', 'check', 'close') plus 'dispose' (the category's
 * time limit); the workflow maps its states to them (cases/workflow.ts STAGE_OF).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { disposalLimit, stageLimits, type AreaClass, type TimeLimit } from '../categories/catalog.js';
import { loadCalendar } from './store.js';

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
    loadCalendar(db),
    stageLimits(db),
    disposalLimit(db, c.kind, c.code, c.condition, c.areaClass),
  ]);
  return { calendar, stages, limit, disposeMinutes: (limit?.hours ?? DEFAULT_DISPOSE_HOURS) * 60 };
}

/** The deadline of `stage` when it starts at `from` (null: no stage, or no clock runs). */
export function stageDeadline(d: Deadlines, stage: string | null, from: Date): Date | null {
  if (!stage) return null;
  const minutes = stage === 'dispose' ? d.disposeMinutes : d.stages[stage];
  if (!minutes) return null;
  return d.calendar.addWorkingMinutes(from, minutes);
}
