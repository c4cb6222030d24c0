/** Departments (专业部门): /api/departments and /api/departments/:code. */
import { sql, type Kysely, type Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { requireRegionInScope } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { conflict } from '../http/problem.js';
import { Nullable } from '../http/types.js';
import { DEPT_CODE, Problems, listText } from './common.js';
import { versionedCrudRoutes } from './crud.js';

export const DEPARTMENT_KINDS = [
  '市政',
  '园林',
  '环卫',
  '城管执法',
  '交警',
  '电力',
  '通信运营商',
  '水务',
  '燃气',
  '街道办',
  '监督中心',
  '其他',
] as const;

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  parent_code: Type.Optional(
    Nullable(Type.String({ pattern: DEPT_CODE }), { description: 'the parent department code, or null' }),
  ),
  kind: Type.Enum(DEPARTMENT_KINDS, { type: 'string' }),
  contact: Type.Optional(Type.String({ maxLength: 100 })),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
  region_code: Type.Optional(
    Type.String({
      pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12})?$',
      description:
        'the region the department belongs to (a district, street or community code; "" = the whole city, the default); editors scoped to a region manage its departments',
    }),
  ),
  fallback_for: Type.Optional(
    Nullable(Type.String({ pattern: '^([0-9]{6}|[0-9]{9})?$' }), {
      description:
        'a live street (9 digits) or district (6) code whose uncovered reports this department takes (属地兜底), "" for everywhere, or null',
    }),
  ),
};
const createBody = Type.Object(
  { code: Type.String({ pattern: DEPT_CODE, description: '1–40 letters, digits, _ . -' }), ...fields },
  { additionalProperties: false },
);
const patchBody = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
const codeParams = Type.Object({ code: Type.String({ pattern: DEPT_CODE }) });

type DeptInput = Static<typeof patchBody> & { code?: string };

const COLUMNS = [
  'code',
  'name',
  'parent_code',
  'kind',
  'contact',
  'phone',
  'region_code',
  'fallback_for',
  'version',
  'created_at',
  'updated_at',
] as const;

function getDepartment(db: Kysely<DB>, code: string) {
  return db.selectFrom('department').select(COLUMNS).where('code', '=', code).executeTakeFirst();
}

/** 403 unless the user's scope covers the department's region ('' = the whole city: unscoped editors only). */
function requireDepartmentInScope(user: User, d: { region_code?: string }, what: string): void {
  requireRegionInScope(user, d.region_code ?? '', what);
}

/** Parent exists and is not the department itself or one of its descendants; the fallback region is live. */
async function checkFields(
  trx: Transaction<DB>,
  b: DeptInput,
  self: string,
  problems: Problems,
  region: string,
): Promise<void> {
  if (b.fallback_for !== undefined && b.fallback_for !== null && !b.fallback_for.startsWith(region)) {
    problems.add(
      'body.fallback_for',
      `fallback_for ${b.fallback_for === '' ? '"" (everywhere)' : b.fallback_for} lies outside the department's region ${region}; a department takes the uncovered reports of its own region only`,
    );
  }
  if (b.region_code) {
    const live = await sql<{ n: number }>`
      select count(*)::int as n from region where code = ${b.region_code} and termination_date is null`.execute(trx);
    if (live.rows[0].n === 0)
      problems.add('body.region_code', `region_code: no live district, street or community with code ${b.region_code}`);
  }
  if (b.parent_code) {
    const parent = await getDepartment(trx, b.parent_code);
    if (!parent) problems.add('body.parent_code', `parent department ${b.parent_code} does not exist`);
    else {
      const up = await sql<{ code: string }>`
        with recursive up(code, parent_code) as (
          select code, parent_code from department where code = ${b.parent_code}
          union
          select d.code, d.parent_code from department d join up on d.code = up.parent_code)
        select code from up`.execute(trx);
      if (up.rows.some((r) => r.code === self)) {
        problems.add(
          'body.parent_code',
          `parent ${b.parent_code} would make a cycle: ${self === b.parent_code ? 'a department cannot be its own parent' : `${b.parent_code} is under ${self}`}`,
        );
      }
    }
  }
  if (b.fallback_for) {
    const live = await sql<{ n: number }>`
      select count(*)::int as n from region where code = ${b.fallback_for} and termination_date is null`.execute(trx);
    if (live.rows[0].n === 0)
      problems.add('body.fallback_for', `fallback_for: no live district or street with code ${b.fallback_for}`);
  }
}

