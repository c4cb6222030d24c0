/**
 * Re-assignment after grids or the responsibility library change: every open case is placed again, set-based in
 * SQL, so a city's backlog is redone in seconds. Precedence is the same as assign(), from the same source: the
 * conditions of match.ts and the RANKING of precedence.ts (component maintainer > specific category > small area >
 * priority > low id > street/district/everywhere fallback); test/assign/agreement.test.ts checks that both give the
 * same answers.
 *
 * What changes: location facts (grid, community, street, district, area class, collector area) of every open case;
 * the department only of cases not yet dispatched (reported … filed). A dispatched, parked, disposed or checked
 * case keeps its department — moving work between departments is the dispatcher's decision (改派) — and the new
 * proposal is recorded as assignment.proposed_department. Closed and voided cases keep what they had.
 * Each changed case gets a `reassess` event (system actor) in the same transaction, with the rule version used.
 *
 * Two halves: reassign-compute.ts works out every case's new facts into work tables (one spatial join, each rule,
 * zone, collector area and fallback decided once per distinct input, the assignment JSON once per grid and rule),
 * reassign-write.ts writes the changed cases with their events in one statement per transaction. How they are run
 * depends on the database:
 *   one pass (PostgreSQL)  the whole backlog is computed at once into unlogged work tables (readers and writers go
 *                          on: nothing is locked), then written in transactions of `batch` cases (REASSIGN_BATCH_PG),
 *                          `writers` of them in parallel on disjoint id ranges, so that a dispatcher acting on a
 *                          case waits for one short transaction at most;
 *   batches (embedded)     cases are computed and written `batch` at a time (REASSIGN_BATCH, by id), one
 *                          transaction each, so that the embedded database answers other requests in between.
 * A case that another writer changes between computing and writing is not written (its row version moved on) and
 * is computed again at the end of the run. A run that stops half-way is finished by the next (cases record the
 * library version they were placed with).
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { assignmentVersion, localDate } from './assign.js';
import {
  casesToRedo,
  changedArea,
  computePlacements,
  dropComputeTables,
  dropStaleTables,
  tableOf,
  TEMP_TABLES,
  type ComputeParams,
  type GridJoin,
  type WorkTables,
} from './reassign-compute.js';
import { writePlacements, type WriteCounts } from './reassign-write.js';

export interface ReassignResult {
  version: number;
  examined: number;
  changed: number;
  department_changed: number;
  proposed: number;
}

/** Cases per transaction on the embedded database (computed and written together). */
export const REASSIGN_BATCH = 2000;
/** Cases written per transaction on PostgreSQL (computed all at once). */
export const REASSIGN_BATCH_PG = 50_000;
/** Parallel write transactions on PostgreSQL (disjoint id ranges). */
export const REASSIGN_WRITERS_PG = 2;
/** statement_timeout of re-assignment's own transactions (a city's backlog takes longer than a request may). */
export const REASSIGN_TIMEOUT_MS = 600_000;
/** Passes over cases that other writers changed while they were being placed (then the next run takes them). */
const REDO_PASSES = 3;

export type ReassignMode = 'one-pass' | 'batches';

export interface ReassignOptions {
  /** Every open case, not only those assigned with an older library version. */
  all?: boolean;
  actor?: Actor;
  now?: Date;
  /** Only cases whose region lies in this region-code prefix (the caller's scope; '' or unset = all). */
  scope?: string;
  /**
   * Only cases inside the area these published grid changes touched (the rows they ended and started). A grid change
   * cannot move a case elsewhere; those keep the older version mark, and a run without `changes` examines them.
   */
  changes?: number[];
  /** Cases per transaction (default REASSIGN_BATCH_PG in one pass, REASSIGN_BATCH in batches). */
  batch?: number;
  /** Default: one pass on PostgreSQL, batches on the embedded database. */
  mode?: ReassignMode;
  /** One pass: write transactions in parallel (default REASSIGN_WRITERS_PG). */
  writers?: number;
  /** statement_timeout in ms of its transactions (default REASSIGN_TIMEOUT_MS; 0 = none). */
  timeoutMs?: number;
  /** How the grid of each case is found (default: by the number of cases; see reassign-compute.ts). */
  gridJoin?: GridJoin;
  /**
   * Called with each step's duration (ms): the computing steps ('grid', 'areas', 'facts', 'cases'; awaited before
   * the next), then each write transaction ('write').
   */
  onStep?: (step: string, ms: number) => void | Promise<void>;
}

