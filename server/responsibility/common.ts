/**
 * Shared pieces of the responsibility-library admin API: the library write (the write path with an
 * assignment_version bump), 422 problem lists and small JSON-schema fragments. Scope checks live in the policy.
 */
import type { Kysely, Transaction } from 'kysely';
import Type from 'typebox';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { lockVersion, write, type Change, type VersionedTable } from '../db/write.js';
import { notFound, unprocessable, type ProblemFieldError } from '../http/problem.js';
import { Nullable, idParams } from '../http/types.js';

export type { Change };

/**
 * One library write through the write path: the change, its audit_event row and the assignment_version bump (which
 * serialises library writes) commit together or not at all.
 */
export function libraryWrite<T>(
  db: Kysely<DB>,
  user: User,
  fn: (trx: Transaction<DB>) => Promise<Change<T>>,
  layers?: string[],
): Promise<T> {
  return write(db, { actor: user, assignment: true, layers }, fn);
}

/** Locks the row for the change and checks If-Match (412 when stale); 404 naming `what` when it does not exist. */
export async function lockOrNotFound(
  trx: Transaction<DB>,
  table: VersionedTable,
  key: string | number,
  ifMatch: string[] | undefined,
  what: string,
): Promise<void> {
  if ((await lockVersion(trx, table, key, ifMatch)) === undefined) throw notFound(`no ${what}`);
}

/** Collects semantic problems (422) so that one answer lists every one of them. */
export class Problems {
  readonly list: ProblemFieldError[] = [];
  add(location: string, message: string): void {
    this.list.push({ location, message });
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
  /** Throws 422 listing every problem, if there are any. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const n = this.list.length;
    throw unprocessable(
      `${n} problem${n === 1 ? '' : 's'}, nothing was stored: ${this.list.map((p) => p.message).join('; ')}`,
      { errors: this.list },
    );
  }
}

export const REGION_CODE = '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$';
export const DEPT_CODE = '^[A-Za-z0-9_.-]{1,40}$';
export { idParams };
export const nullableDate = Nullable(Type.String({ format: 'date' }), { description: 'a date YYYY-MM-DD, or null' });

/** Audit-friendly copy: Dates as ISO strings. */
export const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

/** Comma-joined list, shortened after `max` items. */
export function listText(items: (string | number)[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

/** Distinct values, first occurrence order. */
export const distinct = <T>(xs: T[]): T[] => [...new Set(xs)];
