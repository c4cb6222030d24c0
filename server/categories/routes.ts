/** Read-only dictionary endpoints: categories, time limits and stage limits. */
import { sql, type Kysely } from 'kysely';
import Type from 'typebox';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { requireUnscoped } from '../auth/policy.js';
import { bumpVersion, etag, lockVersion, write } from '../db/write.js';
import { notFound, unprocessable } from '../http/problem.js';
import { Defaulted } from '../http/types.js';
import { CATEGORY_KEY_PATTERN, findCategory, stageLimits } from './catalog.js';

const positive = () => Type.Number({ exclusiveMinimum: 0, maximum: 100000 });
/** The body of PUT /api/time-limits: stage minutes and the disposal-hours table. */
const timeLimitsBody = Type.Object(
  {
    stages: Type.Object(
      {
        accept: positive(),
        verify: positive(),
        file: positive(),
        dispatch: positive(),
        check: positive(),
        close: positive(),
      },
      { additionalProperties: false },
    ),
    limits: Type.Array(
      Type.Object(
        {
          kind: Type.Enum(['component', 'matter', '*'], { type: 'string' }),
          pattern: Type.String({
            pattern: '^([0-9]{2}|[0-9]{5}|\\*)$',
            description: "a 5-digit class, a 2-digit major or '*'",
          }),
          condition: Defaulted(Type.String({ maxLength: 100, default: '' })),
          hours_a: positive(),
          hours_b: positive(),
          hours_c: positive(),
          close_condition: Defaulted(Type.String({ maxLength: 500, default: '' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10000 },
    ),
  },
  { additionalProperties: false },
);

export function categoryRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/categories',
      tag: 'categories',
      summary: 'The GB/T 47678.5 category dictionary (components and matters), with legacy 4-digit aliases',
      query: Type.Object(
        {
          kind: Type.Optional(Type.Enum(['component', 'matter'], { type: 'string' })),
          major: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: '2-digit major class' })),
        },
        { additionalProperties: false },
      ),
    },
    async (ctx, { query }) => {
      let q = db.selectFrom('category').select(['kind', 'code', 'major_code', 'major_name', 'name', 'legacy_codes']);
      if (query.kind) q = q.where('kind', '=', query.kind);
      if (query.major) q = q.where('major_code', '=', query.major);
      const rows = await q.orderBy('kind').orderBy('code').execute();
      ctx.body = rows.map((r) => ({ key: `${r.kind}:${r.code}`, ...r }));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/categories/:key',
      tag: 'categories',
      summary: 'One category by kind:code (legacy 4-digit codes resolve to their GB/T 47678.5 class)',
      params: Type.Object({ key: Type.String({ pattern: CATEGORY_KEY_PATTERN }) }),
      errors: { 404: 'unknown category' },
    },
    async (ctx, { params }) => {
      const c = await findCategory(db, params.key);
      if (!c) throw notFound(`no category ${params.key} in the GB/T 47678.5 dictionary`);
      ctx.body = c;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/time-limits',
      tag: 'categories',
      summary:
        'Disposal time limits (working hours per area class A/B/C) and stage limits (working minutes); local configuration',
    },
    async (ctx) => {
      const limits =
        await sql`select id, kind, pattern, condition, hours_a::float8 as hours_a, hours_b::float8 as hours_b,
        hours_c::float8 as hours_c, close_condition from time_limit order by kind, pattern, condition`.execute(db);
      const v = await db
        .selectFrom('resource_version')
        .select('version')
        .where('name', '=', 'time_limits')
        .executeTakeFirstOrThrow();
      ctx.set('ETag', etag(v.version));
      ctx.body = { stages: await stageLimits(db), limits: limits.rows, version: v.version };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/api/time-limits',
      tag: 'categories',
      permission: 'editSettings',
      summary:
        'Replace the local time-limit table (disposal hours per category × condition × area class, and stage minutes)',
      body: timeLimitsBody,
      errors: { 422: 'unknown category pattern, duplicate rows or no catch-all row' },
    },
    async (ctx, { body, user, ifMatch }) => {
      requireUnscoped(user, 'the time-limit table');
      const { stages, limits } = body;
      const known = await sql<{ k: string }>`select kind || ':' || code as k from category
      union select kind || ':' || major_code from category union select '*:' || code from category
      union select '*:' || major_code from category`.execute(db);
      const ok = new Set(known.rows.map((r) => r.k));
      const errors: { location: string; message: string }[] = [];
      const seen = new Set<string>();
      limits.forEach((l, i) => {
        const key = `${l.kind}:${l.pattern}:${l.condition}`;
        if (l.pattern !== '*' && !ok.has(`${l.kind}:${l.pattern}`))
          errors.push({
            location: `body.limits[${i}].pattern`,
            message: `no ${l.kind === '*' ? 'category' : l.kind} class ${l.pattern} in the dictionary`,
          });
        if (seen.has(key))
          errors.push({
            location: `body.limits[${i}]`,
            message: `duplicate row for ${l.kind}:${l.pattern} condition '${l.condition}'`,
          });
        seen.add(key);
      });
      if (!limits.some((l) => l.kind === '*' && l.pattern === '*' && l.condition === '')) {
        errors.push({
          location: 'body.limits',
          message: "the table needs a catch-all row (kind '*', pattern '*', no condition) so every case gets a limit",
        });
      }
      if (errors.length) throw unprocessable(errors.map((e) => e.message).join('; '), { errors });
      const version = await write(db, { actor: user }, async (trx) => {
        await lockVersion(trx, 'resource_version', 'time_limits', ifMatch);
        await sql`delete from time_limit`.execute(trx);
        await sql`insert into time_limit (kind, pattern, condition, hours_a, hours_b, hours_c, close_condition)
        select kind, pattern, condition, hours_a, hours_b, hours_c, close_condition
        from jsonb_to_recordset(${JSON.stringify(limits)}::jsonb)
          as r(kind text, pattern text, condition text, hours_a numeric, hours_b numeric, hours_c numeric, close_condition text)`.execute(
          trx,
        );
        for (const [stage, minutes] of Object.entries(stages)) {
          await sql`insert into stage_limit (stage, minutes) values (${stage}, ${minutes})
          on conflict (stage) do update set minutes = excluded.minutes`.execute(trx);
        }
        const version = await bumpVersion(trx, 'resource_version', 'time_limits');
        return {
          result: version,
          action: 'update',
          entity: 'time_limits',
          key: null,
          detail: { rows: limits.length, stages },
        };
      });
      ctx.set('ETag', etag(version));
      ctx.body = { stages, rows: limits.length, version };
    },
  );
}
