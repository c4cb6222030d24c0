/** Responsibility rules (责权规则): category pattern × area → department. /api/rules and /api/rules/:id. */
import { sql, type Kysely, type Transaction } from 'kysely';
import Type, { type Static } from 'typebox';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import {
  areaHooks,
  areaJson,
  areaSchema,
  requireAreaInScope,
  resolveArea,
  storedAreaColumns,
  storedGeom,
  type AreaKind,
} from './areas.js';
import { DEPT_CODE, Problems, idParams, nullableDate, round1 } from './common.js';
import { versionedCrudRoutes } from './crud.js';

export const CATEGORY_PATTERN = '^(\\*|(component|matter|\\*):([0-9]{2}|[0-9]{5}|\\*))$';
const category = (description: string) => Type.String({ pattern: CATEGORY_PATTERN, description });
const fields = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  category: category(
    '"*" or kind:pattern — kind component|matter|*, pattern a 5-digit code, a 2-digit major class or * (e.g. matter:06010, matter:06, *:01)',
  ),
  area: areaSchema(['anywhere', 'polygon', 'regions']),
  department_code: Type.String({ pattern: DEPT_CODE }),
  priority: Type.Optional(Type.Integer({ minimum: -1000000, maximum: 1000000 })),
  valid_from: Type.Optional(nullableDate),
  valid_to: Type.Optional(nullableDate),
};
const createBody = Type.Object(fields, { additionalProperties: false });
const patchBody = Type.Partial(createBody, { additionalProperties: false, minProperties: 1 });
const listQuery = Type.Object(
  {
    department: Type.Optional(Type.String({ pattern: DEPT_CODE, description: 'only rules of this department' })),
    category: Type.Optional(category('only rules written with exactly this category (e.g. matter:06)')),
  },
  { additionalProperties: false },
);

type RuleInput = Static<typeof patchBody>;

type CategoryKind = 'component' | 'matter';
export interface ParsedCategory {
  kind: CategoryKind | null;
  pattern: string;
}

export function parseCategory(text: string): ParsedCategory {
  if (text === '*') return { kind: null, pattern: '*' };
  const [k, p] = text.split(':');
  return { kind: k === '*' ? null : (k as CategoryKind), pattern: p };
}

export function categoryText(kind: CategoryKind | null, pattern: string): string {
  if (kind === null) return pattern === '*' ? '*' : `*:${pattern}`;
  return `${kind}:${pattern}`;
}

