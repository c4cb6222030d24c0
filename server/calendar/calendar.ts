/**
 * The working calendar (工作时间管理): working periods per ISO weekday, public holidays and make-up workdays (调休),
 * all in local time at a fixed UTC offset (China has no daylight saving). Pure: no I/O.
 *
 * Definition format (data/calendar.json, table work_calendar.definition):
 *   { note?: string, utc_offset_minutes: 480,
 *     weekdays: { "1".."7": [["08:30","12:00"], ["13:00","17:30"]] | [] },   // ISO weekday, 1 = Monday
 *     holidays: [{ date: "2026-10-01", name: "国庆节" }],                       // no working time that day
 *     workdays: [{ date: "2026-10-10", name: "国庆节调休上班", hours_of?: 1..7 }] } // worked with the hours of
 *                                                     // weekday `hours_of` (optional, default 1 = Monday)
 * Periods are half-open [start, end): 17:30 is not working time, but a deadline may fall exactly at 17:30.
 * An end of "24:00" is allowed (a period running to midnight). A date is either a holiday or a workday, never both.
 *
 * Internally instants are "local milliseconds" (epoch ms + offset); a local day number is floor(local / day).
 */
import {
  DAY_MS,
  MAX_GAP_DAYS,
  MIN_MS,
  dateOfDay,
  dayNumber,
  isoWeekday,
  spanTotal,
  toSpans,
  validateCalendar,
  type CalendarDefinition,
  type Spans,
} from './definition.js';

export * from './definition.js';

export class WorkCalendar {
  /** A frozen copy of the definition this calendar was built from. */
  readonly definition: Readonly<CalendarDefinition>;
  private readonly offsetMs: number;
  /** Index 0..6 = ISO weekday 1..7. */
  private readonly week: Spans[];
  private readonly weekTotalMs: number;
  /** Day number → spans, for holidays ([]) and make-up workdays. */
  private readonly special = new Map<number, Spans>();
  /** Sorted day numbers of `special`, to find whole weeks without exceptions. */
  private readonly specialDays: number[];
  private readonly names = new Map<number, string>();

  private constructor(def: CalendarDefinition) {
    this.definition = deepFreeze(structuredClone(def));
    this.offsetMs = def.utc_offset_minutes * MIN_MS;
    this.week = [1, 2, 3, 4, 5, 6, 7].map((wd) => toSpans(def.weekdays[String(wd)]));
    this.weekTotalMs = this.week.reduce((sum, s) => sum + spanTotal(s), 0);
    for (const h of def.holidays) {
      this.special.set(dayNumber(h.date)!, []);
      this.names.set(dayNumber(h.date)!, h.name);
    }
    for (const w of def.workdays) {
      this.special.set(dayNumber(w.date)!, this.week[(w.hours_of ?? 1) - 1]);
      this.names.set(dayNumber(w.date)!, w.name);
    }
    this.specialDays = [...this.special.keys()].sort((a, b) => a - b);
  }

  /** Validates and builds; throws an Error listing every problem (e.g. a week with no working time at all). */
  static from(def: unknown): WorkCalendar {
    const problems = validateCalendar(def);
    if (problems.length > 0) {
      throw new Error(
        `invalid working calendar: ${problems.map((p) => (p.location ? `${p.location}: ${p.message}` : p.message)).join('; ')}`,
      );
    }
    return new WorkCalendar(def as CalendarDefinition);
  }

  /**
   * The instant `minutes` working minutes after `start` (fractional minutes allowed; the result is rounded to the
   * millisecond). Counting starts at the next working period when `start` is outside working time, so 0 minutes
   * gives the next working instant. When the time runs out exactly at the end of a period, the result is that end
   * (e.g. 17:30), never the start of the next period. Throws RangeError for a negative or non-finite amount.
   */
  addWorkingMinutes(start: Date, minutes: number): Date {
    if (!Number.isFinite(minutes) || minutes < 0) {
      throw new RangeError(`working minutes must be a finite number ≥ 0, got ${minutes}`);
    }
    let remaining = Math.round(minutes * MIN_MS);
    const local = this.localMs(start);
    let day = Math.floor(local / DAY_MS);
    let tod = local - day * DAY_MS;
    let idleDays = 0;
    for (;;) {
      const spans = this.spansOn(day);
      for (const [s, e] of spans) {
        if (e <= tod) continue;
        const from = Math.max(s, tod);
        if (remaining <= e - from) return new Date(day * DAY_MS + from + remaining - this.offsetMs);
        remaining -= e - from;
      }
      idleDays = spans.length > 0 ? 0 : idleDays + 1;
      if (idleDays > MAX_GAP_DAYS) throw this.noWorkError(day - idleDays + 1);
      day += 1;
      tod = 0;
      // Skip whole ordinary weeks, always leaving a positive remainder so the end-of-period rule still applies.
      if (remaining > this.weekTotalMs) {
        const k = Math.min(Math.floor((remaining - 1) / this.weekTotalMs), this.ordinaryWeeksFrom(day));
        day += 7 * k;
        remaining -= k * this.weekTotalMs;
      }
    }
  }

