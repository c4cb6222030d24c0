/**
 * One line of an exchange file checked and replayed: its shape (format.ts), its references (category, collector,
 * departments) and its history through the workflow table (server/cases/workflow.ts) — every action legal from
 * the state the previous one left, times non-decreasing and not before reported_at, nothing in the future, notes
 * and departments where the workflow asks for them. The replay gives the case's final state and clocks and every
 * event's deadline: the one the line gives, else the working calendar's and the time limits' as the live workflow
 * computes them (transition() and stageDeadline(), not a copy). The disposal limit depends on the area class,
 * known only once the case is placed: the disposal deadlines are worked out for classes A, B and C and the stored
 * ones picked after placement.
 */
import { sql, type Kysely } from 'kysely';
import type { CategoryKind, DB } from '../db/schema.js';
import type { AreaClass } from '../categories/catalog.js';
import { deadlineRules, stageDeadline, type Deadlines } from '../calendar/deadlines.js';
import { toWgs84, type CrsName } from '../geo/crs.js';
import { edgeProblems } from '../http/sanitize.js';
import { check } from '../http/validate.js';
import { HttpError } from '../http/problem.js';
import { NEED_POSITION } from '../cases/actions.js';
import {
  ACTIONS,
  STAGE_OF,
  STATE_LABEL,
  actionsFrom,
  startsStage,
  transition,
  type CaseClock,
} from '../cases/workflow.js';
import { canonicalEvent, chinaTime, LINE_SCHEMA, type ExchangeCase, type Line } from './format.js';

export const CLASSES: AreaClass[] = ['A', 'B', 'C'];
/** A value per area class A, B, C. */
export type PerClass<T> = [T, T, T];

export interface ExchangeContext {
  /** `kind:code` (and legacy 4-digit keys) → the dictionary entry. */
  categories: Map<string, { kind: CategoryKind; code: string }>;
  collectors: Set<string>;
  departments: Set<string>;
  /** Nothing may happen after this instant. */
  now: Date;
  rules(kind: string, code: string, condition: string, areaClass: AreaClass): Promise<Deadlines>;
}

export async function loadContext(db: Kysely<DB>, now: Date): Promise<ExchangeContext> {
  const categories = new Map<string, { kind: CategoryKind; code: string }>();
  const cats = await sql<{ kind: CategoryKind; code: string; legacy_codes: string[] }>`
    select kind, code, legacy_codes from category order by kind, code desc`.execute(db);
  // Legacy 4-digit codes (matter:0110 or matter:01-10); where two classes list one, the lower code wins.
  for (const c of cats.rows)
    for (const l of c.legacy_codes) {
      categories.set(`${c.kind}:${l}`, { kind: c.kind, code: c.code });
      categories.set(`${c.kind}:${l.slice(0, 2)}-${l.slice(2)}`, { kind: c.kind, code: c.code });
    }
  for (const c of cats.rows) categories.set(`${c.kind}:${c.code}`, { kind: c.kind, code: c.code });
  const collectors = new Set(
    (await sql<{ code: string }>`select code from collector`.execute(db)).rows.map((r) => r.code),
  );
  const departments = new Set(
    (await sql<{ code: string }>`select code from department`.execute(db)).rows.map((r) => r.code),
  );
  const cache = new Map<string, Promise<Deadlines>>();
  return {
    categories,
    collectors,
    departments,
    now,
    rules(kind, code, condition, areaClass) {
      const key = `${kind}:${code}|${areaClass}|${condition}`;
      let r = cache.get(key);
      if (!r) {
        r = deadlineRules(db, { kind, code, condition, areaClass });
        cache.set(key, r);
      }
      return r;
    },
  };
}

/** One row of a case's history as it will be stored; deadlines per area class. */
export interface StagedEvent {
  at: Date;
  actor_name: string;
  action: string;
  from_state: string | null;
  to_state: string;
  note: string;
  deadline: PerClass<Date | null>;
  detail: Record<string, unknown>;
}

/** A checked case, ready to be staged; clocks per area class. */
export interface CheckedCase {
  line: number;
  case_no: string;
  channel: string;
  kind: CategoryKind;
  code: string;
  condition: string;
  description: string;
  address: string;
  /** As given (crs defaulted), and in WGS84; null for a report without a position. */
  input: { lon: number; lat: number; crs: CrsName } | null;
  wgs84: { lon: number; lat: number } | null;
  reported_at: Date;
  collector_code: string | null;
  state: string;
  parked_from: string | null;
  /** The last department the events named (dispatch, reassign); null: the assignment decides. */
  department_code: string | null;
  stage_deadline: PerClass<Date | null>;
  dispose_deadline: PerClass<Date | null>;
  urge_count: number;
  rework_count: number;
  closed_at: Date | null;
  updated_at: Date;
  version: number;
  /** The report (index 0) and the workflow events. */
  events: StagedEvent[];
}