/** 422 problem when no category in the dictionary matches the pattern. */
export async function checkCategory(
  trx: Transaction<DB> | Kysely<DB>,
  c: ParsedCategory,
  text: string,
  location: string,
  problems: Problems,
): Promise<void> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from category
    where (${c.kind}::text is null or kind = ${c.kind})
      and (${c.pattern} = '*' or code = ${c.pattern} or major_code = ${c.pattern})`.execute(trx);
  if (r.rows[0].n > 0) return;
  const what =
    c.pattern.length === 5
      ? `category ${text} is not in the category dictionary`
      : c.pattern.length === 2
        ? `category ${text}: no ${c.kind ?? 'component or matter'} category has major class ${c.pattern}`
        : `category ${text}: the dictionary has no ${c.kind} categories`;
  problems.add(location, what);
}

interface RuleRow {
  id: number;
  name: string;
  category_kind: CategoryKind | null;
  category_pattern: string;
  area_kind: AreaKind;
  area_codes: string[];
  geometry: unknown;
  area_m2: number | null;
  department_code: string;
  department_name: string;
  priority: number;
  valid_from: string | null;
  valid_to: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function present(r: RuleRow) {
  return {
    id: r.id,
    name: r.name,
    category: categoryText(r.category_kind, r.category_pattern),
    category_kind: r.category_kind,
    category_pattern: r.category_pattern,
    area: areaJson(r.area_kind, r.area_codes, r.geometry),
    area_m2: r.area_m2 === null ? null : round1(r.area_m2),
    department_code: r.department_code,
    department_name: r.department_name,
    priority: r.priority,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type Rule = ReturnType<typeof present>;

async function selectRules(db: Kysely<DB> | Transaction<DB>, where: ReturnType<typeof sql>) {
  const r = await sql<RuleRow>`
    select r.id, r.name, r.category_kind, r.category_pattern, r.area_kind, r.area_codes,
           ST_AsGeoJSON(r.area_geom)::json as geometry, r.area_m2, r.department_code, d.name as department_name,
           r.priority, r.valid_from, r.valid_to, r.version, r.created_at, r.updated_at
    from resp_rule r join department d on d.code = r.department_code
    where ${where} order by r.id`.execute(db);
  return r.rows.map(present);
}

export async function getRule(db: Kysely<DB> | Transaction<DB>, id: number): Promise<Rule | undefined> {
  return (await selectRules(db, sql`r.id = ${id}`))[0];
}

/** Checks the fields that were sent; returns the resolved area when one was sent. */
async function checkRule(
  trx: Transaction<DB>,
  b: RuleInput,
  dates: { from: string | null; to: string | null },
  problems: Problems,
) {
  if (b.category !== undefined)
    await checkCategory(trx, parseCategory(b.category), b.category, 'body.category', problems);
  if (b.department_code !== undefined) {
    const d = await trx
      .selectFrom('department')
      .select('code')
      .where('code', '=', b.department_code)
      .executeTakeFirst();
    if (!d) problems.add('body.department_code', `department ${b.department_code} does not exist`);
  }
  if (dates.from !== null && dates.to !== null && dates.to < dates.from) {
    problems.add('body.valid_to', `valid_to ${dates.to} is before valid_from ${dates.from}`);
  }
  return b.area ? resolveArea(trx, b.area, 'body.area', problems) : undefined;
}

export function ruleRoutes(api: Api, db: Kysely<DB>): void {
  const tag = 'responsibility';

  api.route(
    {
      method: 'get',
      path: '/api/rules',
      tag,
      query: listQuery,
      summary: 'List responsibility rules (ordered by id), optionally of one department and/or one category',
    },
    async (ctx, { query }) => {
      const conds = [sql`true`];
      if (query.department) conds.push(sql`r.department_code = ${query.department}`);
      if (query.category) {
        const c = parseCategory(query.category);
        conds.push(sql`r.category_kind is not distinct from ${c.kind}::text and r.category_pattern = ${c.pattern}`);
      }
      ctx.body = await selectRules(db, sql.join(conds, sql` and `));
    },
  );

  versionedCrudRoutes(api, db, tag, {
    names: { entity: 'rule', table: 'resp_rule', path: '/api/rules', key: 'id', noun: 'rule' },
    schemas: { params: idParams, create: createBody, patch: patchBody },
    get: { summary: 'One responsibility rule' },
    read: getRule,
    ...areaHooks('rule'),
    post: {
      summary: 'Create a responsibility rule',
      description:
        'area: {kind:"anywhere"} | {kind:"polygon", geometry} | {kind:"regions", codes}. area_m2 is the polygon\'s geodesic area or the sum of the listed regions\' areas (nested codes counted once).',
      errors: { 422: 'unknown category, department or region code; invalid polygon; valid_to before valid_from' },
    },
    async insert(trx, b, user) {
      const problems = new Problems();
      const area = await checkRule(trx, b, { from: b.valid_from ?? null, to: b.valid_to ?? null }, problems);
      problems.throwIfAny();
      await requireAreaInScope(trx, user, area!, 'the rule area');
      const c = parseCategory(b.category);
      const r = await sql<{ id: number }>`
        insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_geom, area_m2,
                               department_code, priority, valid_from, valid_to)
        values (${b.name ?? ''}, ${c.kind}, ${c.pattern}, ${area!.kind}, ${area!.codes}::text[], ${storedGeom(area!)},
                ${area!.area_m2}, ${b.department_code}, ${b.priority ?? 0}, ${b.valid_from ?? null}::date, ${b.valid_to ?? null}::date)
        returning id`.execute(trx);
      return r.rows[0].id;
    },
    patch: {
      summary: 'Change a rule (partial: only the fields sent; area is replaced as a whole); version + 1',
      errors: {
        422: 'unknown category, department or region code; invalid polygon; bad dates',
      },
    },
    async update(trx, id, b, old, user) {
      const problems = new Problems();
      const dates = {
        from: b.valid_from === undefined ? old.valid_from : b.valid_from,
        to: b.valid_to === undefined ? old.valid_to : b.valid_to,
      };
      const area = await checkRule(trx, b, dates, problems);
      problems.throwIfAny();
      if (area) await requireAreaInScope(trx, user, area, 'the rule area');
      const set: Record<string, unknown> = { updated_at: sql`now()` };
      if (b.name !== undefined) set.name = b.name;
      if (b.category !== undefined) {
        const c = parseCategory(b.category);
        set.category_kind = c.kind;
        set.category_pattern = c.pattern;
      }
      if (area) Object.assign(set, storedAreaColumns(area), { area_m2: area.area_m2 });
      if (b.department_code !== undefined) set.department_code = b.department_code;
      if (b.priority !== undefined) set.priority = b.priority;
      if (b.valid_from !== undefined) set.valid_from = b.valid_from;
      if (b.valid_to !== undefined) set.valid_to = b.valid_to;
      return set;
    },
    delete: { summary: 'Delete a rule' },
  });
}
