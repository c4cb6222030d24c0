/** Assignment preview ("what would a report here get, and why") and the re-assignment command. */
import type { Kysely } from 'kysely';
import Type from 'typebox';
import { visibleCollectors } from '../auth/visibility.js';
import type { DB } from '../db/schema.js';
import { scopePrefix } from '../auth/policy.js';
import type { Api } from '../http/api.js';
import { unprocessable } from '../http/problem.js';
import { CATEGORY_KEY_PATTERN, findCategory } from '../categories/catalog.js';
import { CRS_NAMES, toWgs84 } from '../geo/crs.js';
import { Defaulted } from '../http/types.js';
import { deadlineRules, stageDeadline } from '../calendar/deadlines.js';
import { assign } from './assign.js';
import { reassignOpenCases } from './reassign.js';

export function assignRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/assign/preview',
      tag: 'assign',
      summary:
        'What a report of this category at this point would get: grid, area class, collectors, department, deadlines — and why',
      query: Type.Object(
        {
          lon: Type.Number({ minimum: -180, maximum: 180 }),
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          crs: Defaulted(Type.Enum(CRS_NAMES, { type: 'string', default: 'wgs84' })),
          category: Type.String({ pattern: CATEGORY_KEY_PATTERN, description: 'kind:code, e.g. matter:06010' }),
          component: Type.Optional(Type.String({ pattern: '^[0-9]{16,17}$' })),
          condition: Type.Optional(Type.String({ maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
      description:
        "The collectors of the point's collector area carry names only for signed-in staff and phone numbers only for admin and dispatcher.",
      errors: { 422: 'unknown category' },
    },
    async (ctx, { query, user }) => {
      const category = await findCategory(db, query.category);
      if (!category)
        throw unprocessable(
          `unknown category '${query.category}': not in the GB/T 47678.5 dictionary (see /api/categories)`,
        );
      const { lon, lat } = toWgs84(query.lon, query.lat, query.crs);
      const now = new Date();
      const assignment = await assign(db, {
        lon,
        lat,
        kind: category.kind,
        code: category.code,
        componentCode: query.component,
        at: now,
      });
      const rules = await deadlineRules(db, {
        kind: category.kind,
        code: category.code,
        condition: query.condition ?? '',
        areaClass: assignment.area_class,
      });
      ctx.body = {
        location: { lon, lat, input: { lon: query.lon, lat: query.lat, crs: query.crs } },
        category,
        assignment: { ...assignment, collectors: visibleCollectors(assignment.collectors, user) },
        time_limit: rules.limit ?? null,
        deadlines: {
          accept_if_reported_now: stageDeadline(rules, 'accept', now)?.toISOString() ?? null,
          dispose_if_dispatched_now: stageDeadline(rules, 'dispose', now)?.toISOString() ?? null,
        },
      };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/assign/rerun',
      tag: 'assign',
      permission: 'rerunAssignment',
      summary: 'Re-run assignment for open cases after grids or the responsibility library changed',
      description:
        "Only cases in the caller's region scope, and only those assigned with an older library version unless all=true. Departments change only for cases not yet dispatched; others get a proposed_department.",
      body: Type.Object({ all: Defaulted(Type.Boolean({ default: false })) }, { additionalProperties: false }),
    },
    async (ctx, { body, user }) => {
      ctx.body = await reassignOpenCases(db, { all: body.all, actor: user, scope: scopePrefix(user) });
    },
  );
}
