/**
 * The staging tables of one census import and the loading of checked rows into them.
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
import type { CensusRow } from './row.js';

const PREFIX = 'census_stage_';
/** Rows per slice of a set-based step on the embedded database. */
export const SLICE = 5000;
/** Bytes per COPY chunk (one write on the socket). */
const CHUNK = 256 * 1024;
/** Rows per COPY statement (a segment): each stays well inside the statement timeout, whatever the file's size. */
export const SEGMENT = 100_000;
/** Rows per INSERT where the connection cannot relay COPY. */
const INSERT_BATCH = 1000;

export const STAGE_COLUMNS = [
  'idx',
  'wn',
  'code',
  'cls',
  'name',
  'owner_code',
  'owner_name',
  'title_code',
  'title_name',
  'maintainer_code',
  'maintainer_name',
  'given_grid_code',
  'status',
  'initial_date',
  'change_date',
  'data_source',
  'note',
  'accuracy',
  'photos',
  'extras',
  'lon',
  'lat',
  'geom',
  'point',
  'near',
  'twin',
] as const;

/** SQL types of STAGE_COLUMNS (for the batched-INSERT path). */
const STAGE_TYPES: Record<(typeof STAGE_COLUMNS)[number], string> = {
  idx: 'int',
  wn: 'int',
  code: 'text',
  cls: 'text',
  name: 'text',
  owner_code: 'text',
  owner_name: 'text',
  title_code: 'text',
  title_name: 'text',
  maintainer_code: 'text',
  maintainer_name: 'text',
  given_grid_code: 'text',
  status: 'text',
  initial_date: 'text',
  change_date: 'text',
  data_source: 'text',
  note: 'text',
  accuracy: 'text',
  photos: 'text',
  extras: 'text',
  lon: 'float8',
  lat: 'float8',
  geom: 'geometry',
  point: 'boolean',
  near: 'boolean',
  twin: 'boolean',
};

export interface CensusStage {
  database: Database;
  db: Kysely<DB>;
  table: string;
  /** Rows staged. */
  size: number;
  /** PostgreSQL: the segment tables (children of `table`) in order, with their idx ranges. */
  segments: { table: string; from: number; to: number }[];
}

/** A checked row and the flags the reading pass found for it (see census-seen.ts). */
export interface StagedRow {
  row: CensusRow;
  /** Another point of its class may lie within 0.5 m earlier in the file. */
  near: boolean;
  /** Its code may have been given earlier in the file. */
  twin: boolean;
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

const ESCAPED = /[\\\t\n\r]/;
const escape = (v: string) =>
  ESCAPED.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
const text = (v: string | null) => (v === null ? '\\N' : escape(v));

/**
 * One row in COPY's text format, STAGE_COLUMNS order. Codes, classes, grid codes, statuses, dates, accuracy classes
 * and geometry text were checked: they hold no character COPY escapes.
 */
export function copyLine(s: StagedRow, idx: number): string {
  const r = s.row;
  return (
    `${idx}\t${r.wn}\t${r.code ?? '\\N'}\t${r.cls}\t${escape(r.name)}\t${text(r.owner_code)}\t${escape(r.owner_name)}\t` +
    `${text(r.title_code)}\t${escape(r.title_name)}\t${text(r.maintainer_code)}\t${escape(r.maintainer_name)}\t` +
    `${r.given_grid_code ?? '\\N'}\t${r.status}\t${r.initial_date ?? '\\N'}\t${r.change_date ?? '\\N'}\t` +
    `${escape(r.data_source)}\t${escape(r.note)}\t${r.accuracy ?? '\\N'}\t${text(r.photos)}\t${text(r.extras)}\t` +
    `${r.point ? (r.lonText ?? r.lon) : '\\N'}\t${r.point ? (r.latText ?? r.lat) : '\\N'}\t${r.geom ?? '\\N'}\t${r.point ? 't' : 'f'}\t` +
    `${s.near ? 't' : 'f'}\t${s.twin ? 't' : 'f'}\n`
  );
}

/** The same row's values for the batched INSERT (text, cast in SQL). */
function insertValues(s: StagedRow, idx: number): (string | null)[] {
  const r = s.row;
  return [
    String(idx),
    String(r.wn),
    r.code,
    r.cls,
    r.name,
    r.owner_code,
    r.owner_name,
    r.title_code,
    r.title_name,
    r.maintainer_code,
    r.maintainer_name,
    r.given_grid_code,
    r.status,
    r.initial_date,
    r.change_date,
    r.data_source,
    r.note,
    r.accuracy,
    r.photos,
    r.extras,
    r.point ? String(r.lon) : null,
    r.point ? String(r.lat) : null,
    r.geom,
    r.point ? 't' : 'f',
    s.near ? 't' : 'f',
    s.twin ? 't' : 'f',
  ];
}

/** COPY chunks queued between the checking loop and the COPY statement: the loop waits while HIGH are queued. */
const HIGH = 8;

/** A queue of COPY chunks from the checking loop (push) to a COPY statement (iterates it). */
class Channel implements AsyncIterable<Uint8Array<ArrayBuffer>> {
  private readonly chunks: Uint8Array<ArrayBuffer>[] = [];
  private closed = false;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;

  /** Queues a chunk; a promise to await before the next push when the queue is full. */
  push(chunk: Uint8Array<ArrayBuffer>): Promise<void> | undefined {
    this.chunks.push(chunk);
    this.wake?.();
    return this.chunks.length >= HIGH ? new Promise<void>((resolve) => (this.drained = resolve)) : undefined;
  }

  close(): void {
    this.closed = true;
    this.wake?.();
    this.release();
  }