interface Run {
  actor: Actor;
  now: Date;
  all: boolean;
  scope: string;
  changes?: number[];
  area?: string[];
  batch: number;
  writers: number;
  timeoutMs: number;
  gridJoin?: GridJoin;
  onStep: (step: string, ms: number) => void | Promise<void>;
  total: ReassignResult;
}

export async function reassignOpenCases(db: Kysely<DB>, opts: ReassignOptions = {}): Promise<ReassignResult> {
  const embedded = await isEmbedded(db);
  const mode = opts.mode ?? (embedded ? 'batches' : 'one-pass');
  const run: Run = {
    actor: opts.actor ?? { id: null, name: 'system:reassign' },
    now: opts.now ?? new Date(),
    all: !!opts.all,
    scope: opts.scope ?? '',
    changes: opts.changes,
    batch: opts.batch ?? (mode === 'batches' ? REASSIGN_BATCH : REASSIGN_BATCH_PG),
    writers: opts.writers ?? REASSIGN_WRITERS_PG,
    timeoutMs: opts.timeoutMs ?? REASSIGN_TIMEOUT_MS,
    gridJoin: opts.gridJoin,
    onStep: opts.onStep ?? (() => undefined),
    total: { version: 0, examined: 0, changed: 0, department_changed: 0, proposed: 0 },
  };
  if (run.changes) {
    run.area = await changedArea(db, run.changes);
    if (!run.area.length) return { ...run.total, version: await assignmentVersion(db) };
  }
  const pass =
    mode === 'batches' ? (ids?: number[]) => inBatches(db, run, ids) : (ids?: number[]) => onePass(db, run, ids);
  let skipped = await pass();
  for (let i = 0; i < REDO_PASSES && skipped.length > 0; i++) skipped = await pass(skipped);
  return run.total;
}

/** Settings of every re-assignment transaction: its own timeout; no JIT (compiling costs more than it saves). */
async function settings(trx: Kysely<DB>, run: Run, embedded: boolean): Promise<void> {
  await sql.raw(`set local statement_timeout = ${Math.max(0, Math.floor(run.timeoutMs))}`).execute(trx);
  await sql`set local jit = off`.execute(trx);
  if (!embedded) await sql`set local work_mem = '64MB'`.execute(trx);
}

const params = (run: Run, version: number, extra: Partial<ComputeParams>): ComputeParams => ({
  version,
  all: run.all,
  scope: run.scope,
  area: run.area,
  today: localDate(run.now),
  tables: TEMP_TABLES,
  analyze: false,
  gridJoin: run.gridJoin,
  onStep: run.onStep,
  ...extra,
});

/** One write transaction over computed cases (after, upTo]: the writes, their events, one audit row. */
async function writeBatch(
  db: Kysely<DB>,
  run: Run,
  tables: WorkTables,
  range: { after?: number; upTo?: number | null },
  compute?: (trx: Kysely<DB>) => Promise<number>,
): Promise<WriteCounts> {
  return write(db, { actor: run.actor, layers: ['cases'] }, async (trx) => {
    await settings(trx, run, tables.kind === 'temp');
    const version = compute ? await compute(trx) : run.total.version;
    const t = performance.now();
    const c = await writePlacements(trx, { tables, version, now: run.now, actor: run.actor, ...range });
    void run.onStep('write', performance.now() - t);
    run.total.version = version;
    run.total.examined += c.examined;
    run.total.changed += c.changed;
    run.total.department_changed += c.department_changed;
    run.total.proposed += c.proposed;
    return {
      result: c,
      action: 'reassign',
      entity: 'cases',
      key: run.scope || null,
      detail: {
        version,
        all: run.all,
        scope: run.scope,
        changes: run.changes ?? null,
        after: range.after ?? 0,
        up_to: range.upTo ?? null,
        examined: c.examined,
        changed: c.changed,
        moved: c.department_changed,
        proposed: c.proposed,
        skipped: c.skipped.length,
      },
    };
  });
}