export type CheckResult = { ok: CheckedCase; errors?: undefined } | { ok?: undefined; errors: string[] };

const fieldMessage = (m: string) => m.replace(/body field /g, 'field ');

/** Checks and replays one parsed line (`value`); line numbers are the caller's. */
export async function checkLine(value: unknown, line: number, ctx: ExchangeContext): Promise<CheckResult> {
  const edges = edgeProblems(value, 'body');
  if (edges.length) return { errors: edges.map((e) => fieldMessage(e.message)) };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { errors: ['a line must be a JSON object (one case)'] };
  let l: Line;
  try {
    l = check<Line>(LINE_SCHEMA, value, 'body');
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    const list = (e.extra.errors as { message: string }[] | undefined)?.map((x) => fieldMessage(x.message));
    return { errors: list?.length ? list : [fieldMessage(e.detail)] };
  }
  const errors: string[] = [];
  const category = ctx.categories.get(l.category);
  if (!category) errors.push(`category '${l.category}' is not in the GB/T 47678.5 dictionary (see /api/categories)`);
  const collector = l.collector_code ?? null;
  if (collector !== null && !ctx.collectors.has(collector))
    errors.push(`collector_code '${collector}' is not a collector of this platform: add the collector first`);
  const address = l.address ?? '';
  if (!l.location && !address.trim())
    errors.push('a case without a location needs an address (location is null or absent)');
  const reported = new Date(l.reported_at);
  if (reported > ctx.now) errors.push(`reported_at ${l.reported_at} lies in the future`);
  const events = l.events ?? [];
  let state: CaseClock['state'] = 'reported';
  let department: string | null = null;
  let last = reported;
  let lastField = 'reported_at';
  for (const [i, e] of events.entries()) {
    const where = `events[${i}]`;
    const def = ACTIONS[e.action];
    const at = new Date(e.at);
    if (!def.from.includes(state)) {
      const allowed = actionsFrom(state);
      errors.push(
        `${where}: action '${e.action}' (${def.label}) is not allowed in state ${state} (${STATE_LABEL[state]}); allowed: ${allowed.join(', ') || 'none (the case is finished)'}`,
      );
      break; // what follows is replayed from a state the case never reached
    }
    if (!l.location && NEED_POSITION.includes(e.action))
      errors.push(`${where}: action '${e.action}' (${def.label}) needs a position and the case has no location`);
    if (at < last) errors.push(`${where}.at ${e.at} is before ${lastField} (times must not decrease)`);
    if (at > ctx.now) errors.push(`${where}.at ${e.at} lies in the future`);
    if (def.note && !e.note?.trim()) errors.push(`${where}: action '${e.action}' (${def.label}) needs a note`);
    const named = e.department_code ?? null;
    if (def.department && named === null)
      errors.push(`${where}: action '${e.action}' (${def.label}) needs the department_code the case was sent to`);
    else if (!def.department && named !== null) errors.push(`${where}: action '${e.action}' takes no department_code`);
    else if (named !== null && !ctx.departments.has(named))
      errors.push(`${where}.department_code: unknown department '${named}'`);
    else if (e.action === 'reassign' && named === department)
      errors.push(`${where}: reassign to ${named}, the department the case is already with`);
    if (e.deadline) {
      if (!startsStage(e.action, state))
        errors.push(`${where}: action '${e.action}' starts no stage with a deadline: it takes no deadline`);
      else if (new Date(e.deadline) < at) errors.push(`${where}.deadline ${e.deadline} is before the event`);
    }
    state = transition({ ...CLOCK0, state }, e.action, named, () => null).state;
    if (named !== null) department = named;
    last = at;
    lastField = `${where}.at`;
  }
  if (errors.length || !category) return { errors };

  const input = l.location ? { lon: l.location.lon, lat: l.location.lat, crs: l.location.crs ?? 'wgs84' } : null;
  const condition = l.condition ?? '';
  const rules = await Promise.all(CLASSES.map((c) => ctx.rules(category.kind, category.code, condition, c)));
  // One replay with class C's rules; each computed disposal deadline is then recomputed for A and B.
  const c = replay(l, rules[2]);
  const perClass = CLASSES.map((_, k) => {
    if (k === 2 || rules[k].disposeMinutes === rules[2].disposeMinutes) return (d: Date | null) => d;
    const memo = new Map<Date, Date | null>();
    return (d: Date | null) => {
      const from = d && c.disposalFrom.get(d);
      if (!from) return d;
      let r = memo.get(d);
      if (r === undefined) memo.set(d, (r = stageDeadline(rules[k], 'dispose', from)));
      return r;
    };
  });
  const pick = (d: Date | null): PerClass<Date | null> => [perClass[0](d), perClass[1](d), d];
  return {
    ok: {
      line,
      case_no: l.case_no,
      channel: l.channel,
      kind: category.kind,
      code: category.code,
      condition,
      description: l.description,
      address,
      input,
      wgs84: input && toWgs84(input.lon, input.lat, input.crs),
      reported_at: reported,
      collector_code: collector,
      state: c.clock.state,
      parked_from: c.clock.parked_from,
      department_code: department,
      stage_deadline: pick(c.clock.stage_deadline),
      dispose_deadline: pick(c.clock.dispose_deadline),
      urge_count: events.filter((e) => e.action === 'urge').length,
      rework_count: events.filter((e) => e.action === 'rework').length,
      closed_at: c.finished,
      updated_at: events.length ? new Date(events[events.length - 1].at) : reported,
      version: 1 + events.length,
      events: c.events.map((e) => ({ ...e, deadline: pick(e.deadline) })),
    },
  };
}

