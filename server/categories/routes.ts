/** Read-only dictionary endpoints: categories, time limits and stage limits. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { notFound } from '../http/problem.js';
import { CATEGORY_KEY_PATTERN, findCategory, stageLimits } from './catalog.js';

export function categoryRoutes(api: Api, db: Kysely<DB>): void {
  api.route({
    method: 'get', path: '/api/categories', tag: 'categories',
    summary: 'The GB/T 47678.5 category dictionary (components and matters), with legacy 4-digit aliases',
    query: {
      type: 'object', additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['component', 'matter'] },
        major: { type: 'string', pattern: '^[0-9]{2}$', description: '2-digit major class' },
      },
    },
  }, async (ctx, { query }) => {
    let q = db.selectFrom('category').select(['kind', 'code', 'major_code', 'major_name', 'name', 'legacy_codes']);
    if (query.kind) q = q.where('kind', '=', query.kind);
    if (query.major) q = q.where('major_code', '=', query.major);
    const rows = await q.orderBy('kind').orderBy('code').execute();
    ctx.body = rows.map((r) => ({ key: `${r.kind}:${r.code}`, ...r }));
  });

  api.route({
    method: 'get', path: '/api/categories/:key', tag: 'categories',
    summary: 'One category by kind:code (legacy 4-digit codes resolve to their GB/T 47678.5 class)',
    params: { type: 'object', properties: { key: { type: 'string', pattern: CATEGORY_KEY_PATTERN } }, required: ['key'] },
    errors: { 404: 'unknown category' },
  }, async (ctx, { params }) => {
    const c = await findCategory(db, params.key);
    if (!c) throw notFound(`no category ${params.key} in the GB/T 47678.5 dictionary`);
    ctx.body = c;
  });

  api.route({
    method: 'get', path: '/api/time-limits', tag: 'categories',
    summary: 'Disposal time limits (working hours per area class A/B/C) and stage limits (working minutes); local configuration',
  }, async (ctx) => {
    const limits = await sql`select id, kind, pattern, condition, hours_a::float8 as hours_a, hours_b::float8 as hours_b,
        hours_c::float8 as hours_c, close_condition from time_limit order by kind, pattern, condition`.execute(db);
    ctx.body = { stages: await stageLimits(db), limits: limits.rows };
  });
}
