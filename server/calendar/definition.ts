/**
 * The working calendar's definition: its types, validation (every problem at once) and the day and time arithmetic
 * that WorkCalendar (calendar.ts) builds on. Pure: no I/O. The format is described in calendar.ts.
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

export const MIN_MS = 60_000;
export const DAY_MS = 86_400_000;
/** Longest run of days without any working time we search through before giving up. */
export const MAX_GAP_DAYS = 3 * 366;
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
export type Spans = readonly (readonly [number, number])[];

export function toSpans(periods: Period[]): Spans {
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

export const spanTotal = (spans: Spans) => spans.reduce((sum, [s, e]) => sum + e - s, 0);
