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

export type Period = [string, string];

export interface CalendarDate {
  date: string;
  name: string;
}

export interface CalendarWorkday extends CalendarDate {
  /** ISO weekday whose periods apply on this make-up workday; default 1 (Monday). */
  hours_of?: number;
}

export interface CalendarDefinition {
  note?: string;
  /** Minutes east of UTC; 480 = China Standard Time. */
  utc_offset_minutes: number;
  /** ISO weekday "1" (Monday) … "7" (Sunday) → sorted, non-overlapping local periods; [] = day off. */
  weekdays: Record<string, Period[]>;
  holidays: CalendarDate[];
  workdays: CalendarWorkday[];
}

export interface CalendarProblem {
  location: string;
  message: string;
}

const MIN_MS = 60_000;
const DAY_MS = 86_400_000;
/** Longest run of days without any working time we search through before giving up. */
const MAX_GAP_DAYS = 3 * 366;
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const TOP_KEYS = ['note', 'utc_offset_minutes', 'weekdays', 'holidays', 'workdays'];
const TIME = /^(\d{2}):(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "HH:MM" → minutes after midnight; 24:00 only when allowEnd; undefined when malformed. */
function parseTime(v: unknown, allowEnd: boolean): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = TIME.exec(v);
  if (!m) return undefined;
  const h = Number(m[1]),
    min = Number(m[2]);
  if (min > 59) return undefined;
  if (h < 24) return h * 60 + min;
  return allowEnd && h === 24 && min === 0 ? 1440 : undefined;
}

