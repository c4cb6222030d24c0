/**
 * The public heat map's period: whole days in China time and at least HEAT_PUBLIC.MIN_DAYS days, so that a narrow
 * window cannot single out one report (server/auth/visibility.ts decides who gets the exact map instead).
 */
import { HEAT_PUBLIC } from '../auth/visibility.js';
import { badRequest } from '../http/problem.js';

const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The start of the China-time day containing `t`. */
export function chinaDayStart(t: Date): Date {
  return new Date(Math.floor((t.getTime() + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS);
}

/** The first China-time midnight at or after `t`. */
export function chinaDayEnd(t: Date): Date {
  return new Date(Math.ceil((t.getTime() + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS);
}

/**
 * Widens [from, to) to whole China-time days (an absent `to` is now; an absent `from` means since the beginning)
 * and refuses (400) a period shorter than `minDays`.
 */
export function publicHeatWindow(
  from: string | undefined,
  to: string | undefined,
  now = new Date(),
  minDays: number = HEAT_PUBLIC.MIN_DAYS,
): { from: string | undefined; to: string } {
  const end = chinaDayEnd(to ? new Date(to) : now);
  if (from === undefined) return { from: undefined, to: end.toISOString() };
  const start = chinaDayStart(new Date(from));
  const days = (end.getTime() - start.getTime()) / DAY_MS;
  if (days < minDays) {
    throw badRequest(
      `the public heat map needs a period of at least ${minDays} days; ` +
        `from ${start.toISOString()} to ${end.toISOString()} (whole days in China time) is ${days} day${days === 1 ? '' : 's'}. ` +
        'Dispatchers and admins get the exact heat map for any period.',
    );
  }
  return { from: start.toISOString(), to: end.toISOString() };
}
