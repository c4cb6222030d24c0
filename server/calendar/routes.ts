/** Working calendar endpoints: read it, replace it (admin), and compute a deadline with it. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { requireUnscoped } from '../auth/policy.js';
import { etag } from '../db/write.js';
import { badRequest } from '../http/problem.js';
import type { JsonSchema } from '../http/validate.js';
import { loadCalendar, readCalendar, saveCalendar } from './store.js';

const period: JsonSchema = {
  type: 'array',
  minItems: 2,
  maxItems: 2,
  items: { type: 'string' },
  description: 'a local period ["HH:MM", "HH:MM"], start inclusive, end exclusive (end may be "24:00")',
};
const dayList = (extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'array',
  maxItems: 10000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['date', 'name'],
    properties: { date: { type: 'string' }, name: { type: 'string' }, ...extra },
  },
});

/** The shape of a definition; validateCalendar() then checks times, dates, order and overlaps (422). */
export const CALENDAR_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['utc_offset_minutes', 'weekdays', 'holidays', 'workdays'],
  properties: {
    note: { type: 'string' },
    utc_offset_minutes: { type: 'integer', description: 'minutes east of UTC; 480 = China Standard Time' },
    weekdays: {
      type: 'object',
      additionalProperties: false,
      required: ['1', '2', '3', '4', '5', '6', '7'],
      description: 'ISO weekday "1" (Monday) … "7" (Sunday) → sorted periods; [] = day off',
      properties: Object.fromEntries(
        ['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, { type: 'array', maxItems: 48, items: period }]),
      ),
    },
    holidays: { ...dayList(), description: 'public holidays: no working time' },
    workdays: {
      ...dayList({ hours_of: { type: 'integer', description: 'ISO weekday whose hours apply (default 1 = Monday)' } }),
      description: 'make-up workdays (调休上班), worked with the hours of weekday hours_of (default Monday)',
    },
  },
};

export function calendarRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/calendar',
      tag: 'calendar',
      summary: 'The working calendar (工作时间): working periods per weekday, holidays and make-up workdays',
    },
    async (ctx) => {
      const c = await readCalendar(db);
      ctx.set('ETag', etag(c.version));
      ctx.body = c;
    },
  );

  api.route(
    {
      method: 'put',
      path: '/api/calendar',
      tag: 'calendar',
      permission: 'editSettings',
      summary: 'Replace the working calendar (admin); every problem is reported at once',
      body: CALENDAR_SCHEMA,
      errors: { 422: 'times, dates, order or overlaps are wrong (errors[] lists each)' },
    },
    async (ctx, { body, user, ifMatch }) => {
      requireUnscoped(user, 'the working calendar');
      const c = await saveCalendar(db, body, user, ifMatch);
      ctx.set('ETag', etag(c.version));
      ctx.body = c;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/calendar/deadline',
      tag: 'calendar',
      summary:
        'The instant a given number of working hours or minutes after start (counting from the next working period)',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          start: {
            type: 'string',
            description: 'ISO 8601 instant (default now); without an offset it is local calendar time',
          },
          hours: {
            type: 'number',
            minimum: 0,
            maximum: 100000,
            description: 'working hours (exactly one of hours and minutes)',
          },
          minutes: {
            type: 'number',
            minimum: 0,
            maximum: 6000000,
            description: 'working minutes (exactly one of hours and minutes)',
          },
        },
      },
    },
    async (ctx, { query }) => {
      const q = query as { start?: string; hours?: number; minutes?: number };
      if ((q.hours === undefined) === (q.minutes === undefined)) {
        throw badRequest('give exactly one of the query parameters hours and minutes', {
          errors: [{ location: 'query.hours', message: 'give exactly one of hours and minutes' }],
        });
      }
      const calendar = await loadCalendar(db);
      const start = q.start === undefined ? new Date() : calendar.parseInstant(q.start);
      if (!start) {
        throw badRequest(
          `query parameter 'start' must be an ISO 8601 instant such as 2026-11-20T16:30:00+08:00, got "${q.start}"`,
          {
            errors: [{ location: 'query.start', message: 'not an ISO 8601 instant' }],
          },
        );
      }
      // Whole milliseconds, so 0.1 h reads as 6 minutes rather than 6.000000000000001.
      const minutes = Math.round((q.minutes ?? q.hours! * 60) * 60_000) / 60_000;
      const deadline = calendar.addWorkingMinutes(start, minutes);
      ctx.body = {
        start: calendar.formatLocal(start),
        minutes,
        counting_from: calendar.formatLocal(calendar.nextWorkingInstant(start)),
        deadline: calendar.formatLocal(deadline),
        deadline_utc: deadline.toISOString(),
      };
    },
  );
}
