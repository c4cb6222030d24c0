/**
 * Periods of the analysis: dates YYYY-MM-DD are days in China Standard Time (UTC+8, no daylight saving); a period
 * [from, to) starts at 00:00 of `from` and ends before 00:00 of `to`. Emerging hot spots cut it into steps of calendar
 * months (from and to on the 1st of a month) or of 7 days (from `from`; to − from a whole number of weeks).
 */
import { badRequest } from '../http/problem.js';
import { MIN_STEPS } from './emerging.js';

/** Most time steps an emerging hot spot analysis takes (five years of weeks, twenty-one years of months). */
export const MAX_STEPS = 260;

export type StepKind = 'month' | 'week';

export interface Step {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** The day after the last, YYYY-MM-DD. */
  to: string;
}

const DAY_MS = 86_400_000;

/** 00:00 China Standard Time of a YYYY-MM-DD date. */
export function chinaMidnight(date: string): Date {
  return new Date(`${date}T00:00:00+08:00`);
}

/** The YYYY-MM-DD of a UTC calendar day number (days since 1970-01-01). */
const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/** 400 unless from < to. */
export function checkPeriod(from: string, to: string): void {
  if (!(from < to)) {
    throw badRequest(`query parameter 'from' (${from}) must be before 'to' (${to}): the period is [from, to), in days`);
  }
}

/** The steps of [from, to): 400 when they do not fit the step kind or number fewer than MIN_STEPS or more than MAX_STEPS. */
export function stepsOf(from: string, to: string, kind: StepKind): Step[] {
  checkPeriod(from, to);
  const steps: Step[] = [];
  if (kind === 'month') {
    for (const [name, d] of [
      ['from', from],
      ['to', to],
    ]) {
      if (!d.endsWith('-01')) {
        throw badRequest(
          `with step=month, '${name}' must be the first day of a month (got ${d}), e.g. from=2025-01-01&to=2026-01-01`,
        );
      }
    }
    let y = Number(from.slice(0, 4));
    let m = Number(from.slice(5, 7));
    const months = (Number(to.slice(0, 4)) - y) * 12 + Number(to.slice(5, 7)) - m;
    if (months < MIN_STEPS || months > MAX_STEPS) throw countProblem(months, 'month', from, to);
    for (let k = 0; k < months; k++) {
      const start = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
      m++;
      if (m === 13) {
        m = 1;
        y++;
      }
      steps.push({ from: start, to: `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01` });
    }
    return steps;
  }
  const first = dayNumber(from);
  const days = dayNumber(to) - first;
  if (days % 7 !== 0) {
    throw badRequest(
      `with step=week, 'to' − 'from' must be a whole number of weeks: from ${from} to ${to} is ${days} days (${Math.floor(days / 7)} weeks and ${days % 7} day${days % 7 === 1 ? '' : 's'})`,
    );
  }
  const weeks = days / 7;
  if (weeks < MIN_STEPS || weeks > MAX_STEPS) throw countProblem(weeks, 'week', from, to);
  for (let k = 0; k < weeks; k++) steps.push({ from: dayText(first + 7 * k), to: dayText(first + 7 * k + 7) });
  return steps;
}

function countProblem(count: number, kind: StepKind, from: string, to: string) {
  return badRequest(
    `an emerging hot spot analysis needs ${MIN_STEPS} to ${MAX_STEPS} time steps (the Mann–Kendall trend needs at least ` +
      `${MIN_STEPS}, as in ArcGIS); from ${from} to ${to} is ${count} ${kind}${count === 1 ? '' : 's'}`,
  );
}
