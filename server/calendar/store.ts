/** The working calendar in the database: one row work_calendar(id = 1), read on every call, parsed once per edit. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { bumpVersion, lockVersion, write, type Actor } from '../db/write.js';
import { unprocessable } from '../http/problem.js';
import { WorkCalendar, validateCalendar, type CalendarDefinition } from './calendar.js';

export interface StoredCalendar {
  definition: CalendarDefinition;
  /** ISO 8601 UTC. */
  updated_at: string;
  /** Bumped by every edit; the API's ETag. */
  version: number;
}

/** Per database handle: the last parsed calendar and the exact updated_at text it was parsed at. */
const memo = new WeakMap<Kysely<DB>, { stamp: string; calendar: WorkCalendar }>();

/**
 * The current WorkCalendar. Each call reads only the row's updated_at (as exact text, microseconds included); the
 * definition is fetched and parsed again only when that changed.
 */
export async function loadCalendar(db: Kysely<DB>): Promise<WorkCalendar> {
  const r = await sql<{ stamp: string }>`select updated_at::text as stamp from work_calendar where id = 1`.execute(db);
  if (r.rows.length === 0) throw new Error('the work_calendar row is missing; run the migrations (npm run migrate)');
  const cached = memo.get(db);
  if (cached && cached.stamp === r.rows[0].stamp) return cached.calendar;
  const row = await readRow(db);
  const calendar = WorkCalendar.from(row.definition);
  memo.set(db, { stamp: row.stamp, calendar });
  return calendar;
}

/** The stored definition and when it was last changed. */
export async function readCalendar(db: Kysely<DB>): Promise<StoredCalendar> {
  const row = await readRow(db);
  return { definition: row.definition, updated_at: row.updated_at.toISOString(), version: row.version };
}

async function readRow(db: Kysely<DB>, forUpdate = false) {
  const r = await sql<{ definition: CalendarDefinition; updated_at: Date; stamp: string; version: number }>`
    select definition, updated_at, updated_at::text as stamp, version from work_calendar where id = 1
    ${forUpdate ? sql`for update` : sql``}`.execute(db);
  if (r.rows.length === 0) throw new Error('the work_calendar row is missing; run the migrations (npm run migrate)');
  const row = r.rows[0];
  // jsonb comes back parsed on both drivers; be tolerant of text anyway.
  if (typeof row.definition === 'string') row.definition = JSON.parse(row.definition);
  return row;
}

/**
 * Replaces the whole definition. Invalid → 422 with every problem (locations as body.<path>). Writes the row
 * (updated_at = now(), version + 1) and an audit_event (action 'update', entity 'calendar', detail = what changed)
 * through the write path; a stale If-Match is a 412. Returns the stored definition.
 */
export async function saveCalendar(
  db: Kysely<DB>,
  def: unknown,
  actor: Actor,
  ifMatch?: string[],
): Promise<StoredCalendar> {
  const problems = validateCalendar(def);
  if (problems.length > 0) {
    const errors = problems.map((p) => ({ location: p.location ? `body.${p.location}` : 'body', message: p.message }));
    throw unprocessable(`the working calendar is not valid: ${problems.map((p) => p.message).join('; ')}`, { errors });
  }
  const next = def as CalendarDefinition;
  return write(db, { actor }, async (trx) => {
    await lockVersion(trx, 'work_calendar', 1, ifMatch);
    const before = await readRow(trx, true);
    const r = await sql<{ updated_at: Date }>`update work_calendar set definition = ${JSON.stringify(next)}::jsonb,
      updated_at = now() where id = 1 returning updated_at`.execute(trx);
    const version = await bumpVersion(trx, 'work_calendar', 1);
    return {
      result: { definition: next, updated_at: r.rows[0].updated_at.toISOString(), version },
      action: 'update',
      entity: 'calendar',
      key: '1',
      detail: changes(before.definition, next),
    };
  });
}

/** A compact summary of an edit for the audit trail. */
function changes(before: CalendarDefinition, after: CalendarDefinition) {
  const dates = (l: { date: string }[] | undefined) => new Set((l ?? []).map((e) => e.date));
  const diff = (a: Set<string>, b: Set<string>) => [...b].filter((d) => !a.has(d)).sort();
  const [hb, ha, wb, wa] = [
    dates(before.holidays),
    dates(after.holidays),
    dates(before.workdays),
    dates(after.workdays),
  ];
  return {
    utc_offset_minutes:
      before.utc_offset_minutes === after.utc_offset_minutes
        ? after.utc_offset_minutes
        : { from: before.utc_offset_minutes, to: after.utc_offset_minutes },
    weekdays_changed: JSON.stringify(before.weekdays) !== JSON.stringify(after.weekdays),
    holidays_added: diff(hb, ha),
    holidays_removed: diff(ha, hb),
    workdays_added: diff(wb, wa),
    workdays_removed: diff(wa, wb),
  };
}