/** 409 when another department already takes the fallback of this region. */
async function checkFallbackFree(
  trx: Transaction<DB>,
  fallback: string | null | undefined,
  self: string,
): Promise<void> {
  if (fallback === null || fallback === undefined) return;
  const r = await sql<{ code: string; name: string }>`
    select code, name from department where fallback_for = ${fallback} and code <> ${self}`.execute(trx);
  const holder = r.rows[0];
  if (holder) {
    const where = fallback === '' ? 'everywhere' : `region ${fallback}`;
    throw conflict(
      `department ${holder.code} (${holder.name}) is already the fallback for ${where}; one department per region`,
      { holder: holder.code },
    );
  }
}

/** "2 rules (#1, #2)", or '' for none. */
const counted = (noun: string, items: (string | number)[]) =>
  items.length && `${items.length} ${noun}${items.length === 1 ? '' : 's'} (${listText(items)})`;

export function departmentRoutes(api: Api, db: Kysely<DB>): void {
  const tag = 'responsibility';
  api.route(
    {
      method: 'get',
      path: '/api/departments',
      tag,
      summary: 'List departments (ordered by code)',
    },
    async (ctx) => {
      ctx.body = await db.selectFrom('department').select(COLUMNS).orderBy('code').execute();
    },
  );

  versionedCrudRoutes(api, db, tag, {
    names: { entity: 'department', table: 'department', path: '/api/departments', key: 'code', noun: 'department' },
    schemas: { params: codeParams, create: createBody, patch: patchBody },
    get: { summary: 'One department' },
    read: getDepartment,
    scope: (_trx, user, old, code) => requireDepartmentInScope(user, old, `department ${code}`),
    post: {
      summary: 'Create a department',
      errors: { 409: 'the code exists or the fallback region is taken', 422: 'unknown parent or region' },
    },
    async insert(trx, b, user) {
      const problems = new Problems();
      await checkFields(trx, b, b.code, problems, b.region_code ?? '');
      problems.throwIfAny();
      requireDepartmentInScope(user, b, "the department's region_code");
      if (await getDepartment(trx, b.code)) throw conflict(`department ${b.code} already exists`);
      await checkFallbackFree(trx, b.fallback_for, b.code);
      await trx
        .insertInto('department')
        .values({
          code: b.code,
          name: b.name,
          parent_code: b.parent_code ?? null,
          kind: b.kind,
          region_code: b.region_code ?? '',
          contact: b.contact ?? '',
          phone: b.phone ?? '',
          fallback_for: b.fallback_for ?? null,
        })
        .execute();
      return b.code;
    },
    patch: {
      summary: 'Change a department (partial: only the fields sent; null clears parent_code or fallback_for)',
      errors: {
        409: 'the fallback region is taken',
        422: 'unknown parent or region, or a cycle',
      },
    },
    async update(trx, code, b, old, user) {
      const problems = new Problems();
      await checkFields(
        trx,
        { fallback_for: old.fallback_for, ...b },
        code,
        problems,
        b.region_code ?? old.region_code,
      );
      problems.throwIfAny();
      if (b.region_code !== undefined) requireDepartmentInScope(user, b, 'the new region_code');
      if (b.fallback_for !== undefined && b.fallback_for !== old.fallback_for)
        await checkFallbackFree(trx, b.fallback_for, code);
      return { ...b, updated_at: sql`now()` };
    },
    delete: {
      summary: 'Delete a department nothing refers to (rules, sub-departments, components, cases, users)',
      errors: { 409: 'still referenced; the answer lists by what' },
    },
    async references(trx, code) {
      const refs = await references(trx, code);
      const parts = [
        counted(
          'rule',
          refs.rules.map((id) => `#${id}`),
        ),
        counted('sub-department', refs.departments),
        counted('component', refs.components),
        refs.cases && `${refs.cases} case${refs.cases === 1 ? '' : 's'}`,
        counted('user', refs.users),
      ].filter(Boolean);
      if (parts.length) {
        throw conflict(`department ${code} is still referenced by ${parts.join(', ')}; move or delete them first`, {
          references: refs,
        });
      }
    },
  });
}

/** What refers to a department, each list ordered. */
async function references(trx: Transaction<DB>, code: string) {
  const r = await sql<{ rules: number[]; departments: string[]; components: string[]; cases: number; users: string[] }>`
    select array(select id from resp_rule where department_code = ${code} order by id) as rules,
           array(select d.code from department d where d.parent_code = ${code} order by d.code) as departments,
           array(select c.code from component c where ${code} in (c.owner_code, c.maintainer_code) order by c.code)
             as components,
           (select count(*)::int from case_record where department_code = ${code}) as cases,
           array(select name from app_user where department_code = ${code} order by id) as users`.execute(trx);
  return r.rows[0];
}
