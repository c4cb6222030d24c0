/**
 * HTTP routes of boundary editing (构建与维护): split, merge, reshape, retire, create, rename and move unit grids —
 * at once (If-Match: the grid's ETag) or into a draft (`?draft=ID`, If-Match: the draft's ETag) — and the drafts:
 * list, show, undo, what-if, publish, discard. Publishing (a direct edit or a draft) re-assigns the open cases.
 */
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import type { Static } from 'typebox';
import type { Api, SpecSchema } from '../http/api.js';
import { etag } from '../db/write.js';
import { badRequest } from '../http/problem.js';
import { reassignOpenCases, type ReassignResult } from '../assign/reassign.js';
import { directEdit, type EditOp } from './edit.js';
import { createDraft, discardDraft, draftEdit, getDraft, listDrafts, publish, undoDraft } from './drafts.js';
import { whatIf } from './whatif.js';
import * as S from './schema.js';

const EDIT_ERRORS = {
  403: 'the edit changes a region outside your scope',
  404: 'no such unit grid (or draft)',
  409: 'a draft was published over: changed since drafted',
  412: 'If-Match names an older version of the grid (or draft)',
  422: 'the edit was refused: every problem listed (invalid polygon, gap, overlap, outside, codes); nothing was written',
};

export function gridEditRoutes(api: Api, db: Kysely<DB>): void {
  /** Runs an edit directly (publish + re-assignment) or into a draft. */
  async function run(ctx: Context, user: User, e: EditOp, draft: number | undefined, ifMatch: string[] | undefined) {
    if (draft !== undefined) {
      const r = await draftEdit(db, user, draft, e, ifMatch);
      ctx.set('ETag', etag(r.version));
      ctx.body = { draft, ...r };
      return;
    }
    const r = await directEdit(db, user, e, ifMatch);
    ctx.body = { ...r, reassigned: await reassignAfter(db, user, r.change_id) };
  }

  const edit = <T extends SpecSchema>(
    path: string,
    summary: string,
    description: string,
    body: T,
    toOp: (code: string, b: Static<T>) => EditOp,
  ) =>
    api.route(
      {
        method: 'post',
        path,
        tag: 'grid-edit',
        permission: 'editGrids',
        summary,
        description,
        params: S.gridParams,
        query: S.editQuery,
        body,
        errors: EDIT_ERRORS,
      },
      async (ctx, { params, query, body: b, user, ifMatch }) =>
        run(ctx, user, toOp(params.code, b as Static<T>), query.draft, ifMatch),
    );

  edit(
    '/api/grids/:code/split',
    'Split a unit grid by a line drawn across it',
    'Every polygon of the result is a new grid with a new code (next serials of the community; the old code is retired), ordered north to south, west to east. Neighbours get the new boundary vertices so that they follow later vertex moves.',
    S.splitBody,
    (code, b) => ({ op: 'split', code, line: b.line, names: b.names }),
  );
  edit(
    '/api/grids/:code/merge',
    'Merge adjacent unit grids of one community into this one',
    'The lowest code survives with the union; the others are retired. References to them (collector areas, rules, area classes) follow to the survivor.',
    S.mergeBody,
    (code, b) => ({ op: 'merge', code, with: b.with, name: b.name }),
  );
  edit(
    '/api/grids/:code/reshape',
    'Move, add or delete a vertex of a grid edge; every grid and region sharing it follows',
    '`at`: the vertex (move, delete) or a point on an edge (add); `to`: where it goes. Matched within 1e-6°; a neighbour whose edge merely passes through the vertex gets it inserted first.',
    S.reshapeBody,
    (code, b) => ({ op: 'reshape', code, action: b.action, at: b.at, to: b.to }),
  );
  edit(
    '/api/grids/:code/retire',
    'Retire a unit grid: its area goes to a neighbouring grid',
    'The neighbour may be in another community: both communities (and streets) follow.',
    S.retireBody,
    (code, b) => ({ op: 'retire', code, to: b.to }),
  );

  api.route(
    {
      method: 'post',
      path: '/api/grids',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Create a unit grid in a gap of a community',
      description:
        'The drawn polygon is clipped to the community and to the area no grid covers; the grid gets the next serial.',
      query: S.editQuery,
      body: S.createBody,
      errors: EDIT_ERRORS,
    },
    async (ctx, { query, body, user, ifMatch }) =>
      run(
        ctx,
        user,
        { op: 'create', community_code: body.community_code, name: body.name, geometry: body.geometry },
        query.draft,
        ifMatch,
      ),
  );

  api.route(
    {
      method: 'patch',
      path: '/api/grids/:code',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Rename a unit grid, or move it to a neighbouring community (it gets a code there)',
      params: S.gridParams,
      query: S.editQuery,
      body: S.patchBody,
      errors: EDIT_ERRORS,
    },
    async (ctx, { params, query, body, user, ifMatch }) =>
      run(
        ctx,
        user,
        body.community_code !== undefined
          ? { op: 'move', code: params.code, community_code: body.community_code }
          : { op: 'rename', code: params.code, name: body.name! },
        query.draft,
        ifMatch,
      ),
  );

  api.route(
    {
      method: 'patch',
      path: '/api/regions/:code',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Rename a district, street or community, or move a community to a neighbouring street',
      description:
        'A moved community gets the next community code of the street, its grids keep their serials under it, and both streets follow. If-Match: the region ETag (its version).',
      params: S.regionParams,
      query: S.editQuery,
      body: S.regionPatchBody,
      errors: EDIT_ERRORS,
    },
    async (ctx, { params, query, body, user, ifMatch }) => {
      if (body.street_code !== undefined && params.code.length !== 12)
        throw badRequest(`only a community (12 digits) moves to another street; ${params.code} is not one`);
      await run(
        ctx,
        user,
        body.street_code !== undefined
          ? { op: 'move-communities', code: params.code, communities: [params.code], street: body.street_code }
          : { op: 'rename-region', code: params.code, name: body.name! },
        query.draft,
        ifMatch,
      );
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/regions',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Create a street from communities of one district (a street office split): they move into it',
      query: S.editQuery,
      body: S.newStreetBody,
      errors: EDIT_ERRORS,
    },
    async (ctx, { query, body, user, ifMatch }) =>
      run(
        ctx,
        user,
        {
          op: 'move-communities',
          code: body.district_code,
          communities: body.communities,
          street: null,
          streetName: body.name,
          district: body.district_code,
        },
        query.draft,
        ifMatch,
      ),
  );

  // ---- drafts ----
  api.route(
    {
      method: 'get',
      path: '/api/grid-drafts',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Drafts of boundary edits in your scope',
    },
    async (ctx, { user }) => {
      ctx.body = { items: await listDrafts(db, user) };
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/grid-drafts',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Start a draft (a change set published at once)',
      body: S.draftBody,
    },
    async (ctx, { body, user }) => {
      const d = await createDraft(db, user, body.name);
      ctx.status = 201;
      ctx.set('ETag', etag(d.version));
      ctx.body = d;
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/grid-drafts/:id',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'A draft: its steps and the features it changes (GeoJSON)',
      params: S.draftParams,
      errors: { 404: 'no such draft in your scope' },
    },
    async (ctx, { params, user }) => {
      const d = await getDraft(db, user, params.id);
      ctx.set('ETag', etag(d.version));
      ctx.body = d;
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/grid-drafts/:id/undo',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Undo the last step of a draft',
      params: S.draftParams,
      errors: { 404: 'no such draft', 409: 'nothing to undo', 412: 'stale If-Match' },
    },
    async (ctx, { params, user, ifMatch }) => {
      const d = await undoDraft(db, user, params.id, ifMatch);
      ctx.set('ETag', etag(d.version));
      ctx.body = d;
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/grid-drafts/:id/what-if',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary:
        'What publishing the draft would do: open cases that move (grid, collector area, department) and references that follow',
      params: S.draftParams,
      errors: { 404: 'no such draft', 409: 'changed since drafted' },
    },
    async (ctx, { params, user }) => {
      ctx.body = await whatIf(db, user, params.id);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/grid-drafts/:id/publish',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Publish a draft at once (its rows end and start together), then re-assign the open cases',
      params: S.draftParams,
      errors: { 404: 'no such draft', 409: 'changed since drafted, or nothing to publish', 412: 'stale If-Match' },
    },
    async (ctx, { params, user, ifMatch }) => {
      const r = await publish(db, user, params.id, ifMatch);
      ctx.body = { ...r, reassigned: await reassignAfter(db, user, r.change_id) };
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/grid-drafts/:id',
      tag: 'grid-edit',
      permission: 'editGrids',
      summary: 'Discard a draft (the boundaries never saw it)',
      params: S.draftParams,
      errors: { 404: 'no such draft', 412: 'stale If-Match' },
    },
    async (ctx, { params, user, ifMatch }) => {
      await discardDraft(db, user, params.id, ifMatch);
      ctx.status = 204;
    },
  );
}

/**
 * The open cases inside the area a published change touched, placed again. The change is committed by then: if this
 * fails (a database fault), the answer still says it was published, with `reassigned: null` — its cases keep the
 * older library version mark, and the next full run (POST /api/assign/reassign) places them.
 */
async function reassignAfter(db: Kysely<DB>, user: User, change: number): Promise<ReassignResult | null> {
  try {
    return await reassignOpenCases(db, { actor: user, changes: [change] });
  } catch (err) {
    console.error(`re-assignment after grid change ${change} failed:`, err);
    return null;
  }
}
