/**
 * The case exchange format (数据交换): NDJSON, one case per line, keys in this order —
 *
 *   {"case_no","channel","category","condition","description","location":{"lon","lat","crs"},"address",
 *    "reported_at","collector_code","events":[{"action","at","actor"?,"department_code"?,"note"?,"deadline"?}]}
 *
 * LINE_SCHEMA checks one parsed line; `canonical()` renders a case in the one form the export writes (times in China
 * Standard Time to the millisecond, condition null when empty, address '' when absent, collector_code null when
 * absent, an event's optional fields only when they say something). Two lines are the same case when their
 * canonical forms are equal. Pure.
 */
import Type, { type Static } from 'typebox';
import { CATEGORY_KEY_PATTERN } from '../categories/catalog.js';
import { CRS_NAMES, type CrsName } from '../geo/crs.js';
import { Nullable } from '../http/types.js';
import { CHANNELS } from '../cases/intake.js';
import { ACTION_NAMES } from '../cases/workflow.js';

/** An instant with its offset (RFC 3339), e.g. 2021-01-04T09:12:00+08:00. */
const instant = (description: string) => Type.String({ format: 'date-time', description });

/** Case numbers: what legacy platforms and this one write (letters, digits and a few separators). */
export const CASE_NO_PATTERN = '^[0-9A-Za-z][0-9A-Za-z_.:/-]{0,63}$';
/** Events per case. */
export const MAX_EVENTS = 500;

export const EVENT_SCHEMA = Type.Object(
  {
    action: Type.Enum(ACTION_NAMES, { type: 'string', description: 'a workflow action (GET /api/workflow)' }),
    at: instant('when it was taken'),
    actor: Type.Optional(
      Nullable(Type.String({ maxLength: 100, description: 'who took it: a user name or a collector code' })),
    ),
    department_code: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 40,
          description: 'dispatch and reassign: the department the case was sent to',
        }),
      ),
    ),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    deadline: Type.Optional(
      Nullable(instant('the deadline the old platform set for the stage the event starts (dispatch: disposal)')),
    ),
  },
  { additionalProperties: false },
);

export const LINE_SCHEMA = Type.Object(
  {
    case_no: Type.String({ pattern: CASE_NO_PATTERN, description: '1–64 letters, digits and _ . : / -' }),
    channel: Type.Enum(CHANNELS, { type: 'string' }),
    category: Type.String({ pattern: CATEGORY_KEY_PATTERN, description: 'kind:code, e.g. matter:06010' }),
    condition: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    location: Type.Optional(
      Nullable(
        Type.Object(
          {
            lon: Type.Number({ minimum: -180, maximum: 180 }),
            lat: Type.Number({ minimum: -90, maximum: 90 }),
            crs: Type.Optional(Type.Enum(CRS_NAMES, { type: 'string' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    address: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    reported_at: instant('when the report was received'),
    collector_code: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 40 }))),
    events: Type.Optional(Type.Array(EVENT_SCHEMA, { maxItems: MAX_EVENTS })),
  },
  { additionalProperties: false },
);
export type Line = Static<typeof LINE_SCHEMA>;

export interface ExchangeEvent {
  action: string;
  at: string;
  actor?: string;
  department_code?: string;
  note?: string;
  deadline?: string;
}

/** A case in the canonical form (field order as written). */
export interface ExchangeCase {
  case_no: string;
  channel: string;
  category: string;
  condition: string | null;
  description: string;
  location: { lon: number; lat: number; crs: CrsName } | null;
  address: string;
  reported_at: string;
  collector_code: string | null;
  events: ExchangeEvent[];
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** An instant in China Standard Time: 2021-01-04T09:12:00+08:00 (milliseconds only when there are any). */
export function chinaTime(t: Date): string {
  const local = new Date(t.getTime() + CHINA_OFFSET_MS).toISOString();
  const ms = local.slice(19, 23);
  return `${local.slice(0, 19)}${ms === '.000' ? '' : ms}+08:00`;
}

/** A text field that says nothing ('' or null) is left out of an event. */
const said = (v: string | null | undefined): v is string => v !== undefined && v !== null && v !== '';

/** One event in canonical form (keys in order; optional ones only when non-empty). */
export function canonicalEvent(e: {
  action: string;
  at: Date;
  actor?: string | null;
  department_code?: string | null;
  note?: string | null;
  deadline?: Date | null;
}): ExchangeEvent {
  const out: ExchangeEvent = { action: e.action, at: chinaTime(e.at) };
  if (said(e.actor)) out.actor = e.actor;
  if (said(e.department_code)) out.department_code = e.department_code;
  if (said(e.note)) out.note = e.note;
  if (e.deadline) out.deadline = chinaTime(e.deadline);
  return out;
}

/** The line of a case: JSON with the keys in the order of the format (events as canonicalEvent() gives them). */
export function renderCase(c: ExchangeCase): string {
  const ordered: ExchangeCase = {
    case_no: c.case_no,
    channel: c.channel,
    category: c.category,
    condition: c.condition === '' ? null : c.condition,
    description: c.description,
    location: c.location && { lon: c.location.lon, lat: c.location.lat, crs: c.location.crs },
    address: c.address,
    reported_at: c.reported_at,
    collector_code: c.collector_code,
    events: c.events,
  };
  return JSON.stringify(ordered);
}

/** The first field in which two canonical cases differ ('events[2].note'), or undefined when they are equal. */
export function firstDifference(a: ExchangeCase, b: ExchangeCase): string | undefined {
  const keys: (keyof ExchangeCase)[] = [
    'case_no',
    'channel',
    'category',
    'condition',
    'description',
    'location',
    'address',
    'reported_at',
    'collector_code',
  ];
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return k;
  const n = Math.max(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    const x = a.events[i];
    const y = b.events[i];
    if (!x || !y) return `events[${i}] (${x ? 'not stored' : 'stored, not in the line'})`;
    for (const k of ['action', 'at', 'actor', 'department_code', 'note', 'deadline'] as const)
      if (x[k] !== y[k]) return `events[${i}].${k}`;
  }
  return undefined;
}
