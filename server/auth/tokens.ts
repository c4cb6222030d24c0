/** Bearer tokens: random, shown once, stored only as SHA-256. */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.js';

export const ROLES: Role[] = ['admin', 'gis_editor', 'dispatcher', 'department_handler', 'collector', 'viewer'];

export interface User {
  id: number;
  name: string;
  role: Role;
  /** Region-code prefix the user may act on; '' = everywhere. */
  regionScope: string;
  /** The department a department_handler works for (null for others). */
  departmentCode?: string | null;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `wg_${crypto.randomBytes(24).toString('base64url')}`;
}

export async function createUser(
  db: Kysely<DB>,
  name: string,
  role: Role,
  regionScope = '',
  departmentCode: string | null = null,
): Promise<{ user: User; token: string }> {
  const token = newToken();
  const row = await db
    .insertInto('app_user')
    .values({ name, role, region_scope: regionScope, token_hash: hashToken(token), department_code: departmentCode })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { user: { id: row.id, name, role, regionScope, departmentCode }, token };
}

export async function findUserByToken(db: Kysely<DB>, token: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('app_user')
    .select(['id', 'name', 'role', 'region_scope', 'department_code'])
    .where('token_hash', '=', hashToken(token))
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      name: row.name,
      role: row.role,
      regionScope: row.region_scope,
      departmentCode: row.department_code,
    }
  );
}

export async function countUsers(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from app_user`.execute(db);
  return r.rows[0].n;
}

/** True when the user's scope covers the region code (a scope is a code prefix). */
export function inScope(user: User, code: string): boolean {
  return code.startsWith(user.regionScope);
}