  /**
   * Working minutes in [a, b) (fractional, exact to the millisecond). Antisymmetric: when b is before a the
   * result is negative, −workingMinutesBetween(b, a).
   */
  workingMinutesBetween(a: Date, b: Date): number {
    if (b.getTime() < a.getTime()) return -this.workingMinutesBetween(b, a);
    const la = this.localMs(a),
      lb = this.localMs(b);
    const dayA = Math.floor(la / DAY_MS),
      dayB = Math.floor(lb / DAY_MS);
    const todA = la - dayA * DAY_MS,
      todB = lb - dayB * DAY_MS;
    if (dayA === dayB) return this.overlap(dayA, todA, todB) / MIN_MS;
    let total = this.overlap(dayA, todA, DAY_MS) + this.overlap(dayB, 0, todB);
    for (let day = dayA + 1; day < dayB;) {
      const k = Math.min(Math.floor((dayB - day) / 7), this.ordinaryWeeksFrom(day));
      if (k > 0) {
        total += k * this.weekTotalMs;
        day += 7 * k;
      } else {
        total += spanTotal(this.spansOn(day));
        day += 1;
      }
    }
    return total / MIN_MS;
  }

  /** True when t is inside a working period (start inclusive, end exclusive). */
  isWorkingTime(t: Date): boolean {
    const local = this.localMs(t);
    const day = Math.floor(local / DAY_MS);
    const tod = local - day * DAY_MS;
    return this.spansOn(day).some(([s, e]) => s <= tod && tod < e);
  }

  /** True when the local date ('YYYY-MM-DD') has any working time. Throws on a malformed date. */
  isWorkday(localDate: string): boolean {
    return this.spansOn(this.parseDay(localDate)).length > 0;
  }

  /** The holiday or make-up workday name of a local date, if it has one. */
  specialName(localDate: string): string | undefined {
    return this.names.get(this.parseDay(localDate));
  }

  /** t itself when it is working time, else the start of the next working period. */
  nextWorkingInstant(t: Date): Date {
    return this.addWorkingMinutes(t, 0);
  }

  /** ISO 8601 text of t in the calendar's local time, e.g. 2026-11-23T09:30:00.000+08:00. */
  formatLocal(t: Date): string {
    const off = this.definition.utc_offset_minutes;
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off);
    const hh = String(Math.floor(abs / 60)).padStart(2, '0'),
      mm = String(abs % 60).padStart(2, '0');
    return `${new Date(t.getTime() + this.offsetMs).toISOString().slice(0, 23)}${sign}${hh}:${mm}`;
  }

  /**
   * Parses an ISO 8601 instant; without Z or an offset it is read as the calendar's local time. A space before the
   * offset (a '+' decoded from a query string) is read as '+'. Undefined when malformed.
   */
  parseInstant(text: string): Date | undefined {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|z|[+\- ]\d{2}:?\d{2})?$/.exec(
      text,
    );
    if (!m) return undefined;
    const day = dayNumber(m[1]);
    const h = Number(m[2]),
      min = Number(m[3]),
      s = Number(m[4] ?? 0),
      ms = Number((m[5] ?? '0').padEnd(3, '0'));
    if (day === undefined || h > 23 || min > 59 || s > 59) return undefined;
    let offsetMs = this.offsetMs;
    if (m[6] && m[6].toUpperCase() === 'Z') offsetMs = 0;
    else if (m[6]) {
      const digits = m[6].slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2)),
        om = Number(digits.slice(2));
      if (oh > 14 || om > 59) return undefined;
      offsetMs = (m[6][0] === '-' ? -1 : 1) * (oh * 60 + om) * MIN_MS;
    }
    return new Date(day * DAY_MS + ((h * 60 + min) * 60 + s) * 1000 + ms - offsetMs);
  }

  // -------------------------------------------------------------------------------------------------------------

  private localMs(t: Date): number {
    const ms = t.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
    return ms + this.offsetMs;
  }

  private spansOn(day: number): Spans {
    return this.special.get(day) ?? this.week[isoWeekday(day) - 1];
  }

  private parseDay(localDate: string): number {
    const day = dayNumber(localDate);
    if (day === undefined) throw new RangeError(`not a date YYYY-MM-DD: ${JSON.stringify(localDate)}`);
    return day;
  }

  /** Working ms of `day` inside [from, to) (ms after local midnight). */
  private overlap(day: number, from: number, to: number): number {
    let sum = 0;
    for (const [s, e] of this.spansOn(day)) sum += Math.max(0, Math.min(e, to) - Math.max(s, from));
    return sum;
  }

  /** How many whole weeks starting at `day` contain no holiday or make-up workday (Infinity after the last one). */
  private ordinaryWeeksFrom(day: number): number {
    const days = this.specialDays;
    let lo = 0,
      hi = days.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (days[mid] < day) lo = mid + 1;
      else hi = mid;
    }
    return lo === days.length ? Infinity : Math.floor((days[lo] - day) / 7);
  }

  private noWorkError(fromDay: number): Error {
    return new Error(
      `the working calendar has no working time in the ${MAX_GAP_DAYS} days from ${dateOfDay(fromDay)}; check its holidays and weekdays`,
    );
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
