/** Cases: intake, one case with its history, queues, workflow actions and the heat map. */
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { inScope, scopePrefix } from '../auth/policy.js';
import { etag } from '../db/write.js';
import type { Api } from '../http/api.js';
import { canSeeExactHeat, HEAT_PUBLIC, visibleActorName } from '../auth/visibility.js';
import { parseBbox } from '../http/geo.js';
import { badRequest, notFound } from '../http/problem.js';
import Type from 'typebox';
import { linkComponent } from './link.js';
import { placeCase } from './placement.js';
import { CRS_NAMES } from '../geo/crs.js';
import { applyAction } from './actions.js';
import { intakeCase } from './intake.js';
import { publicHeatWindow } from './heat.js';
import { presentCase } from './present.js';
import { caseEvents, getCase, heatPoints, listCases, parseCategory, type CaseFilter } from './queries.js';
import { ACTION_BODY, CASE_QUERY, HEAT_QUERY, ID, REPORT_SCHEMA } from './schema.js';
import { ACTIONS, ACTION_NAMES, STATES, STATE_LABEL, STAGE_OF } from './workflow.js';

/** The queue's query parameters, as CASE_QUERY validates them. */
type CaseQuery = Static<typeof CASE_QUERY>;

function filterFrom(q: CaseQuery, scope: string): CaseFilter {
  const category = q.category ? parseCategory(q.category) : undefined;
  if (q.from && q.to && new Date(q.from) >= new Date(q.to))
    throw badRequest("query parameter 'from' must be before 'to'");
  return {
    states: q.state ? q.state.split(',') : undefined,
    department: q.department,
    overdue: q.overdue,
    bbox: q.bbox ? parseBbox(q.bbox) : undefined,
    category,
    channel: q.channel,
    from: q.from,
    to: q.to,
    outsideCoverage: q.outside_coverage,
    needsLocation: q.needs_location,
    scope,
    before: q.cursor,
    limit: q.limit,
  };
}