type Range = { after?: number; upTo: number | null };

/** [(undefined, b1], (b1, b2], …, (bk, null)]: ranges of `batch` ids from the ids at every batch-th position. */
function ranges(bounds: number[]): Range[] {
  return [...bounds, null].map((upTo, i) => ({ after: i === 0 ? undefined : bounds[i - 1], upTo }));
}

/** Embedded: `batch` cases at a time computed and written in one transaction; returns the skipped cases. */
async function inBatches(db: Kysely<DB>, run: Run, ids?: number[]): Promise<number[]> {
  const version = await assignmentVersion(db);
  const bounds = (
    await sql<{ id: number }>`select id::float8 as id from (
      select c.id, row_number() over (order by c.id) as n from case_record c
      where ${casesToRedo({ version, all: run.all, scope: run.scope, area: run.area, ids })}) q
    where n % ${run.batch} = 0 order by id`.execute(db)
  ).rows.map((r) => r.id);
  const skipped: number[] = [];
  for (const range of ranges(bounds)) {
    const c = await writeBatch(db, run, TEMP_TABLES, range, async (trx) => {
      const v = await assignmentVersion(trx);
      await computePlacements(trx, params(run, v, { ...range, ids }));
      return v;
    });
    skipped.push(...c.skipped);
    await yieldToEventLoop();
  }
  return skipped;
}

/**
 * PostgreSQL: every case computed at once into shared (unlogged) work tables, then written `batch` at a time by
 * `writers` transactions in parallel (disjoint id ranges); returns the skipped cases.
 */
async function onePass(db: Kysely<DB>, run: Run, ids?: number[]): Promise<number[]> {
  let tables: WorkTables | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      await settings(trx, run, false);
      await dropStaleTables(trx);
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0].pid;
      tables = { kind: 'shared', prefix: `reassign_p${pid}_${randomBytes(3).toString('hex')}_` };
      run.total.version = await assignmentVersion(trx);
      await computePlacements(trx, { ...params(run, run.total.version, { ids }), tables, analyze: true });
    });
    const shared = tables!;
    const queue = ranges(
      (
        await sql<{ id: number }>`select id::float8 as id from (
          select id, row_number() over (order by id) as n from ${tableOf(shared, 'new')}) q
        where n % ${run.batch} = 0 order by id`.execute(db)
      ).rows.map((r) => r.id),
    );
    const skipped: number[] = [];
    let failed = false;
    const writer = async () => {
      for (let r = queue.shift(); r && !failed; r = queue.shift()) {
        try {
          skipped.push(...(await writeBatch(db, run, shared, r)).skipped);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    const done = await Promise.allSettled(Array.from({ length: Math.max(1, run.writers) }, writer));
    const error = done.find((d): d is PromiseRejectedResult => d.status === 'rejected');
    if (error) throw error.reason;
    return skipped.sort((a, b) => a - b);
  } finally {
    if (tables) await dropComputeTables(db, tables);
  }
}

const embeddedDbs = new WeakMap<Kysely<DB>, boolean>();

/** The embedded database (PGlite) answers one statement at a time: it gets small batches. */
async function isEmbedded(db: Kysely<DB>): Promise<boolean> {
  let e = embeddedDbs.get(db);
  if (e === undefined) {
    e = (await sql<{ e: boolean }>`select version() like '%PGlite%' as e`.execute(db)).rows[0].e;
    embeddedDbs.set(db, e);
  }
  return e;
}
