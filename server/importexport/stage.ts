/**
 * The staging table of one import, and the short steps that fill and check it.
 *
 * An import is checked outside any long transaction: every step here is one statement over a slice of the file
 * (a few hundred features, a few tenths of a second), so that on the embedded database — one session, one thread —
 * other requests get the session between steps. Only the last step, publishing (publish.ts), is a transaction.
 * The staging table is an ordinary unlogged table (a temporary one would belong to one connection of the pool on
 * PostgreSQL); its name carries its creation time, so a table left by a crashed process is dropped by a later import.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { StagedFeature } from './validate.js';

/** Features per staging statement: about 0.3 s of PostGIS work on the embedded database. */
export const STAGE_BATCH = 500;
/** Staged rows per checking statement. */
export const CHECK_BATCH = 2000;

export interface Stage {
  db: Kysely<DB>;
  /** The table's name: import_stage_<unix seconds>_<random>. */
  table: string;
  /** Number of staged features (idx 0 … size-1 are not dense: idx is the feature's index in the file). */
  size: number;
  /** The largest idx staged, for slicing checks by idx range. */
  maxIdx: number;
}

const PREFIX = 'import_stage_';

/**
 * Runs one slice of work, first letting the event loop turn so that requests that arrived meanwhile reach the
 * session's queue before the next slice.
 */
export async function step<T>(work: () => Promise<T>): Promise<T> {
  await yieldToEventLoop();
  return work();
}

/** Creates the staging table (dropping stale ones left by crashed imports). */
export async function createStage(db: Kysely<DB>, staleAfterMs: number): Promise<Stage> {
  await dropStaleStages(db, staleAfterMs);
  const table = `${PREFIX}${Math.floor(Date.now() / 1000)}_${Math.random().toString(36).slice(2, 10)}`;
  await sql`create unlogged table ${sql.table(table)} (
    idx integer primary key, code text not null, name text not null, level text not null,
    geom geometry not null, multi geometry, area_m2 double precision, action text
  )`.execute(db);
  await sql`create index on ${sql.table(table)} using gist (geom)`.execute(db);
  await sql`create index on ${sql.table(table)} (code)`.execute(db);
  return { db, table, size: 0, maxIdx: -1 };
}

export async function dropStage(stage: Stage): Promise<void> {
  await sql`drop table if exists ${sql.table(stage.table)}`.execute(stage.db);
}

/** Drops staging tables older than staleAfterMs: their import's process died (a live import is younger). */
async function dropStaleStages(db: Kysely<DB>, staleAfterMs: number): Promise<void> {
  const r = await sql<{ name: string }>`
    select tablename as name from pg_tables
    where schemaname = current_schema() and tablename like ${`${PREFIX}%`}`.execute(db);
  const cutoff = Date.now() - staleAfterMs;
  for (const { name } of r.rows) {
    const created = Number(/^import_stage_(\d+)_/.exec(name)?.[1]) * 1000;
    if (Number.isFinite(created) && created < cutoff) await sql`drop table if exists ${sql.table(name)}`.execute(db);
  }
}

/** Loads the features in slices, computing each one's stored form (MultiPolygon, area on the ellipsoid). */
export async function fillStage(
  stage: Stage,
  features: StagedFeature[],
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  for (let i = 0; i < features.length; i += STAGE_BATCH) {
    const batch = features.slice(i, i + STAGE_BATCH);
    await step(() =>
      sql`insert into ${sql.table(stage.table)} (idx, code, name, level, geom, multi, area_m2)
        select idx, code, name, level, g, ST_Multi(g), ST_Area(g::geography)
        from (select s.idx, s.code, s.name, s.level, ST_SetSRID(ST_GeomFromGeoJSON(s.g), 4326) as g
              from unnest(${batch.map((f) => f.index)}::int[], ${batch.map((f) => f.code)}::text[],
                          ${batch.map((f) => f.name)}::text[], ${batch.map((f) => f.level)}::text[],
                          ${batch.map((f) => (typeof f.geometry === 'string' ? f.geometry : JSON.stringify(f.geometry)))}::text[]) as s(idx, code, name, level, g)) f`.execute(
        stage.db,
      ),
    );
    onProgress?.(Math.min(i + STAGE_BATCH, features.length), features.length);
  }
  stage.size = features.length;
  stage.maxIdx = features.reduce((m, f) => Math.max(m, f.index), -1);
  await step(() => sql`analyze ${sql.table(stage.table)}`.execute(stage.db));
}

/**
 * Runs `query(from, to)` over consecutive idx ranges of CHECK_BATCH staged rows (or `batch`) and concatenates the
 * rows, stopping once `limit` rows were found.
 */
export async function sliced<R>(
  stage: Stage,
  query: (from: number, to: number) => Promise<R[]>,
  limit = Infinity,
  batch = CHECK_BATCH,
): Promise<R[]> {
  const out: R[] = [];
  for (let from = 0; from <= stage.maxIdx && out.length < limit; from += batch) {
    out.push(...(await step(() => query(from, from + batch))));
  }
  return out.slice(0, limit);
}
