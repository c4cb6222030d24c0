/** Working calendar endpoints: read it, replace it (admin), and compute a deadline with it. */
import type { Kysely } from 'kysely';
import Type, { type TProperties } from 'typebox';
import type { DB } from '../db/schema.js';
import { sendVersioned, type Api } from '../http/api.js';
import { requireUnscoped } from '../auth/policy.js';
import { badRequest } from '../http/problem.js';
import { loadCalendar, readCalendar, saveCalendar } from './store.js';

const period = Type.Array(Type.String(), {
  minItems: 2,
  maxItems: 2,
  description: 'a local period ["HH:MM", "HH:MM"], start inclusive, end exclusive (end may be "24:00")',
});
const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'];
const dayList = <T extends TProperties>(extra: T, description: string) =>
  Type.Array(Type.Object({ date: Type.String(), name: Type.String(), ...extra }, { additionalProperties: false }), {
    maxItems: 10000,
    description,
  });

/** The shape of a definition; validateCalendar() then checks times, dates, order and overlaps (422). */
export const CALENDAR_SCHEMA = Type.Object(
  {
    note: Type.Optional(Type.String()),
    utc_offset_minutes: Type.Integer({ description: 'minutes east of UTC; 480 = China Standard Time' }),
    weekdays: Type.Object(Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Array(period, { maxItems: 48 })])), {
      additionalProperties: false,
      description: 'ISO weekday "1" (Monday) … "7" (Sunday) → sorted periods; [] = day off',
    }),
    holidays: dayList({}, 'public holidays: no working time'),
    workdays: dayList(
      {
        hours_of: Type.Optional(Type.Integer({ description: 'ISO weekday whose hours apply (default 1 = Monday)' })),
      },
      'make-up workdays (调休上班), worked with the hours of weekday hours_of (default Monday)',
    ),
  },
  { additionalProperties: false },
);

/** An amount of working time in the deadline query: hours or minutes, exactly one of them. */
const workingTime = (unit: 'hours' | 'minutes', maximum: number) =>
  Type.Optional(
    Type.Number({ minimum: 0, maximum, description: `working ${unit} (exactly one of hours and minutes)` }),
  );
const deadlineQuery = Type.Object(
  {
    start: Type.Optional(
      Type.String({ description: 'ISO 8601 instant (default now); without an offset it is local calendar time' }),
    ),
    hours: workingTime('hours', 100000),
    minutes: workingTime('minutes', 6000000),
  },
  { additionalProperties: false },
);

export function calendarRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/calendar',
      tag: 'calendar',
      summary: 'The working calendar (工作时间): working periods per weekday, holidays and make-up workdays',
    },
    async (ctx) => sendVersioned(ctx, await readCalendar(db)),
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
      sendVersioned(ctx, await saveCalendar(db, body, user, ifMatch));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/calendar/deadline',
      tag: 'calendar',
      summary:
        'The instant a given number of working hours or minutes after start (counting from the next working period)',
      query: deadlineQuery,
    },
    async (ctx, { query: q }) => {
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
