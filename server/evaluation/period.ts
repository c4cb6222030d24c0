/**
 * The evaluation period: whole days in China Standard Time, `from` inclusive and `to` exclusive (a year is
 * from=2025-01-01&to=2026-01-01). A case belongs to the period in which it was reported. Pure.
 */
import { badRequest } from '../http/problem.js';

const DAY_MS = 86_400_000;

export interface Period {
  /** The first day, as given (YYYY-MM-DD). */
  fromDay: string;
  /** The day after the last one, as given. */
  toDay: string;
  /** 00:00 China Standard Time of fromDay and toDay. */
  from: Date;
  to: Date;
  /** Whole days in the period (≥ 1). */
  days: number;
}

/** Midnight (China Standard Time) of a YYYY-MM-DD calendar date, or null when there is no such date. */
export function chinaMidnight(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = new Date(Date.UTC(y, mo - 1, d));
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d) return null;
  return new Date(utc.getTime() - 8 * 3_600_000);
}

/** The period of `from`/`to` query dates; a 400 naming the parameter for a date that does not exist or an empty period. */
export function parsePeriod(fromDay: string, toDay: string): Period {
  const from = chinaMidnight(fromDay);
  const to = chinaMidnight(toDay);
  const errors: { location: string; message: string }[] = [];
  if (!from) errors.push({ location: 'query.from', message: `'${fromDay}' is not a calendar date (YYYY-MM-DD)` });
  if (!to) errors.push({ location: 'query.to', message: `'${toDay}' is not a calendar date (YYYY-MM-DD)` });
  if (from && to && to <= from)
    errors.push({
      location: 'query.to',
      message: `'to' (${toDay}, exclusive) must be after 'from' (${fromDay}): the period would hold no day`,
    });
  if (errors.length) throw badRequest(errors.map((e) => e.message).join('; '), { errors });
  return { fromDay, toDay, from: from!, to: to!, days: Math.round((to!.getTime() - from!.getTime()) / DAY_MS) };
}
