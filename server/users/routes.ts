/**
 * Users and tokens: admins create, list and change users with a role and region scope (within their own scope);
 * anyone can ask who they are.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import Type from 'typebox';
import type { DB, Role } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { conflict, notFound, unauthorized, unprocessable } from '../http/problem.js';
import { Defaulted, Nullable, idParams } from '../http/types.js';
import { ROLES, createUser, type User } from '../auth/tokens.js';
import { requireCodesInScope, scopePrefix } from '../auth/policy.js';
import { bumpVersion, etag, lockVersion, write } from '../db/write.js';

const scope = (options: { default?: string } = {}) =>
  Type.String({
    pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})?$',
    description: 'a region-code prefix (6/9/12/15 digits) or empty for everywhere',
    ...options,
  });
const DEPARTMENT = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'the department a department_handler works for',
});
const role = Type.Enum(ROLES, { type: 'string' });
const createBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role,
    region_scope: Defaulted(scope({ default: '' })),
    department_code: Type.Optional(DEPARTMENT),
  },
  { additionalProperties: false },
);
const patchBody = Type.Object(
  {
    role: Type.Optional(role),
    region_scope: Type.Optional(scope()),
    department_code: Type.Optional(Nullable(DEPARTMENT)),
    disabled: Type.Optional(
      Type.Boolean({ description: 'true disables the user (and its token); false enables it again' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
const COLUMNS = [
  'id',
  'name',
  'role',
  'region_scope',
  'department_code',
  'version',
  'created_at',
  'disabled_at',
] as const;

const getUser = (db: Kysely<DB>, id: number) =>
  db.selectFrom('app_user').select(COLUMNS).where('id', '=', id).executeTakeFirst();

/** A scoped admin gives out only scopes inside its own ('' = everywhere is beyond any scope). */
function requireScopeGrantable(admin: User, scope: string): void {
  if (admin.regionScope && !scope) requireCodesInScope(admin, [''], 'region_scope (everywhere)');
  requireCodesInScope(admin, [scope], 'region_scope');
}

async function checkDepartment(db: Kysely<DB>, role: Role, department: string | null | undefined): Promise<void> {
  if (role === 'department_handler' && !department) {
    throw unprocessable('a department_handler needs the department_code of the department it works for');
  }
  if (
    department &&
    !(await db.selectFrom('department').select('code').where('code', '=', department).executeTakeFirst())
  ) {
    throw unprocessable(`unknown department '${department}'`);
  }
}

export function userRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/me',
      tag: 'users',
      summary: 'The user behind the bearer token',
    },
    (ctx, { user }) => {
      if (!user) throw unauthorized('send a bearer token to see who you are');
      ctx.body = user;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/users',
      tag: 'users',
      summary: 'List the users within your region scope (admin)',
      permission: 'manageUsers',
    },
    async (ctx, { user }) => {
      ctx.body = await db
        .selectFrom('app_user')
        .select(COLUMNS)
        .where(sql<boolean>`starts_with(region_scope, ${scopePrefix(user)})`)
        .orderBy('id')
        .execute();
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/users',
      tag: 'users',
      permission: 'manageUsers',
      summary: 'Create a user with a role and region scope (within yours); the token is returned once',
      body: createBody,
      errors: { 409: 'a user with this name exists' },
    },
    async (ctx, { body: b, user }) => {
      requireScopeGrantable(user, b.region_scope);
      const taken = await sql<{ n: number }>`select count(*)::int as n from app_user where name = ${b.name}`.execute(
        db,
      );
      if (taken.rows[0].n > 0) throw conflict(`a user named "${b.name}" already exists`);
      await checkDepartment(db, b.role, b.department_code);
      const created = await write(db, { actor: user }, async (trx) => {
        const c = await createUser(trx, b.name, b.role, b.region_scope, b.department_code ?? null);
        return {
          result: c,
          action: 'create',
          entity: 'user',
          key: String(c.user.id),
          detail: {
            name: b.name,
            role: b.role,
            region_scope: b.region_scope,
            department_code: b.department_code ?? null,
          },
        };
      });
      ctx.status = 201;
      ctx.set('ETag', etag(1));
      ctx.body = { ...created.user, token: created.token };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/api/users/:id',
      tag: 'users',
      permission: 'manageUsers',
      summary:
        "Change a user's role, region scope or department, or disable it (its token stops working); If-Match honoured",
      params: idParams,
      body: patchBody,
      errors: {
        404: 'no user with this id',
        403: "the user's scope is beyond yours",
        412: 'stale If-Match',
        422: 'unknown department, or you would lock yourself out',
      },
    },
    async (ctx, { params: { id }, body: b, user, ifMatch }) => {
      const row = await write(db, { actor: user }, async (trx) => {
        const old = await getUser(trx, id);
        if (!old) throw notFound(`no user with id ${id}`);
        requireScopeGrantable(user, old.region_scope);
        await lockVersion(trx, 'app_user', id, ifMatch);
        if (b.region_scope !== undefined) requireScopeGrantable(user, b.region_scope);
        if (
          id === user.id &&
          (b.disabled ||
            (b.role && b.role !== 'admin') ||
            (b.region_scope !== undefined && b.region_scope !== old.region_scope))
        ) {
          throw unprocessable('you may not disable yourself or change your own role or scope; ask another admin');
        }
        const role = b.role ?? old.role;
        const department = b.department_code === undefined ? old.department_code : b.department_code;
        await checkDepartment(trx, role, department);
        const set: Record<string, unknown> = {};
        if (b.role !== undefined) set.role = b.role;
        if (b.region_scope !== undefined) set.region_scope = b.region_scope;
        if (b.department_code !== undefined) set.department_code = b.department_code;
        if (b.disabled !== undefined) set.disabled_at = b.disabled ? (old.disabled_at ?? sql`now()`) : null;
        if (Object.keys(set).length)
          await trx
            .updateTable('app_user')
            .set(set as never)
            .where('id', '=', id)
            .execute();
        await bumpVersion(trx, 'app_user', id);
        const row = (await getUser(trx, id))!;
        return { result: row, action: 'update', entity: 'user', key: String(id), detail: { old, new: row } };
      });
      ctx.set('ETag', etag(row.version));
      ctx.body = row;
    },
  );
}