/** "YYYY-MM-DD" → days since 1970-01-01; undefined unless it is a real calendar date. */
export function dayNumber(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = DATE.exec(v);
  if (!m) return undefined;
  const y = Number(m[1]),
    mo = Number(m[2]),
    d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

/** Days since 1970-01-01 → "YYYY-MM-DD". */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** Every problem of a definition, each with where it is and what is wrong; [] = valid. */
export function validateCalendar(def: unknown): CalendarProblem[] {
  const out: CalendarProblem[] = [];
  const add = (location: string, message: string) => out.push({ location, message });
  if (!isObject(def)) {
    add('', 'the calendar must be a JSON object with utc_offset_minutes, weekdays, holidays and workdays');
    return out;
  }
  for (const k of Object.keys(def)) {
    if (!TOP_KEYS.includes(k)) add(k, `unknown field '${k}'; allowed: ${TOP_KEYS.join(', ')}`);
  }
  if (def.note !== undefined && typeof def.note !== 'string') add('note', 'note must be a string');

  const off = def.utc_offset_minutes;
  if (off === undefined)
    add('utc_offset_minutes', 'missing utc_offset_minutes (minutes east of UTC; 480 = China Standard Time)');
  else if (typeof off !== 'number' || !Number.isInteger(off))
    add(
      'utc_offset_minutes',
      `utc_offset_minutes must be an integer number of minutes east of UTC (480 = China Standard Time), got ${JSON.stringify(off)}`,
    );
  else if (off < -720 || off > 840)
    add('utc_offset_minutes', `utc_offset_minutes must be between -720 (UTC-12) and 840 (UTC+14), got ${off}`);

  const workingWeekdays = validateWeekdays(def.weekdays, add);
  const holidays = validateDates(def.holidays, 'holidays', add);
  const workdays = validateDates(def.workdays, 'workdays', add);

  for (const [day, index] of workdays) {
    const h = holidays.get(day);
    if (h !== undefined)
      add(
        `workdays[${index}].date`,
        `${dateOfDay(day)} is both a holiday (holidays[${h}]) and a make-up workday; keep only one`,
      );
  }
  // A make-up workday borrows the hours of one weekday: that weekday must have some.
  if (Array.isArray(def.workdays) && workingWeekdays) {
    def.workdays.forEach((w, i) => {
      if (!isObject(w)) return;
      const hoursOf = w.hours_of ?? 1;
      if (typeof hoursOf !== 'number' || !Number.isInteger(hoursOf) || hoursOf < 1 || hoursOf > 7) return; // reported already
      if (!workingWeekdays.has(hoursOf)) {
        add(
          `workdays[${i}].hours_of`,
          w.hours_of === undefined
            ? `a make-up workday is worked with Monday's hours (weekdays."1"), but Monday has no working periods; set hours_of to a working weekday`
            : `hours_of ${hoursOf} (${WEEKDAY_NAMES[hoursOf - 1]}) has no working periods, so this make-up workday would have no working time`,
        );
      }
    });
  }
  return out;
}

/** Checks weekdays; returns the set of ISO weekdays with working time, or undefined when weekdays is unusable. */
function validateWeekdays(weekdays: unknown, add: (l: string, m: string) => void): Set<number> | undefined {
  if (weekdays === undefined) {
    add('weekdays', 'missing weekdays: working periods per ISO weekday "1" (Monday) … "7" (Sunday)');
    return undefined;
  }
  if (!isObject(weekdays)) {
    add('weekdays', 'weekdays must be an object {"1": [["08:30","12:00"], …], …, "7": []}');
    return undefined;
  }
  for (const k of Object.keys(weekdays)) {
    if (!/^[1-7]$/.test(k))
      add(`weekdays.${k}`, `unknown weekday "${k}"; weekdays are ISO numbers "1" (Monday) to "7" (Sunday)`);
  }
  const working = new Set<number>();
  let allValid = true;
  for (let wd = 1; wd <= 7; wd++) {
    const loc = `weekdays.${wd}`;
    const periods = weekdays[String(wd)];
    if (periods === undefined) {
      add(loc, `missing ${WEEKDAY_NAMES[wd - 1]} ("${wd}"); give [] for a day off`);
      allValid = false;
      continue;
    }
    if (!Array.isArray(periods)) {
      add(loc, `${WEEKDAY_NAMES[wd - 1]} must be a list of periods [["HH:MM","HH:MM"], …] ([] for a day off)`);
      allValid = false;
      continue;
    }
    let prev: { start: number; end: number; text: string } | undefined;
    periods.forEach((p, i) => {
      const ploc = `${loc}[${i}]`;
      if (!Array.isArray(p) || p.length !== 2) {
        add(ploc, `a period must be a pair ["HH:MM","HH:MM"], got ${JSON.stringify(p)}`);
        allValid = false;
        return;
      }
      const start = parseTime(p[0], false);
      const end = parseTime(p[1], true);
      if (start === undefined) add(`${ploc}[0]`, `${JSON.stringify(p[0])} is not a start time HH:MM (00:00–23:59)`);
      if (end === undefined) add(`${ploc}[1]`, `${JSON.stringify(p[1])} is not an end time HH:MM (00:01–24:00)`);
      if (start === undefined || end === undefined) {
        allValid = false;
        return;
      }
      const text = `${p[0]}–${p[1]}`;
      if (end <= start) {
        add(
          ploc,
          end === start ? `the period ${text} is empty (end equals start)` : `the period ${text} ends before it starts`,
        );
        allValid = false;
        return;
      }
      if (prev && start < prev.start)
        add(ploc, `periods must be sorted by start time: ${text} comes after ${prev.text}`);
      else if (prev && start < prev.end) add(ploc, `the period ${text} overlaps ${prev.text}`);
      if (!prev || start >= prev.start) prev = { start, end, text };
      working.add(wd);
    });
  }
  if (allValid && working.size === 0) {
    add('weekdays', 'the week has no working time at all; at least one weekday needs a working period');
  }
  return allValid ? working : undefined;
}

/** Checks a holidays/workdays list; returns day number → index of each valid, first-seen date. */
function validateDates(
  list: unknown,
  key: 'holidays' | 'workdays',
  add: (l: string, m: string) => void,
): Map<number, number> {
  const seen = new Map<number, number>();
  const what = key === 'holidays' ? 'public holidays' : 'make-up workdays (调休上班)';
  if (list === undefined) {
    add(key, `missing ${key}: a list of ${what} [{date: "YYYY-MM-DD", name}] ([] for none)`);
    return seen;
  }
  if (!Array.isArray(list)) {
    add(key, `${key} must be a list of ${what} [{date: "YYYY-MM-DD", name}]`);
    return seen;
  }
  const allowed = key === 'holidays' ? ['date', 'name'] : ['date', 'name', 'hours_of'];
  list.forEach((e, i) => {
    const loc = `${key}[${i}]`;
    if (!isObject(e)) {
      add(loc, `an entry must be an object {date: "YYYY-MM-DD", name}, got ${JSON.stringify(e)}`);
      return;
    }
    for (const k of Object.keys(e))
      if (!allowed.includes(k)) add(`${loc}.${k}`, `unknown field '${k}'; allowed: ${allowed.join(', ')}`);
    if (typeof e.name !== 'string' || e.name.trim() === '' || e.name.length > 100) {
      add(`${loc}.name`, 'name must be a non-empty text of at most 100 characters, e.g. "国庆节"');
    }
    if (
      key === 'workdays' &&
      e.hours_of !== undefined &&
      (typeof e.hours_of !== 'number' || !Number.isInteger(e.hours_of) || e.hours_of < 1 || e.hours_of > 7)
    ) {
      add(
        `${loc}.hours_of`,
        `hours_of must be an ISO weekday 1 (Monday) … 7 (Sunday), got ${JSON.stringify(e.hours_of)}`,
      );
    }
    const day = dayNumber(e.date);
    if (day === undefined) {
      add(
        `${loc}.date`,
        typeof e.date === 'string' && DATE.test(e.date)
          ? `${e.date} is not a real calendar date`
          : `date must be a date YYYY-MM-DD, got ${JSON.stringify(e.date)}`,
      );
      return;
    }
    const first = seen.get(day);
    if (first !== undefined) add(`${loc}.date`, `${e.date} is listed twice in ${key} (also ${key}[${first}])`);
    else seen.set(day, i);
  });
  return seen;
}

// ---------------------------------------------------------------------------------------------------------------
// Computation

/** Working spans of one local day, as [start, end) milliseconds after local midnight, sorted and disjoint. */
type Spans = readonly (readonly [number, number])[];

function toSpans(periods: Period[]): Spans {
  const spans: [number, number][] = [];
  for (const [s, e] of periods) {
    const start = parseTime(s, false)! * MIN_MS,
      end = parseTime(e, true)! * MIN_MS;
    const last = spans[spans.length - 1];
    if (last && last[1] === start)
      last[1] = end; // touching periods are one span
    else spans.push([start, end]);
  }
  return spans;
}

const spanTotal = (spans: Spans) => spans.reduce((sum, [s, e]) => sum + e - s, 0);

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
