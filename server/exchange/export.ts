/**
 * Export of cases in the exchange format (format.ts), in case_no order (byte order of the text, COLLATE "C"): the
 * ids first (one sorted query), then the cases and their histories in batches, rendered line by line — memory stays
 * bounded by a batch whatever the period.
 *
 * What is written: the report as received (no reporter name or phone: the format has none; no photos), its
 * position as it was given (input CRS and coordinates; null while a report waits to be placed), and the workflow
 * events (the actions of server/cases/workflow.ts; intake's report event, re-assessments, placing and component
 * links are not events of the format). An event's department_code is the department a dispatch or reassign sent
 * the case to — replayed from the history, since a live dispatch to the assigned department records no change —
 * and its deadline the one stored for the stage it started.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { ACTIONS, startsStage, type State } from '../cases/workflow.js';
import type { CrsName } from '../geo/crs.js';
import { canonicalEvent, chinaTime, renderCase, type ExchangeCase } from './format.js';

export interface ExportFilter {
  /** reported_at in [from, to) (either may be absent). */
  from?: Date;
  to?: Date;
  /** Region-code prefix of the reader's scope ('' = everywhere). */
  scope: string;
}

/** Cases per query when reading them. */
export const EXPORT_BATCH = 1000;

/** The ids of the cases to export, in case_no order. */
export async function exportIds(db: Kysely<DB>, f: ExportFilter): Promise<number[]> {
  const r = await sql<{ id: number }>`
    select c.id::float8 as id from case_record c
    where ${f.from ? sql`c.reported_at >= ${f.from}` : sql`true`}
      and ${f.to ? sql`c.reported_at < ${f.to}` : sql`true`}
      and ${f.scope ? sql`starts_with(coalesce(c.grid_code, c.community_code, c.street_code, c.district_code, ''), ${f.scope})` : sql`true`}
    order by c.case_no collate "C"`.execute(db);
  return r.rows.map((x) => x.id);
}

interface CaseRow {
  id: number;
  case_no: string;
  channel: string;
  category_kind: string;
  category_code: string;
  condition: string;
  description: string;
  address: string;
  input_lon: number | null;
  input_lat: number | null;
  input_crs: CrsName;
  needs_location: boolean;
  reported_at: Date;
  collector_code: string | null;
}

interface EventRow {
  case_id: number;
  action: string;
  at: Date;
  actor_name: string;
  note: string;
  deadline: Date | null;
  from_state: string | null;
  detail: Record<string, unknown>;
}

/** The cases with these ids in the exchange format, in the order of `ids` (unknown ids are skipped). */
export async function exportCases(db: Kysely<DB>, ids: number[]): Promise<ExchangeCase[]> {
  if (ids.length === 0) return [];
  const cases = await sql<CaseRow>`
    select c.id::float8 as id, c.case_no, c.channel, c.category_kind, c.category_code, c.condition, c.description,
      c.address, c.input_lon, c.input_lat, c.input_crs, c.needs_location, c.reported_at, c.collector_code
    from case_record c where c.id = any(${ids}::bigint[])`.execute(db);
  const events = await sql<EventRow>`
    select e.case_id::float8 as case_id, e.action, e.at, e.actor_name, e.note, e.deadline, e.from_state, e.detail
    from case_event e where e.case_id = any(${ids}::bigint[])
    order by e.case_id, e.id`.execute(db);
  const history = new Map<number, EventRow[]>();
  for (const e of events.rows) {
    let list = history.get(e.case_id);
    if (!list) history.set(e.case_id, (list = []));
    list.push(e);
  }
  const byId = new Map(cases.rows.map((c) => [c.id, c]));
  const out: ExchangeCase[] = [];
  for (const id of ids) {
    const c = byId.get(id);
    if (c) out.push(toExchange(c, history.get(id) ?? []));
  }
  return out;
}

function toExchange(c: CaseRow, history: EventRow[]): ExchangeCase {
  const events: ExchangeCase['events'] = [];
  // The case's department as the history moved it: intake's assignment, placing, component links, re-assessments
  // before dispatch, dispatches and reassignments.
  let department: string | null = null;
  for (const e of history) {
    const d = e.detail ?? {};
    if ('department_to' in d) department = (d.department_to as string | null) ?? null;
    else if ('department' in d) department = (d.department as string | null) ?? null;
    const def = ACTIONS[e.action];
    if (!def) continue;
    events.push(
      canonicalEvent({
        action: e.action,
        at: new Date(e.at),
        actor: e.actor_name,
        department_code: def.department ? department : null,
        note: e.note,
        deadline: startsStage(e.action, e.from_state as State) ? e.deadline && new Date(e.deadline) : null,
      }),
    );
  }
  return {
    case_no: c.case_no,
    channel: c.channel,
    category: `${c.category_kind}:${c.category_code}`,
    condition: c.condition || null,
    description: c.description,
    location:
      c.needs_location || c.input_lon === null || c.input_lat === null
        ? null
        : { lon: c.input_lon, lat: c.input_lat, crs: c.input_crs },
    address: c.address,
    reported_at: chinaTime(new Date(c.reported_at)),
    collector_code: c.collector_code,
    events,
  };
}

/** The export as lines (each with its newline), batch by batch. */
export async function* exportLines(db: Kysely<DB>, f: ExportFilter, batch = EXPORT_BATCH): AsyncGenerator<string> {
  const ids = await exportIds(db, f);
  for (let i = 0; i < ids.length; i += batch) {
    const cases = await exportCases(db, ids.slice(i, i + batch));
    yield cases.map((c) => `${renderCase(c)}\n`).join('');
  }
}
