/**
 * Drafts (change sets): several edits made and checked one by one, invisible to routing and tiles, undone step by
 * step, then published at once (like MapIt's inactive/active generations) or discarded without a trace in the
 * boundaries. A draft's ETag is its version, bumped by every step, undo and publish.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { inScope } from '../auth/policy.js';
import { REGION_LAYERS } from '../importexport/publish.js';
import { requireMatch, write } from '../db/write.js';
import { conflict, notFound } from '../http/problem.js';
import { applyStep, auditSide, lockEdits, type EditOp, type StepOutcome } from './edit.js';
import { publishDraft, type PublishResult } from './publish.js';
import { undoLast, type Trx } from './workspace.js';

export interface DraftRow {
  id: number;
  name: string;
  created_by_name: string;
  region_scope: string;
  created_at: string;
  updated_at: string;
  version: number;
  steps: number;
}

const DRAFT_COLUMNS = sql`d.id::int as id, d.name, d.created_by_name, d.region_scope, d.created_at, d.updated_at, d.version,
  (select count(*)::int from grid_draft_step s where s.draft_id = d.id) as steps`;

/** The drafts the user may see: those made in their scope (an unscoped editor sees all). */
export async function listDrafts(db: Kysely<DB>, user: User): Promise<DraftRow[]> {
  const r = await sql<DraftRow>`select ${DRAFT_COLUMNS} from grid_draft d
    where not d.direct and left(d.region_scope, ${user.regionScope.length}) = ${user.regionScope}
    order by d.id`.execute(db);
  return r.rows;
}

export async function getDraft(db: Kysely<DB> | Trx, user: User, id: number) {
  const d = (
    await sql<DraftRow>`select ${DRAFT_COLUMNS} from grid_draft d where d.id = ${id} and not d.direct`.execute(db)
  ).rows[0];
  if (!d || !inScope(user, d.region_scope)) throw notFound(`no draft ${id} in your region scope`);
  const steps = await sql<{ seq: number; op: string; params: unknown; summary: unknown; at: string }>`
    select seq, op, params, summary, at from grid_draft_step where draft_id = ${id} order by seq`.execute(db);
  const features = await sql<{
    level: string;
    code: string;
    name: string;
    geometry: unknown;
    step: number;
    base_id: number | null;
  }>`
    select level, code, name, ST_AsGeoJSON(geom, 7)::json as geometry, step, base_id::int as base_id
    from grid_draft_feature where draft_id = ${id} and superseded_step is null order by level, code`.execute(db);
  return {
    ...d,
    step_list: steps.rows,
    features: {
      type: 'FeatureCollection',
      features: features.rows.map((f) => ({
        type: 'Feature',
        id: `${f.level}:${f.code}`,
        geometry: f.geometry,
        properties: {
          level: f.level,
          code: f.code,
          name: f.name,
          step: f.step,
          ended: f.geometry === null,
          new: f.base_id === null,
        },
      })),
    },
  };
}

export async function createDraft(db: Kysely<DB>, user: User, name: string) {
  return write(db, { actor: user }, async (trx) => {
    const id = (
      await sql<{ id: number }>`insert into grid_draft (name, created_by, created_by_name, region_scope)
        values (${name}, ${user.id}, ${user.name}, ${user.regionScope}) returning id::int as id`.execute(trx)
    ).rows[0].id;
    return {
      action: 'create',
      entity: 'grid_draft',
      key: String(id),
      detail: { new: { name } },
      result: await getDraft(trx, user, id),
    };
  });
}

/** Locks a draft for a change by `user` and checks If-Match against its version. */
async function lockDraft(trx: Trx, user: User, id: number, ifMatch: string[] | undefined) {
  const d = (
    await sql<{ version: number; region_scope: string }>`
      select version, region_scope from grid_draft where id = ${id} and not direct for update`.execute(trx)
  ).rows[0];
  if (!d || !inScope(user, d.region_scope)) throw notFound(`no draft ${id} in your region scope`);
  requireMatch(ifMatch, d.version, `draft ${id}`);
}

const bump = (trx: Trx, id: number) =>
  sql`update grid_draft set version = version + 1, updated_at = now() where id = ${id}`.execute(trx);

export async function draftEdit(db: Kysely<DB>, user: User, id: number, e: EditOp, ifMatch: string[] | undefined) {
  return write(
    db,
    { actor: user },
    async (
      trx,
    ): Promise<{
      action: string;
      entity: string;
      key: string;
      detail: unknown;
      result: StepOutcome & { version: number };
    }> => {
      await lockEdits(trx);
      await lockDraft(trx, user, id, ifMatch);
      const outcome = await applyStep(trx, id, e, user);
      await bump(trx, id);
      const version = (await sql<{ version: number }>`select version from grid_draft where id = ${id}`.execute(trx))
        .rows[0].version;
      return {
        action: `draft.${e.op}`,
        entity: 'grid_draft',
        key: String(id),
        detail: { op: e, summary: outcome.summary },
        result: { ...outcome, version },
      };
    },
  );
}

export async function undoDraft(db: Kysely<DB>, user: User, id: number, ifMatch: string[] | undefined) {
  return write(db, { actor: user }, async (trx) => {
    await lockEdits(trx);
    await lockDraft(trx, user, id, ifMatch);
    const step = await undoLast(trx, id);
    if (step === undefined) throw conflict(`draft ${id} has no step to undo`);
    await bump(trx, id);
    return {
      action: 'draft.undo',
      entity: 'grid_draft',
      key: String(id),
      detail: { step },
      result: await getDraft(trx, user, id),
    };
  });
}

/** Discards a draft: its steps and copies are deleted; the boundaries never saw it. */
export async function discardDraft(db: Kysely<DB>, user: User, id: number, ifMatch: string[] | undefined) {
  await write(db, { actor: user }, async (trx) => {
    await lockDraft(trx, user, id, ifMatch);
    await sql`delete from grid_draft where id = ${id}`.execute(trx);
    return { action: 'draft.discard', entity: 'grid_draft', key: String(id), detail: {}, result: undefined };
  });
}

export async function publish(
  db: Kysely<DB>,
  user: User,
  id: number,
  ifMatch: string[] | undefined,
): Promise<PublishResult> {
  return write(db, { actor: user, assignment: true, layers: [...REGION_LAYERS, 'components'] }, async (trx) => {
    await lockEdits(trx);
    await lockDraft(trx, user, id, ifMatch);
    const steps = (
      await sql<{ n: number }>`select count(*)::int as n from grid_draft_step where draft_id = ${id}`.execute(trx)
    ).rows[0].n;
    if (!steps) throw conflict(`draft ${id} has no edits to publish`);
    const before = await auditSide(trx, id, 'base');
    const after = await auditSide(trx, id, 'copy');
    const { result, audit } = await publishDraft(trx, id, user);
    await sql`delete from grid_draft where id = ${id}`.execute(trx);
    return {
      action: 'draft.publish',
      entity: 'grid_draft',
      key: String(id),
      detail: { change_id: result.change_id, old: before, new: after },
      more: audit,
      result,
    };
  });
}
