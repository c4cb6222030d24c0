/** The working calendar, pure: exact deadlines on the shipped calendar (data/calendar.json) and every validation message. */
import fs from 'node:fs';
import { expect } from 'chai';
import { WorkCalendar, validateCalendar, type CalendarDefinition } from '../../server/calendar/calendar.js';

const SHIPPED: CalendarDefinition = JSON.parse(
  fs.readFileSync(new URL('../../data/calendar.json', import.meta.url), 'utf8'),
);
const OFFICE: [string, string][] = [
  ['08:30', '12:00'],
  ['13:00', '17:30'],
];
/** A plain Monday–Friday office week without holidays. */
const plain = (over: Partial<CalendarDefinition> = {}): CalendarDefinition => ({
  utc_offset_minutes: 480,
  weekdays: { 1: OFFICE, 2: OFFICE, 3: OFFICE, 4: OFFICE, 5: OFFICE, 6: [], 7: [] },
  holidays: [],
  workdays: [],
  ...over,
});
const at = (local: string) => new Date(`${local}+08:00`);

describe('working calendar (pure)', () => {
  const cal = WorkCalendar.from(SHIPPED);
  const add = (local: string, minutes: number) => cal.formatLocal(cal.addWorkingMinutes(at(local), minutes));

  it('the shipped calendar is valid and the test dates fall on the expected weekdays', () => {
    expect(validateCalendar(SHIPPED)).to.deep.equal([]);
    // getUTCDay: 0 = Sunday … 6 = Saturday
    expect(new Date('2026-11-20T00:00:00Z').getUTCDay()).to.equal(5);
    expect(new Date('2026-09-30T00:00:00Z').getUTCDay()).to.equal(3);
    expect(new Date('2026-10-08T00:00:00Z').getUTCDay()).to.equal(4);
    expect(new Date('2026-10-10T00:00:00Z').getUTCDay()).to.equal(6);
    expect(new Date('2026-02-13T00:00:00Z').getUTCDay()).to.equal(5);
    expect(new Date('2026-02-14T00:00:00Z').getUTCDay()).to.equal(6);
  });

  it('carries over a weekend: Friday 16:30 + 2 h → Monday 09:30', () => {
    expect(add('2026-11-20T16:30:00', 120)).to.equal('2026-11-23T09:30:00.000+08:00');
  });

  it('ends at the end of a period, not the next morning: Friday 17:00 + 30 min → Friday 17:30', () => {
    expect(add('2026-11-20T17:00:00', 30)).to.equal('2026-11-20T17:30:00.000+08:00');
    expect(cal.addWorkingMinutes(at('2026-11-20T17:00:00'), 30).toISOString()).to.equal('2026-11-20T09:30:00.000Z');
    expect(add('2026-11-20T11:00:00', 60)).to.equal('2026-11-20T12:00:00.000+08:00');
  });

  it('a start in non-working time counts from the next working period', () => {
    expect(add('2026-11-20T17:30:00', 1)).to.equal('2026-11-23T08:31:00.000+08:00'); // Friday 17:30 (end exclusive)
    expect(add('2026-11-21T10:00:00', 60)).to.equal('2026-11-23T09:30:00.000+08:00'); // Saturday
    expect(add('2026-11-20T12:30:00', 30)).to.equal('2026-11-20T13:30:00.000+08:00'); // lunch break
    expect(add('2026-11-20T06:00:00', 15)).to.equal('2026-11-20T08:45:00.000+08:00'); // early morning
  });

  it('skips the lunch break: 11:30 + 60 min → 13:30', () => {
    expect(add('2026-11-19T11:30:00', 60)).to.equal('2026-11-19T13:30:00.000+08:00');
  });

  it('0 minutes: the next working instant; an instant in working time stays put', () => {
    expect(add('2026-11-22T15:00:00', 0)).to.equal('2026-11-23T08:30:00.000+08:00'); // Sunday → Monday 08:30
    expect(add('2026-11-20T17:30:00', 0)).to.equal('2026-11-23T08:30:00.000+08:00');
    expect(add('2026-11-20T10:15:00', 0)).to.equal('2026-11-20T10:15:00.000+08:00');
    expect(cal.formatLocal(cal.nextWorkingInstant(at('2026-11-20T12:00:00')))).to.equal(
      '2026-11-20T13:00:00.000+08:00',
    );
  });

  it('National Day: Oct 1–7 are holidays, Oct 8 (Thursday) is a workday, Saturday Oct 10 is a 调休 workday', () => {
    // 30 min on Wednesday 09-30, then 90 min from 08:30 on Thursday 10-08.
    expect(add('2026-09-30T17:00:00', 120)).to.equal('2026-10-08T10:00:00.000+08:00');
    expect(add('2026-09-30T17:00:00', 60)).to.equal('2026-10-08T09:00:00.000+08:00');
    expect(add('2026-09-30T17:00:00', 90)).to.equal('2026-10-08T09:30:00.000+08:00');
    for (let d = 1; d <= 7; d++) expect(cal.isWorkday(`2026-10-0${d}`), `2026-10-0${d}`).to.equal(false);
    expect(cal.isWorkday('2026-10-08')).to.equal(true);
    expect(cal.isWorkday('2026-10-10')).to.equal(true);
    expect(cal.isWorkday('2026-10-11')).to.equal(false);
    expect(cal.specialName('2026-10-10')).to.equal('国庆节调休上班');
    expect(cal.specialName('2026-10-08')).to.equal(undefined);
    expect(add('2026-10-09T17:00:00', 60)).to.equal('2026-10-10T09:00:00.000+08:00');
  });

  it('Spring Festival: Friday 2026-02-13 17:00 + 1 h → Saturday 02-14 (调休上班) 09:00', () => {
    expect(add('2026-02-13T17:00:00', 60)).to.equal('2026-02-14T09:00:00.000+08:00');
    // Saturday 02-14 17:00 + 1 h: 02-15 … 02-23 are holidays → Tuesday 02-24 09:00.
    expect(add('2026-02-14T17:00:00', 60)).to.equal('2026-02-24T09:00:00.000+08:00');
  });

  it('isWorkingTime: periods are [start, end)', () => {
    expect(cal.isWorkingTime(at('2026-11-20T08:30:00'))).to.equal(true);
    expect(cal.isWorkingTime(at('2026-11-20T08:29:59.999'))).to.equal(false);
    expect(cal.isWorkingTime(at('2026-11-20T11:59:59.999'))).to.equal(true);
    expect(cal.isWorkingTime(at('2026-11-20T12:00:00'))).to.equal(false);
    expect(cal.isWorkingTime(at('2026-11-20T17:30:00'))).to.equal(false);
    expect(cal.isWorkingTime(at('2026-11-21T10:00:00'))).to.equal(false); // Saturday
    expect(cal.isWorkingTime(at('2026-10-10T10:00:00'))).to.equal(true); // 调休 Saturday
    expect(cal.isWorkingTime(at('2026-10-01T10:00:00'))).to.equal(false); // holiday (Thursday)
    expect(() => cal.isWorkday('2026-02-30')).to.throw(RangeError, 'not a date YYYY-MM-DD');
  });

  it('workingMinutesBetween: across a weekend, a holiday, and negative when reversed', () => {
    expect(cal.workingMinutesBetween(at('2026-11-20T16:30:00'), at('2026-11-23T09:30:00'))).to.equal(120);
    expect(cal.workingMinutesBetween(at('2026-11-20T17:30:00'), at('2026-11-23T08:30:00'))).to.equal(0);
    expect(cal.workingMinutesBetween(at('2026-11-23T09:30:00'), at('2026-11-20T16:30:00'))).to.equal(-120);
    expect(cal.workingMinutesBetween(at('2026-11-19T11:30:00'), at('2026-11-19T13:30:00'))).to.equal(60);
    expect(cal.workingMinutesBetween(at('2026-09-30T17:00:00'), at('2026-10-08T10:00:00'))).to.equal(120);
    // Four ordinary weeks (Monday 2026-11-02 00:00 → Monday 11-30 00:00): 4 × 5 × 480 min.
    expect(cal.workingMinutesBetween(at('2026-11-02T00:00:00'), at('2026-11-30T00:00:00'))).to.equal(9600);
    expect(cal.workingMinutesBetween(at('2026-11-20T10:00:00'), at('2026-11-20T10:00:00.500'))).to.equal(0.5 / 60);
  });

  it('fractional minutes, rounded to the millisecond', () => {
    expect(add('2026-11-20T08:30:00', 0.5)).to.equal('2026-11-20T08:30:30.000+08:00');
    expect(add('2026-11-20T08:30:00', 1 / 3)).to.equal('2026-11-20T08:30:20.000+08:00');
    expect(add('2026-11-20T08:30:00', 0.00001)).to.equal('2026-11-20T08:30:00.001+08:00');
  });

  it('long spans skip whole weeks and agree with workingMinutesBetween', () => {
    // 120 working hours from Monday 2026-11-02 08:30 = 15 working days → end of Friday 11-20.
    expect(add('2026-11-02T08:30:00', 120 * 60)).to.equal('2026-11-20T17:30:00.000+08:00');
    // Far past the listed holidays: 52 plain weeks of 2400 min from Monday 2029-01-01 08:30 → Friday 2029-12-28 17:30.
    expect(add('2029-01-01T08:30:00', 52 * 2400)).to.equal('2029-12-28T17:30:00.000+08:00');
    let seed = 7;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      const start = new Date(Date.parse('2025-01-01T00:00:00Z') + Math.floor(rnd() * 2 * 365 * 86400e3));
      const minutes = Math.round(rnd() * 7200 * 1000) / 1000;
      const end = cal.addWorkingMinutes(start, minutes);
      expect(cal.isWorkingTime(end) || cal.isWorkingTime(new Date(end.getTime() - 1))).to.equal(true);
      expect(cal.workingMinutesBetween(start, end)).to.be.closeTo(minutes, 1e-9);
    }
  });

  it('is fast: 100k deadlines of up to 120 working hours in well under a second', () => {
    const base = Date.parse('2025-06-01T00:00:00Z');
    const t0 = performance.now();
    let sink = 0;
    for (let i = 0; i < 100_000; i++)
      sink += cal.addWorkingMinutes(new Date(base + i * 7_919_000), (i % 7200) + 0.5).getTime();
    const ms = performance.now() - t0;
    expect(sink).to.be.greaterThan(0);
    expect(ms).to.be.lessThan(800);
  });

  it('make-up workdays use Monday hours or those of hours_of; holidays override weekdays', () => {
    const c = WorkCalendar.from(
      plain({
        weekdays: { 1: [['09:00', '10:00']], 2: OFFICE, 3: OFFICE, 4: OFFICE, 5: OFFICE, 6: [], 7: [] },
        holidays: [{ date: '2026-11-23', name: 'x' }],
        workdays: [
          { date: '2026-11-21', name: 'Saturday on Monday hours' },
          { date: '2026-11-22', name: 'Sunday on Tuesday hours', hours_of: 2 },
        ],
      }),
    );
    const f = (local: string, m: number) => c.formatLocal(c.addWorkingMinutes(at(local), m));
    expect(f('2026-11-20T17:30:00', 60)).to.equal('2026-11-21T10:00:00.000+08:00'); // Saturday 09:00–10:00
    expect(f('2026-11-20T17:30:00', 61)).to.equal('2026-11-22T08:31:00.000+08:00'); // Sunday on Tuesday's hours
    // Sunday ends 17:30, Monday 11-23 is a holiday → Tuesday.
    expect(f('2026-11-22T17:00:00', 60)).to.equal('2026-11-24T09:00:00.000+08:00');
  });

  it('other offsets, touching periods and a period to 24:00', () => {
    const c = WorkCalendar.from(
      plain({
        utc_offset_minutes: -330,
        weekdays: {
          1: [
            ['00:00', '12:00'],
            ['12:00', '24:00'],
          ],
          2: [['00:00', '24:00']],
          3: [],
          4: [],
          5: [],
          6: [],
          7: [],
        },
      }),
    );
    const start = new Date('2026-11-23T20:00:00-05:30'); // Monday
    expect(c.formatLocal(c.addWorkingMinutes(start, 240))).to.equal('2026-11-24T00:00:00.000-05:30');
    expect(c.formatLocal(c.addWorkingMinutes(start, 300))).to.equal('2026-11-24T01:00:00.000-05:30');
    expect(c.formatLocal(c.addWorkingMinutes(start, 28 * 60))).to.equal('2026-11-25T00:00:00.000-05:30');
    expect(c.formatLocal(c.addWorkingMinutes(start, 28 * 60 + 1))).to.equal('2026-11-30T00:01:00.000-05:30');
    expect(c.parseInstant('2026-11-23T20:00')?.toISOString()).to.equal(start.toISOString());
  });

  it('parseInstant: offsets, Z, local time without an offset, a "+" decoded as a space', () => {
    expect(cal.parseInstant('2026-11-20T16:30:00+08:00')?.toISOString()).to.equal('2026-11-20T08:30:00.000Z');
    expect(cal.parseInstant('2026-11-20T16:30:00 08:00')?.toISOString()).to.equal('2026-11-20T08:30:00.000Z');
    expect(cal.parseInstant('2026-11-20T08:30:00Z')?.toISOString()).to.equal('2026-11-20T08:30:00.000Z');
    expect(cal.parseInstant('2026-11-20T16:30')?.toISOString()).to.equal('2026-11-20T08:30:00.000Z');
    expect(cal.parseInstant('2026-11-20T16:30:00.25-01:00')?.toISOString()).to.equal('2026-11-20T17:30:00.250Z');
    expect(cal.parseInstant('2026-02-30T16:30')).to.equal(undefined);
    expect(cal.parseInstant('yesterday')).to.equal(undefined);
  });

  it('refuses a definition without working time, negative minutes and invalid dates', () => {
    const none = plain({ weekdays: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] } });
    expect(() => WorkCalendar.from(none)).to.throw(Error, 'the week has no working time at all');
    expect(() => cal.addWorkingMinutes(at('2026-11-20T10:00:00'), -1)).to.throw(RangeError, 'finite number ≥ 0');
    expect(() => cal.addWorkingMinutes(at('2026-11-20T10:00:00'), NaN)).to.throw(RangeError);
    expect(() => cal.addWorkingMinutes(new Date('nope'), 1)).to.throw(RangeError, 'invalid Date');
  });

  it('gives up after 3 years without working time', () => {
    // Only Mondays work, and every Monday of 2027–2030 is a holiday.
    const holidays = [];
    for (let d = Date.parse('2027-01-04'); d < Date.parse('2031-01-01'); d += 7 * 86400e3) {
      holidays.push({ date: new Date(d).toISOString().slice(0, 10), name: 'closed' });
    }
    const c = WorkCalendar.from(plain({ weekdays: { 1: OFFICE, 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] }, holidays }));
    expect(() => c.addWorkingMinutes(at('2027-01-01T10:00:00'), 10)).to.throw(
      Error,
      'no working time in the 1098 days from 2027-01-01',
    );
  });

  describe('validateCalendar', () => {
    const problems = (def: unknown) => validateCalendar(def);

    it('a non-object and missing or unknown top-level fields', () => {
      expect(problems(null)).to.deep.equal([
        {
          location: '',
          message: 'the calendar must be a JSON object with utc_offset_minutes, weekdays, holidays and workdays',
        },
      ]);
      expect(problems({})).to.deep.equal([
        {
          location: 'utc_offset_minutes',
          message: 'missing utc_offset_minutes (minutes east of UTC; 480 = China Standard Time)',
        },
        {
          location: 'weekdays',
          message: 'missing weekdays: working periods per ISO weekday "1" (Monday) … "7" (Sunday)',
        },
        {
          location: 'holidays',
          message: 'missing holidays: a list of public holidays [{date: "YYYY-MM-DD", name}] ([] for none)',
        },
        {
          location: 'workdays',
          message: 'missing workdays: a list of make-up workdays (调休上班) [{date: "YYYY-MM-DD", name}] ([] for none)',
        },
      ]);
      expect(problems({ ...plain(), extra: 1, note: 5 })).to.deep.equal([
        {
          location: 'extra',
          message: "unknown field 'extra'; allowed: note, utc_offset_minutes, weekdays, holidays, workdays",
        },
        { location: 'note', message: 'note must be a string' },
      ]);
    });

    it('utc offset type and range', () => {
      expect(problems(plain({ utc_offset_minutes: 900 }))).to.deep.equal([
        {
          location: 'utc_offset_minutes',
          message: 'utc_offset_minutes must be between -720 (UTC-12) and 840 (UTC+14), got 900',
        },
      ]);
      expect(problems(plain({ utc_offset_minutes: 480.5 }))).to.deep.equal([
        {
          location: 'utc_offset_minutes',
          message:
            'utc_offset_minutes must be an integer number of minutes east of UTC (480 = China Standard Time), got 480.5',
        },
      ]);
    });

    it('weekday keys and shapes', () => {
      const w = { ...plain().weekdays } as Record<string, unknown>;
      delete w['3'];
      w['8'] = [];
      w['5'] = 'all day';
      w['1'] = [['08:30']];
      expect(problems(plain({ weekdays: w as CalendarDefinition['weekdays'] }))).to.deep.equal([
        {
          location: 'weekdays.8',
          message: 'unknown weekday "8"; weekdays are ISO numbers "1" (Monday) to "7" (Sunday)',
        },
        { location: 'weekdays.1[0]', message: 'a period must be a pair ["HH:MM","HH:MM"], got ["08:30"]' },
        { location: 'weekdays.3', message: 'missing Wednesday ("3"); give [] for a day off' },
        {
          location: 'weekdays.5',
          message: 'Friday must be a list of periods [["HH:MM","HH:MM"], …] ([] for a day off)',
        },
      ]);
    });

    it('bad times, empty and reversed periods, unsorted and overlapping periods', () => {
      const def = plain({
        weekdays: {
          1: [
            ['8:30', '12:00'],
            ['13:00', '25:00'],
          ],
          2: [
            ['08:30', '12:60'],
            ['24:00', '24:00'],
          ],
          3: [
            ['13:00', '12:00'],
            ['14:00', '14:00'],
          ],
          4: [
            ['13:00', '17:30'],
            ['08:30', '12:00'],
          ],
          5: [
            ['08:30', '12:00'],
            ['11:00', '14:00'],
          ],
          6: [],
          7: [],
        },
      });
      expect(problems(def)).to.deep.equal([
        { location: 'weekdays.1[0][0]', message: '"8:30" is not a start time HH:MM (00:00–23:59)' },
        { location: 'weekdays.1[1][1]', message: '"25:00" is not an end time HH:MM (00:01–24:00)' },
        { location: 'weekdays.2[0][1]', message: '"12:60" is not an end time HH:MM (00:01–24:00)' },
        { location: 'weekdays.2[1][0]', message: '"24:00" is not a start time HH:MM (00:00–23:59)' },
        { location: 'weekdays.3[0]', message: 'the period 13:00–12:00 ends before it starts' },
        { location: 'weekdays.3[1]', message: 'the period 14:00–14:00 is empty (end equals start)' },
        {
          location: 'weekdays.4[1]',
          message: 'periods must be sorted by start time: 08:30–12:00 comes after 13:00–17:30',
        },
        { location: 'weekdays.5[1]', message: 'the period 11:00–14:00 overlaps 08:30–12:00' },
      ]);
    });

    it('a week with no working time at all', () => {
      expect(problems(plain({ weekdays: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] } }))).to.deep.equal([
        {
          location: 'weekdays',
          message: 'the week has no working time at all; at least one weekday needs a working period',
        },
      ]);
    });

    it('bad, unreal and duplicate dates, names, unknown fields, a date both holiday and workday', () => {
      const def = plain({
        holidays: [
          { date: '2026-10-01', name: '国庆节' },
          { date: '2026/10/02', name: '国庆节' },
          { date: '2026-02-30', name: '国庆节' },
          { date: '2026-10-01', name: '' },
          { date: '2026-10-03', name: '国庆节', hours_of: 1 } as never,
          'x' as never,
        ],
        workdays: [
          { date: '2026-10-01', name: '调休' },
          { date: '2026-10-10', name: '调休', hours_of: 9 },
        ],
      });
      expect(problems(def)).to.deep.equal([
        { location: 'holidays[1].date', message: 'date must be a date YYYY-MM-DD, got "2026/10/02"' },
        { location: 'holidays[2].date', message: '2026-02-30 is not a real calendar date' },
        {
          location: 'holidays[3].name',
          message: 'name must be a non-empty text of at most 100 characters, e.g. "国庆节"',
        },
        { location: 'holidays[3].date', message: '2026-10-01 is listed twice in holidays (also holidays[0])' },
        { location: 'holidays[4].hours_of', message: "unknown field 'hours_of'; allowed: date, name" },
        { location: 'holidays[5]', message: 'an entry must be an object {date: "YYYY-MM-DD", name}, got "x"' },
        { location: 'workdays[1].hours_of', message: 'hours_of must be an ISO weekday 1 (Monday) … 7 (Sunday), got 9' },
        {
          location: 'workdays[0].date',
          message: '2026-10-01 is both a holiday (holidays[0]) and a make-up workday; keep only one',
        },
      ]);
    });

    it('a make-up workday whose borrowed weekday has no hours', () => {
      const def = plain({
        weekdays: { 1: [], 2: OFFICE, 3: OFFICE, 4: OFFICE, 5: OFFICE, 6: [], 7: [] },
        workdays: [
          { date: '2026-10-10', name: '调休' },
          { date: '2026-10-11', name: '调休', hours_of: 7 },
          { date: '2026-10-17', name: '调休', hours_of: 5 },
        ],
      });
      expect(problems(def)).to.deep.equal([
        {
          location: 'workdays[0].hours_of',
          message: `a make-up workday is worked with Monday's hours (weekdays."1"), but Monday has no working periods; set hours_of to a working weekday`,
        },
        {
          location: 'workdays[1].hours_of',
          message: 'hours_of 7 (Sunday) has no working periods, so this make-up workday would have no working time',
        },
      ]);
    });
  });
});