  /** Lets a waiting producer go on (also when the consumer failed). */
  release(): void {
    const d = this.drained;
    this.drained = undefined;
    d?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array<ArrayBuffer>> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        if (this.chunks.length < HIGH / 2) this.release();
        yield chunk;
      } else if (this.closed) return;
      else {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    }
  }
}

/**
 * Loads checked rows while the file is still being read: `add` takes each checked row (copying it out, so the row
 * object can be reused) and returns a promise only when the caller must wait before adding the next (a full queue,
 * the end of a segment). With COPY (PostgreSQL, or the embedded database's blob COPY) in chunks; where the connection
 * cannot relay COPY (the embedded server's local socket), one INSERT per batch. On PostgreSQL every SEGMENT rows go
 * to a new child table, and `segmentDone` runs (in the background, in order) for each one as soon as it is loaded.
 * `end` waits for all of it.
 */
export class StageWriter {
  private idx = 0;
  private from = 0;
  private table = '';
  private channel: Channel | undefined;
  private copying: Promise<void> = Promise.resolve();
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private values: (string | null)[][] = [];
  private background: Promise<void> = Promise.resolve();
  private failed: { error: unknown } | undefined;
  private readonly segmented: boolean;
  private readonly copyIn: Database['copyIn'];

  constructor(
    private readonly stage: CensusStage,
    private readonly segmentDone?: (segment: { table: string; from: number; to: number }) => Promise<void>,
  ) {
    this.segmented = stage.database.driver === 'pg';
    this.copyIn = stage.database.copyIn;
  }

  /** Opens the first segment. */
  start(): Promise<void> {
    return this.open();
  }

  private fail(error: unknown): void {
    this.failed ??= { error };
    this.channel?.release();
  }

  private async open(): Promise<void> {
    this.from = this.idx;
    this.table = this.segmented ? `${this.stage.table}_${this.stage.segments.length}` : this.stage.table;
    if (this.segmented)
      await sql`create unlogged table ${sql.table(this.table)} () inherits (${sql.table(this.stage.table)})`.execute(
        this.stage.db,
      );
    if (this.copyIn) {
      const channel = new Channel();
      this.channel = channel;
      this.copying = this.copyIn(this.table, [...STAGE_COLUMNS], channel).catch((e: unknown) => this.fail(e));
    }
  }

  private async close(): Promise<void> {
    if (this.copyIn) {
      if (this.used) await this.channel!.push(this.takeChunk());
      this.channel!.close();
      await this.copying;
    } else if (this.values.length) {
      const batch = this.values;
      this.values = [];
      await insertBatch(this.stage, this.table, batch);
    }
    if (this.failed) throw this.failed.error;
    const segment = { table: this.table, from: this.from, to: this.idx };
    if (this.segmented && segment.to > segment.from) {
      this.stage.segments.push(segment);
      const done = this.segmentDone;
      if (done)
        this.background = this.background
          .then(() => (this.failed ? undefined : done(segment)))
          .catch((e: unknown) => this.fail(e));
    }
  }

  private takeChunk(): Uint8Array<ArrayBuffer> {
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
    return full;
  }

  add(row: StagedRow): Promise<void> | undefined {
    if (this.failed) throw this.failed.error;
    let wait: Promise<void> | undefined;
    if (this.copyIn) {
      // Each line goes straight into the chunk's bytes (no long string to flatten and encode again).
      const line = copyLine(row, this.idx++);
      if (this.used + 3 * line.length > CHUNK) wait = this.channel!.push(this.takeChunk());
      this.used += this.chunk.write(line, this.used);
    } else {
      this.values.push(insertValues(row, this.idx++));
      if (this.values.length === INSERT_BATCH) {
        const batch = this.values;
        this.values = [];
        wait = insertBatch(this.stage, this.table, batch);
      }
    }
    if (this.idx - this.from === SEGMENT) {
      const before = wait;
      wait = (async () => {
        await before;
        await this.close();
        await this.open();
      })();
    }
    return wait;
  }

  /** Loads what is left and waits for the segments' work; the stage's size is then known. */
  async end(): Promise<void> {
    const empty = this.idx === this.from;
    await this.close();
    // A segment opened at the end of the previous one that got no rows.
    if (this.segmented && empty) await sql`drop table ${sql.table(this.table)}`.execute(this.stage.db);
    this.stage.size = this.idx;
    await this.background;
    if (this.failed) throw this.failed.error;
    if (!this.segmented) {
      const t = stageTables(this.stage);
      await sql`create index on ${t.raw} (idx)`.execute(this.stage.db);
      await sql`analyze ${t.raw}`.execute(this.stage.db);
    }
  }

  /** Stops loading (a refused file): the open COPY ends, nothing more is written. */
  async abort(): Promise<void> {
    this.channel?.close();
    await this.copying.catch(() => undefined);
  }
}

async function insertBatch(stage: CensusStage, table: string, rows: (string | null)[][]): Promise<void> {
  const arrays = STAGE_COLUMNS.map((_, i) => sql`${rows.map((v) => v[i])}::text[]`);
  const cols = STAGE_COLUMNS.map((c, i) => sql.raw(`u.c${i}::${STAGE_TYPES[c]}`));
  const names = sql.raw(STAGE_COLUMNS.map((_, i) => `c${i}`).join(', '));
  await sql`insert into ${sql.table(table)} (${sql.join(STAGE_COLUMNS.map((c) => sql.ref(c)))})
    select ${sql.join(cols)} from unnest(${sql.join(arrays)}) as u(${names})`.execute(stage.db);
}

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