const CLOCK0: CaseClock = {
  state: 'reported',
  department_code: null,
  stage_deadline: null,
  dispose_deadline: null,
  parked_from: null,
};

interface Replay {
  clock: CaseClock;
  finished: Date | null;
  events: (Omit<StagedEvent, 'deadline'> & { deadline: Date | null })[];
  /**
   * The disposal deadlines this replay computed (not given by the line), by identity, with the instant their stage
   * began: transition() only passes deadlines on (urge keeps one, a dispatch's is the disposal deadline), so every
   * deadline of the history that is one of these is that disposal deadline — for another area class, the same stage
   * from the same instant with that class's limit.
   */
  disposalFrom: Map<Date, Date>;
}

/** The history of a checked line replayed with one area class's deadline rules. */
function replay(l: Line, rules: Deadlines): Replay {
  const disposalFrom = new Map<Date, Date>();
  const reported = new Date(l.reported_at);
  const accept = stageDeadline(rules, STAGE_OF.reported, reported);
  let clock: CaseClock = { ...CLOCK0, stage_deadline: accept };
  let finished: Date | null = null;
  const events: Replay['events'] = [
    {
      at: reported,
      actor_name: l.collector_code ?? `channel:${l.channel}`,
      action: 'report',
      from_state: null,
      to_state: 'reported',
      note: l.description.slice(0, 500),
      deadline: accept,
      detail: { channel: l.channel, location_source: l.location ? 'reported' : null, imported: true },
    },
  ];
  for (const e of l.events ?? []) {
    const at = new Date(e.at);
    const given = e.deadline ? new Date(e.deadline) : null;
    const named = e.department_code ?? null;
    const next = transition(clock, e.action, named, (stage) => {
      if (given) return given;
      const d = stageDeadline(rules, stage, at);
      if (d && stage === 'dispose') disposalFrom.set(d, at);
      return d;
    });
    const detail: Record<string, unknown> = {};
    if (named !== null) Object.assign(detail, { department_from: clock.department_code, department_to: named });
    if (given) detail.deadline_given = true;
    // An actor named in the file is a person: the case history shows the name to staff only (visibility.ts).
    if (e.actor) detail.imported_actor = true;
    events.push({
      at,
      actor_name: e.actor ?? '',
      action: e.action,
      from_state: clock.state,
      to_state: next.state,
      note: e.note ?? '',
      deadline: next.stage_deadline,
      detail,
    });
    if (next.finished) finished = at;
    clock = next;
  }
  return { clock, finished, events, disposalFrom };
}

/**
 * What the export would write for a checked line once stored with area class `areaClass` (the deadlines the line
 * leaves out are filled in as the import computes them): compared with the stored case on a re-import.
 */
export function wouldExport(c: CheckedCase, areaClass: AreaClass): ExchangeCase {
  const k = CLASSES.indexOf(areaClass);
  return {
    case_no: c.case_no,
    channel: c.channel,
    category: `${c.kind}:${c.code}`,
    condition: c.condition || null,
    description: c.description,
    location: c.input,
    address: c.address,
    reported_at: chinaTime(c.reported_at),
    collector_code: c.collector_code,
    events: c.events.slice(1).map((e) =>
      canonicalEvent({
        action: e.action,
        at: e.at,
        actor: e.actor_name,
        department_code: (e.detail.department_to as string | undefined) ?? null,
        note: e.note,
        deadline: startsStage(e.action, e.from_state as CaseClock['state']) ? e.deadline[k] : null,
      }),
    ),
  };
}
