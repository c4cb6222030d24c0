/**
 * Running an edit: one transaction through the write path, serialised with every other boundary edit (an advisory
 * lock, so two editors never interleave on shared edges), the operation written as a draft step, the checks, and —
 * for a direct edit — the publish in the same transaction. Refused edits (422 listing every problem) write nothing.
 *
 * A direct edit takes the `If-Match` of the grid it names; a drafted one the draft's. Drafts are invisible to
 * routing, tiles and every other reader until published.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { requireCodesInScope } from '../auth/policy.js';
import { REGION_LAYERS } from '../importexport/publish.js';
import { requireMatch, write } from '../db/write.js';
import { notFound, unprocessable } from '../http/problem.js';
import { coverage, coverageProblems, stepBox, stepGeometryProblems, type Problem } from './checks.js';
import { create, merge, moveToCommunity, rename, retire, split, type StepResult } from './ops.js';
import { reshape, type ReshapeParams } from './ops-vertex.js';
import { moveCommunities, renameRegion } from './ops-region.js';
import { publishDraft, type PublishResult } from './publish.js';
import type { Trx } from './workspace.js';

export type EditOp =
  | { op: 'split'; code: string; line: unknown; names?: string[] }
  | { op: 'merge'; code: string; with: string[]; name?: string }
  | ({ op: 'reshape' } & ReshapeParams)
  | { op: 'retire'; code: string; to: string }
  | { op: 'create'; community_code: string; name: string; geometry: unknown }
  | { op: 'rename'; code: string; name: string }
  | { op: 'move'; code: string; community_code: string }
  | { op: 'rename-region'; code: string; name: string }
  | {
      op: 'move-communities';
      code: string;
      communities: string[];
      street: string | null;
      streetName?: string;
      district?: string;
    };

/**
 * Serialises boundary edits and publishes (one key for all: edits are short, editors few), and turns JIT off for the
 * transaction: the geometry functions make the planner's costs look large enough to compile (~0.45 s per statement
 * at 100k grids) for statements that run in milliseconds.
 */