export function caseRoutes(api: Api, db: Kysely<DB>, config: Config): void {
  const show = async (ctx: Koa.Context, id: number, user: Parameters<typeof presentCase>[1]) => {
    const c = await getCase(db, id);
    if (!c) throw notFound(`no case ${id}`);
    const events = (await caseEvents(db, id)).map((e) => ({
      ...e,
      actor_name: visibleActorName(
        e.actor_id,
        e.actor_name,
        user,
        e.actor_id !== null || (e.detail as { imported_actor?: boolean } | null)?.imported_actor === true,
      ),
    }));
    const view = { ...presentCase(c, user), events };
    ctx.set('ETag', etag(view.version));
    return view;
  };

  api.route(
    {
      method: 'get',
      path: '/api/workflow',
      tag: 'cases',
      summary:
        'The workflow as data: states (with the stage clock that runs in each) and actions (from, to, roles, what they need)',
    },
    (ctx) => {
      ctx.body = {
        states: STATES.map((s) => ({ state: s, label: STATE_LABEL[s], stage: STAGE_OF[s] })),
        actions: ACTION_NAMES.map((a) => {
          const d = ACTIONS[a];
          return {
            action: a,
            label: d.label,
            from: d.from,
            to: d.to,
            roles: d.roles,
            note: d.note,
            department: d.department ?? null,
            own_department: !!d.ownDepartment,
          };
        }),
      };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/cases',
      tag: 'cases',
      permission: 'report',
      summary: 'Report a case from any channel; stored, located and assigned before the answer',
      description:
        'Send an Idempotency-Key header to make retries safe: the same key and body return the stored case (200); the same key with another body is a 409.',
      body: REPORT_SCHEMA,
      bodyLimitBytes: config.reportLimitBytes,
      errors: {
        409: 'Idempotency-Key reused with a different body',
        413: 'report too large',
        422: 'unknown category or component',
      },
    },
    async (ctx, { body, user }) => {
      const key = ctx.get('Idempotency-Key') || undefined;
      if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
        throw badRequest('the Idempotency-Key header must be 1–200 visible ASCII characters');
      }
      const r = await intakeCase(db, body, {
        user,
        idempotencyKey: key,
        duplicates: { radiusM: config.duplicateRadiusM, windowHours: config.duplicateWindowHours },
        componentRadiusM: config.componentRadiusM,
      });
      ctx.status = r.replayed ? 200 : 201;
      ctx.set('Location', `/api/cases/${r.id}`);
      if (r.replayed) ctx.set('Idempotent-Replayed', 'true');
      ctx.body = await show(ctx, r.id, user);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/cases',
      tag: 'cases',
      permission: 'readCases',
      summary:
        'Queues: cases filtered by state, department, overdue, bbox, category, channel and time; newest first, paged',
      query: CASE_QUERY,
    },
    async (ctx, { query, user }) => {
      const rows = await listCases(db, { ...filterFrom(query, scopePrefix(user)), limit: query.limit + 1 });
      const more = rows.length > query.limit;
      if (more) rows.pop();
      const items = rows.map((c) => presentCase(c, user));
      let next: string | null = null;
      if (more) {
        const u = new URL(ctx.href);
        u.searchParams.set('cursor', String(rows[rows.length - 1].id));
        next = `${u.pathname}${u.search}`;
      }
      ctx.body = { items, next };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/cases/heat',
      tag: 'cases',
      summary: 'Case density for a heat map: [lon, lat, count] per cell',
      description:
        `Dispatchers and admins get the exact map: points snapped to ~11 m cells, any period. Everyone else gets ` +
        `cells of ${HEAT_PUBLIC.CELL_DEG}° (about 200 m) holding at least ${HEAT_PUBLIC.MIN_COUNT} cases, from/to widened to ` +
        `whole days in China time and a period of at least ${HEAT_PUBLIC.MIN_DAYS} days (a shorter one is a 400); ` +
        '`aggregation` says which.',
      query: HEAT_QUERY,
      errors: { 400: 'a period shorter than the public minimum' },
    },
    async (ctx, { query, user }) => {
      const filter = filterFrom(query, '');
      if (canSeeExactHeat(user)) {
        ctx.body = { ...(await heatPoints(db, filter)), aggregation: { exact: true, cell_deg: 0.0001, min_count: 1 } };
        return;
      }
      const period = publicHeatWindow(filter.from, filter.to);
      const cells = { cellDeg: HEAT_PUBLIC.CELL_DEG, minCount: HEAT_PUBLIC.MIN_COUNT };
      ctx.body = {
        ...(await heatPoints(db, { ...filter, ...period }, cells)),
        aggregation: {
          exact: false,
          cell_deg: cells.cellDeg,
          min_count: cells.minCount,
          min_days: HEAT_PUBLIC.MIN_DAYS,
          ...period,
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/cases/:id',
      tag: 'cases',
      permission: 'readCases',
      params: ID,
      summary: 'One case with its assignment, deadlines, allowed actions and full history',
      errors: { 404: 'unknown case' },
    },
    async (ctx, { params, user }) => {
      const v = await show(ctx, params.id, user);
      const region =
        v.assignment.grid?.code ??
        v.assignment.community?.code ??
        v.assignment.street?.code ??
        v.assignment.district?.code ??
        '';
      if (!inScope(user, region)) throw notFound(`no case ${params.id} in your region scope`);
      ctx.body = v;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/cases/:id/actions',
      tag: 'cases',
      params: ID,
      permission: 'actOnCases',
      summary: 'Move a case through the workflow (accept, file, dispatch, dispose, check, close, …)',
      description:
        "A 409 lists the actions the current state allows. Send the case's ETag (its version) as If-Match: when someone else moved the case since you read it, the answer is a 412 with the current version and nothing changes.",
      body: ACTION_BODY,
      errors: {
        404: 'unknown case',
        409: 'not allowed in the current state',
        412: 'If-Match names an older version of the case',
        422: 'missing note or unknown department',
      },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      await applyAction(db, params.id, body, user, { ifMatch });
      ctx.body = await show(ctx, params.id, user);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/cases/:id/component',
      tag: 'cases',
      params: ID,
      permission: 'linkComponent',
      summary: 'Link a component to a case before dispatch (e.g. one of its component_suggestions)',
      description:
        "The case is assigned again with the component: its maintainer (else its owner) becomes the department when it is a department of this platform. Send the case's ETag as If-Match.",
      body: Type.Object(
        { component_code: Type.String({ pattern: '^[0-9]{16,17}$', description: 'a 16- or 17-digit component code' }) },
        { additionalProperties: false },
      ),
      errors: {
        404: 'unknown case',
        409: 'the case has been dispatched',
        412: 'If-Match names an older version of the case',
        422: 'unknown component, or one of another class',
      },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      await linkComponent(db, params.id, body.component_code, user, { ifMatch });
      ctx.body = await show(ctx, params.id, user);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/cases/:id/location',
      tag: 'cases',
      params: ID,
      permission: 'placeCase',
      summary: 'Place a case on the map before dispatch (待定位: an address that could not be geocoded unambiguously)',
      description:
        "The case gets the position and is assigned as at intake (grid, community, street, collector area, department); a 'locate' event records it. Send the case's ETag as If-Match.",
      body: Type.Object(
        {
          location: Type.Object(
            {
              lon: Type.Number({ minimum: -180, maximum: 180 }),
              lat: Type.Number({ minimum: -90, maximum: 90 }),
              crs: Type.Optional(Type.Enum(CRS_NAMES, { type: 'string', default: 'wgs84' })),
            },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
      errors: {
        403: 'the position lies outside your region scope',
        404: 'unknown case',
        409: 'the case has been dispatched',
        412: 'If-Match names an older version of the case',
      },
    },
    async (ctx, { params, body, user, ifMatch }) => {
      await placeCase(db, params.id, body.location, user, { ifMatch });
      ctx.body = await show(ctx, params.id, user);
    },
  );
}
