/** Users and tokens: admins create users with a role and region scope; anyone can ask who they are. */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { conflict, unauthorized, unprocessable } from '../http/problem.js';
import { ROLES, createUser } from '../auth/tokens.js';

export function userRoutes(api: Api, db: Kysely<DB>): void {
  api.route({
    method: 'get', path: '/api/me', tag: 'users', summary: 'The user behind the bearer token',
  }, (ctx, { user }) => {
    if (!user) throw unauthorized('send a bearer token to see who you are');
    ctx.body = user;
  });

  api.route({
    method: 'get', path: '/api/users', tag: 'users', summary: 'List users (admin)', roles: ['admin'],
  }, async (ctx) => {
    ctx.body = await db.selectFrom('app_user')
      .select(['id', 'name', 'role', 'region_scope', 'department_code', 'created_at', 'disabled_at']).orderBy('id').execute();
  });

  api.route({
    method: 'post', path: '/api/users', tag: 'users', roles: ['admin'],
    summary: 'Create a user with a role and region scope; the token is returned once',
    body: {
      type: 'object', additionalProperties: false, required: ['name', 'role'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100 },
        role: { type: 'string', enum: ROLES },
        region_scope: { type: 'string', pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})?$', description: 'a region-code prefix (6/9/12/15 digits) or empty for everywhere', default: '' },
        department_code: { type: 'string', minLength: 1, maxLength: 40, description: 'the department a department_handler works for' },
      },
    },
    errors: { 409: 'a user with this name exists' },
  }, async (ctx, { body, user }) => {
    const b = body as { name: string; role: Role; region_scope: string; department_code?: string };
    const taken = await sql<{ n: number }>`select count(*)::int as n from app_user where name = ${b.name}`.execute(db);
    if (taken.rows[0].n > 0) throw conflict(`a user named "${b.name}" already exists`);
    if (b.role === 'department_handler' && !b.department_code) {
      throw unprocessable('a department_handler needs the department_code of the department it works for');
    }
    if (b.department_code && !(await db.selectFrom('department').select('code').where('code', '=', b.department_code).executeTakeFirst())) {
      throw unprocessable(`unknown department '${b.department_code}'`);
    }
    const created = await db.transaction().execute(async (trx) => {
      const c = await createUser(trx, b.name, b.role, b.region_scope, b.department_code ?? null);
      await trx.insertInto('audit_event').values({
        actor_id: user!.id, actor_name: user!.name, action: 'create', entity: 'user', entity_key: String(c.user.id),
        detail: JSON.stringify({ name: b.name, role: b.role, region_scope: b.region_scope, department_code: b.department_code ?? null }),
      }).execute();
      return c;
    });
    ctx.status = 201;
    ctx.body = { ...created.user, token: created.token };
  });
}