export async function lockEdits(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('wangge:grid-edit'))`.execute(trx);
  await sql`set local jit = off`.execute(trx);
}

function runOp(trx: Trx, draftId: number, step: number, e: EditOp): Promise<StepResult> {
  switch (e.op) {
    case 'split':
      return split(trx, draftId, step, e);
    case 'merge':
      return merge(trx, draftId, step, { codes: [e.code, ...e.with], name: e.name });
    case 'reshape':
      return reshape(trx, draftId, step, e);
    case 'retire':
      return retire(trx, draftId, step, e);
    case 'create':
      return create(trx, draftId, step, e);
    case 'rename':
      return rename(trx, draftId, step, e);
    case 'move':
      return moveToCommunity(trx, draftId, step, e);
    case 'rename-region':
      return renameRegion(trx, draftId, step, e);
    case 'move-communities':
      return moveCommunities(trx, draftId, step, e);
  }
}

export interface StepOutcome {
  step: number;
  summary: Record<string, unknown>;
  warnings: Problem[];
}

/** Applies one step to a draft (inside the caller's transaction), checks it, and refuses it with every problem. */
export async function applyStep(trx: Trx, draftId: number, e: EditOp, user: User): Promise<StepOutcome> {
  const step =
    ((
      await sql<{ n: number | null }>`select max(seq) as n from grid_draft_step where draft_id = ${draftId}`.execute(
        trx,
      )
    ).rows[0].n ?? 0) + 1;
  let res: StepResult;
  try {
    res = await runOp(trx, draftId, step, e);
  } catch (err) {
    throw geometryFailure(err);
  }
  const touched = await sql<{ code: string }>`
    select code from grid_draft_feature where draft_id = ${draftId} and step = ${step} order by code`.execute(trx);
  // A shared vertex moves every feature through it: a scoped editor may not move a neighbouring street's boundary.
  requireCodesInScope(
    user,
    touched.rows.map((r) => r.code),
    'the edit changes',
  );
  const geo = await stepGeometryProblems(trx, draftId, step);
  const errors: Problem[] = [...geo.errors];
  if (!errors.length) {
    try {
      const ewkt = (await sql<{ b: string | null }>`select ST_AsEWKT(${stepBox(draftId, step)}) as b`.execute(trx))
        .rows[0].b;
      const box = sql`ST_GeomFromEWKT(${ewkt})`;
      for (const [level, codes] of [
        ['community', res.communities],
        ['street', res.streets],
      ] as const) {
        if (!codes.length) continue;
        const before = await coverage(trx, draftId, level, codes, step - 1, box);
        const after = await coverage(trx, draftId, level, codes, step, box);
        errors.push(...coverageProblems(level, before, after));
      }
    } catch (err) {
      throw geometryFailure(err);
    }
  }
  if (errors.length)
    throw unprocessable(`the edit was refused: ${errors.map((p) => `${p.code}: ${p.problem}`).join('; ')}`, {
      problems: errors,
      errors: errors.map((p) => ({ location: p.code, message: p.problem })),
    });
  const summary = { ...res.summary, successors: res.successors };
  await sql`insert into grid_draft_step (draft_id, seq, op, params, summary)
    values (${draftId}, ${step}, ${e.op}, ${JSON.stringify(e)}::jsonb, ${JSON.stringify(summary)}::jsonb)`.execute(trx);
  return { step, summary, warnings: geo.warnings };
}

/** A geometry the database cannot process (GEOS) is the input's fault: 422, never a 500. */
function geometryFailure(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (
    e &&
    (e.code === 'XX000' || e.code === '22023' || /GEOS|geometry|TopologyException/i.test(e.message ?? '')) &&
    !('status' in (e as object))
  )
    return unprocessable(`the geometry cannot be processed: ${e.message}`);
  return err;
}

const codeOf = (e: EditOp) => ('code' in e ? e.code : e.community_code);

/** The row whose ETag a direct edit's If-Match names (none for creating a grid or a street). */
function precondition(e: EditOp): { table: 'unit_grid' | 'region'; code: string; what: string } | null {
  if (e.op === 'create' || (e.op === 'move-communities' && e.street === null)) return null;
  if (e.op === 'rename-region' || e.op === 'move-communities')
    return {
      table: 'region',
      code: e.code,
      what: e.code.length === 12 ? 'community' : e.code.length === 9 ? 'street' : 'district',
    };
  return { table: 'unit_grid', code: e.code, what: 'unit grid' };
}

/** A direct edit: a one-step draft published at once. */
export async function directEdit(
  db: Kysely<DB>,
  user: User,
  e: EditOp,
  ifMatch: string[] | undefined,
): Promise<StepOutcome & PublishResult> {
  return write(db, { actor: user, assignment: true, layers: [...REGION_LAYERS, 'components'] }, async (trx) => {
    await lockEdits(trx);
    const target = precondition(e);
    if (target) {
      const row = (
        await sql<{ version: number }>`select version from ${sql.table(target.table)}
          where code = ${target.code} and termination_date is null`.execute(trx)
      ).rows[0];
      if (!row) throw notFound(`no ${target.what} ${target.code}`);
      requireMatch(ifMatch, row.version, `${target.what} ${target.code}`);
    }
    const draftId = (
      await sql<{ id: number }>`insert into grid_draft (name, created_by, created_by_name, region_scope, direct)
        values ('直接编辑', ${user.id}, ${user.name}, ${user.regionScope}, true) returning id`.execute(trx)
    ).rows[0].id;
    const outcome = await applyStep(trx, Number(draftId), e, user);
    const before = await auditSide(trx, Number(draftId), 'base');
    const after = await auditSide(trx, Number(draftId), 'copy');
    const { result, audit } = await publishDraft(trx, Number(draftId), user);
    await sql`delete from grid_draft where id = ${draftId}`.execute(trx);
    return {
      action: `grid.${e.op}`,
      entity: e.op === 'rename-region' || e.op === 'move-communities' ? 'region' : 'unit_grid',
      key: codeOf(e),
      detail: { op: e, summary: outcome.summary, change_id: result.change_id, old: before, new: after },
      more: audit,
      result: { ...outcome, ...result },
    };
  });
}

/** Before/after of a draft's features for the audit trail: the live rows it replaces, or its copies. */
export async function auditSide(trx: Trx, draftId: number, side: 'base' | 'copy') {
  const r =
    side === 'copy'
      ? await sql<{ level: string; code: string; name: string; geometry: unknown }>`
          select level, code, name, ST_AsGeoJSON(geom, 7)::json as geometry from grid_draft_feature
          where draft_id = ${draftId} and superseded_step is null order by level, code`.execute(trx)
      : await sql<{ level: string; code: string; name: string; geometry: unknown }>`
          select f.level, coalesce(g.code, r.code) as code, coalesce(g.name, r.name) as name,
            ST_AsGeoJSON(coalesce(g.geom, r.geom), 7)::json as geometry
          from grid_draft_feature f
          left join unit_grid g on f.level = 'grid' and g.id = f.base_id
          left join region r on f.level <> 'grid' and r.id = f.base_id
          where f.draft_id = ${draftId} and f.superseded_step is null and f.base_id is not null
          order by f.level, f.code`.execute(trx);
  return r.rows;
}
