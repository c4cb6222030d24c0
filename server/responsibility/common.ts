/**
 * Shared pieces of the responsibility-library admin API: the write transaction (audit row + assignment_version
 * bump), 422 problem lists, region-scope checks and small JSON-schema fragments.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { inScope } from '../auth/tokens.js';
import { HttpError, conflict, forbidden, unprocessable, type ProblemFieldError } from '../http/problem.js';

export type Entity = 'department' | 'rule' | 'area_class' | 'collector' | 'collector_area' | 'component';
export type Action = 'create' | 'update' | 'delete';

export interface Change<T> {
  /** What the handler returns to the client. */
  result: T;
  action: Action;
  entity: Entity;
  key: string;
  /** Stored as audit_event.detail: {new} for create, {old, new} for update, {old} for delete. */
  detail: { old?: unknown; new?: unknown };
}

/**
 * Runs one library write: the change, its audit_event row and the assignment_version bump commit together or not
 * at all. Constraint violations that slip past the checks (concurrent writers on PostgreSQL) become 409s.
 */
export async function write<T>(db: Kysely<DB>, user: User, fn: (trx: Transaction<DB>) => Promise<Change<T>>): Promise<T> {
  try {
    return await db.transaction().execute(async (trx) => {
      // Bump first: the row lock serialises library writes, so the checks below (one grid per collector area,
      // one fallback per region, references before a delete) see every committed change. A failed write rolls
      // the bump back with everything else.
      await sql`update assignment_version set version = version + 1, updated_at = now() where id = 1`.execute(trx);
      const c = await fn(trx);
      await trx.insertInto('audit_event').values({
        actor_id: user.id, actor_name: user.name, action: c.action, entity: c.entity, entity_key: c.key,
        detail: JSON.stringify(c.detail),
      }).execute();
      return c.result;
    });
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const code = (e as { code?: string }).code;
    if (code === '23505') throw conflict(`the change conflicts with a concurrent one: ${(e as Error).message}`);
    if (code === '23503') throw conflict(`the change refers to or removes a referenced row: ${(e as Error).message}`);
    throw e;
  }
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
    throw unprocessable(`${n} problem${n === 1 ? '' : 's'}, nothing was stored: ${this.list.map((p) => p.message).join('; ')}`,
      { errors: this.list });
  }
}

/** The region scope a write is limited to: '' (everywhere) for admins, the user's scope otherwise. */
export function scopeOf(user: User): string {
  return user.role === 'admin' ? '' : user.regionScope;
}

/** 403 unless every code lies inside the user's scope. `what` names the field, e.g. "area.codes". */
export function requireCodesInScope(user: User, codes: string[], what: string): void {
  const scope = scopeOf(user);
  if (!scope) return;
  const outside = codes.filter((c) => !inScope({ ...user, regionScope: scope }, c));
  if (outside.length) {
    throw forbidden(`${what}: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside your region scope ${scope}`);
  }
}

/**
 * 403 unless the geometry lies inside the user's scope region (within 1 m², survey noise — the importer's
 * tolerance). `geom` is an SQL expression of a valid SRID-4326 geometry.
 */
export async function requireGeometryInScope(trx: Transaction<DB>, user: User, geom: RawBuilder<unknown>, what: string): Promise<void> {
  const scope = scopeOf(user);
  if (!scope) return;
  const r = await sql<{ inside: boolean | null }>`
    with s as (
      select ST_Union(geom) as geom from (
        select geom from region where code = ${scope} and termination_date is null
        union all
        select geom from unit_grid where code = ${scope} and termination_date is null) x
    ), g as (select ${geom} as geom)
    select case when s.geom is null then false
                when ST_Dimension(g.geom) = 0 then ST_CoveredBy(g.geom, s.geom)
                else ST_CoveredBy(g.geom, s.geom) or ST_Area(ST_Difference(g.geom, s.geom)::geography) <= 1 end as inside
    from s, g`.execute(trx);
  if (!r.rows[0]?.inside) throw forbidden(`${what} lies outside your region scope ${scope}`);
}

/** 403 for a scoped user on a write that covers everywhere (an "anywhere" area, the everywhere fallback). */
export function requireUnscoped(user: User, what: string): void {
  const scope = scopeOf(user);
  if (scope) throw forbidden(`${what} covers everywhere, beyond your region scope ${scope}`);
}

export const REGION_CODE = '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$';
export const DEPT_CODE = '^[A-Za-z0-9_.-]{1,40}$';
export const idParams = {
  type: 'object', required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
};
export const nullableDate = { type: ['string', 'null'], format: 'date', description: 'a date YYYY-MM-DD, or null' };

/** Audit-friendly copy: Dates as ISO strings. */
export const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

/** Comma-joined list, shortened after `max` items. */
export function listText(items: (string | number)[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

/** Distinct values, first occurrence order. */
export const distinct = <T>(xs: T[]): T[] => [...new Set(xs)];
