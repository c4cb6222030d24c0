/**
 * The staging tables of one census import (the rows are loaded into them by census-writer.ts).
 *
 * - TABLE: the checked rows as the file gives them, COPYed while the file is still being read (points as lon/lat,
 *   dates and JSON as text). On PostgreSQL each COPY segment is a child table (TABLE_0, TABLE_1 …) that the segment
 *   step (census-regions.ts) takes on and drops while the next segment is read.
 * - TABLE_r: one narrow row per staged row: what the whole-file checks read (line, code, class, position, flags) and
 *   its derived unit grid, community, street and district (on PostgreSQL a child table per segment, TABLE_r0 …);
 *   on a first census also the code given to a code-less row as the file is read.
 * - TABLE_f: the rows to publish, typed as `component` stores them (not used when a first census is written
 *   straight into `component` as it is read: census-direct.ts).
 * - TABLE_k: the codes of code-less rows given after the reading (matched to a stored component, or allocated).
 * - TABLE_g: the live unit grids cut into square tiles (for deriving regions by one hash join).
 * - TABLE_h, TABLE_c, TABLE_e: for codes given as the file is read, the highest stored serial and the code-less rows
 *   so far per district and class, and where each code-less row was written into `component`.
 * - TABLE_n, TABLE_x: stored components near staged points; the action (same, update) of each stored code.
 * - TABLE_v: a view of the rows to publish (TABLE_f with its final code).
 *
 * Nothing is updated row by row and no big join is left for the publishing transaction but one.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { step } from '../importexport/stage.js';

const PREFIX = 'census_stage_';
/** Rows per slice of a set-based step on the embedded database. */
export const SLICE = 5000;

export interface CensusStage {
  database: Database;
  db: Kysely<DB>;
  table: string;
  /** Rows staged. */
  size: number;
  /** PostgreSQL: the segment tables (children of `table`) in order, with their idx ranges. */
  segments: { table: string; from: number; to: number }[];
}

export const stageTables = (s: CensusStage) => ({
  raw: sql.table(s.table),
  rows: sql.table(`${s.table}_f`),
  narrow: sql.table(`${s.table}_r`),
  highest: sql.table(`${s.table}_h`),
  counts: sql.table(`${s.table}_c`),
  written: sql.table(`${s.table}_e`),
  codes: sql.table(`${s.table}_k`),
  tiles: sql.table(`${s.table}_g`),
  near: sql.table(`${s.table}_n`),
  actions: sql.table(`${s.table}_x`),
  view: sql.table(`${s.table}_v`),
});

export async function createCensusStage(database: Database, staleAfterMs: number): Promise<CensusStage> {
  const db = database.db;
  const old = await sql<{ name: string }>`select tablename as name from pg_tables
    where schemaname = current_schema() and tablename like ${`${PREFIX}%`}`.execute(db);
  for (const { name } of old.rows) {
    const created = Number(/^census_stage_(\d+)_/.exec(name)?.[1]) * 1000;
    if (Number.isFinite(created) && created < Date.now() - staleAfterMs)
      await sql`drop table if exists ${sql.table(name)} cascade`.execute(db);
  }
  const table = `${PREFIX}${Math.floor(Date.now() / 1000)}_${Math.random().toString(36).slice(2, 10)}`;
  const stage: CensusStage = { database, db, table, size: 0, segments: [] };
  const t = stageTables(stage);
  await sql`create unlogged table ${t.raw} (
    idx integer not null, wn integer not null, code text, cls text not null, name text not null,
    owner_code text, owner_name text not null, title_code text, title_name text not null,
    maintainer_code text, maintainer_name text not null, given_grid_code text, status text not null,
    initial_date text, change_date text, data_source text not null, note text not null, accuracy text,
    photos text, extras text, lon float8, lat float8, geom geometry, point boolean not null,
    near boolean not null, twin boolean not null
  )`.execute(db);
  await sql`create unlogged table ${t.narrow} (idx integer not null, wn integer not null, code text,
    cls char(5) not null, lon float8, lat float8, point boolean not null, geom geometry, near boolean not null,
    twin boolean not null, given_grid_code text, grid_code text, community_code text, street_code text,
    district_code text, serial integer, new_code text)`.execute(db);
  await sql`create unlogged table ${t.rows} (
    idx integer not null, code text, category_code char(5) not null, name text not null, owner_code text,
    owner_name text not null, title_code text, title_name text not null, maintainer_code text,
    maintainer_name text not null, given_grid_code text, status text not null, initial_date date, change_date date,
    data_source text not null, note text not null, accuracy char(1), photos jsonb not null, extras jsonb not null,
    geom geometry not null, point boolean not null, grid_code text, community_code text, street_code text,
    district_code text
  )`.execute(db);
  await sql`create unlogged table ${t.codes} (idx integer not null, code text not null, matched boolean not null)`.execute(
    db,
  );
  await sql`create unlogged table ${t.highest} (d text not null, c text not null, h0 integer not null)`.execute(db);
  await sql`create unlogged table ${t.counts} (d text not null, c text not null, n integer not null,
    primary key (d, c))`.execute(db);
  await sql`create unlogged table ${t.written} (at tid not null, code text not null)`.execute(db);
  if (database.driver !== 'pg') await sql`create index on ${t.narrow} (idx)`.execute(db);
  await sql`create view ${t.view} as
    select f.idx, coalesce(f.code, k.code) as code, coalesce(k.matched, false) as matched,
      f.category_code, f.name, f.owner_code, f.owner_name, f.title_code, f.title_name, f.maintainer_code,
      f.maintainer_name, f.given_grid_code, f.status, f.initial_date, f.change_date, f.data_source, f.note,
      f.accuracy, f.photos, f.extras, f.geom, f.point, f.grid_code, f.community_code, f.street_code, f.district_code
    from ${t.rows} f left join ${t.codes} k on k.idx = f.idx`.execute(db);
  return stage;
}

export const dropCensusStage = async (s: CensusStage) => {
  const t = stageTables(s);
  await sql`drop table if exists ${sql.join([
    t.raw,
    t.rows,
    t.narrow,
    t.codes,
    t.tiles,
    t.highest,
    t.counts,
    t.written,
    t.near,
    t.actions,
    sql.table(`${s.table}_a`),
    sql.table(`${s.table}_s`),
  ])} cascade`.execute(s.db);
};

/**
 * Runs a set-based step over the whole stage (PostgreSQL: one statement) or over slices of idx (the embedded
 * database: short statements, letting the event loop turn between them).
 */
export async function overSlices<R = unknown>(
  stage: CensusStage,
  query: (range: (alias: string) => RawBuilder<unknown>) => Promise<R[]>,
): Promise<R[]> {
  if (stage.database.driver === 'pg') return query(() => sql`true`);
  const out: R[] = [];
  for (let from = 0; from < stage.size; from += SLICE) {
    const range = (alias: string) =>
      sql`${sql.ref(`${alias}.idx`)} >= ${from} and ${sql.ref(`${alias}.idx`)} < ${from + SLICE}`;
    out.push(...(await step(() => query(range))));
  }
  return out;
}

/** 0.5 m, the census's duplicate-position tolerance, with a degree-box prefilter of about 1 m. */
export const SAME_PLACE_M = 0.5;
export const BOX_DEG = 1e-5;
