/**
 * Loading checked rows into a census stage while the file is still being read (see census-stage.ts): each row as a
 * line of COPY's text format written straight into the bytes of a chunk; the chunks queued to the COPY statement
 * with backpressure (the reading waits while the queue is full); a new COPY (a child table, a segment) every SEGMENT
 * rows on PostgreSQL; batched INSERTs where the connection cannot relay COPY.
 */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import { stageTables, type CensusStage } from './census-stage.js';
import type { CensusRow } from './row.js';

/** Bytes per COPY chunk (one write on the socket). */
const CHUNK = 256 * 1024;
/** Rows per COPY statement (a segment): each stays well inside the statement timeout, whatever the file's size. */
export const SEGMENT = 100_000;
/** Rows per INSERT where the connection cannot relay COPY. */
const INSERT_BATCH = 1000;

/** A checked row and the flags the reading pass found for it (see census-seen.ts). */
export interface StagedRow {
  row: CensusRow;
  /** Another point of its class may lie within 0.5 m earlier in the file. */
  near: boolean;
  /** Its code may have been given earlier in the file. */
  twin: boolean;
}

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
 * to a new child table, and `segmentDone` is called for each one as soon as it is loaded (its work runs in the
 * background: the caller orders it).
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
    /** Rows per segment (tests make it small). */
    private readonly segmentRows = SEGMENT,
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
      if (done) {
        const work = done(segment).catch((e: unknown) => this.fail(e));
        this.background = Promise.all([this.background, work]).then(() => undefined);
      }
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
    if (this.idx - this.from === this.segmentRows) {
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

  /**
   * Stops loading (the reading failed): the open COPY ends, and the segments' work under way is waited for (it may
   * run in a transaction the caller is about to roll back: none of it may run after that).
   */
  async abort(): Promise<void> {
    this.failed ??= { error: new Error('loading stopped') };
    this.channel?.close();
    await this.copying.catch(() => undefined);
    await this.background.catch(() => undefined);
  }
}

async function insertBatch(stage: CensusStage, table: string, rows: (string | null)[][]): Promise<void> {
  const arrays = STAGE_COLUMNS.map((_, i) => sql`${rows.map((v) => v[i])}::text[]`);
  const cols = STAGE_COLUMNS.map((c, i) => sql.raw(`u.c${i}::${STAGE_TYPES[c]}`));
  const names = sql.raw(STAGE_COLUMNS.map((_, i) => `c${i}`).join(', '));
  await sql`insert into ${sql.table(table)} (${sql.join(STAGE_COLUMNS.map((c) => sql.ref(c)))})
    select ${sql.join(cols)} from unnest(${sql.join(arrays)}) as u(${names})`.execute(stage.db);
}
