/**
 * Import of a component census (CSV, XLSX, GeoJSON, zipped Shapefile): validation first, then all or nothing.
 *
 * 1. One pass over the file (census-read.ts): every row is checked (row.ts) and streamed with COPY into the stage
 *    while the file is still being read; on PostgreSQL each segment of rows is taken on meanwhile
 *    (census-regions.ts): its regions derived by the boundary rule, and its rows typed for publishing.
 * 2. With the file in, set-based on the stage: codes given twice and points of a class within 0.5 m (among the rows
 *    the reading flagged), invalid geometries; code-less rows already stored (same class within 0.5 m) keep their
 *    code, the others get new ones (census-alloc.ts); the region scope; warnings (census-checks.ts).
 * 3. One transaction publishes it with its audit row and the tile-layer bump (census-publish.ts).
 *
 * A first census on PostgreSQL (nothing stored: nothing to compare, no code-less row can be a stored component) is
 * written straight into `component` as it is read, in the publishing transaction (the table locked and without its
 * indexes meanwhile, rebuilt at the end); steps 2 and 3 then run in that transaction, and any problem rolls it back.
 *
 * Memory stays bounded whatever the file's size: rows are not held (the reader streams, COPY has backpressure), the
 * filters are of fixed size, and at most MAX_LISTED problems of each kind are kept.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { componentCatalog } from './catalog.js';
import { allocateCodes, checkEarlyCodes, replaceEarlyCodes, storedHighest, type Allocation } from './census-alloc.js';
import {
  duplicateCodes,
  duplicatePositions,
  invalidGeometries,
  matchStored,
  nearStored,
  outsideScope,
  positionWarnings,
  whereOf,
  type WhereKind,
} from './census-checks.js';
import { crsFromPrj, describeCrs, type CensusCrs } from '../geo/file-crs.js';
import { dropIndexes, publishCensus, type PublishCounts } from './census-publish.js';
import { inBatches, readIntoStage, type CensusRecord, type ReadResult } from './census-read.js';
import { createGridTiles, segmentPipeline, segmentStep, storeHighest } from './census-regions.js';
import { createCensusStage, dropCensusStage } from './census-stage.js';
import { FIELDS, mapHeader, type Field } from './fields.js';
import { describeWhere, whereNumber, type IssueSink, type RowContext, type RowIssue } from './row.js';

export type { CensusRecord } from './census-read.js';

/** What the import needs of an opened file (readers.ts's openCensusFile gives it). */
export interface CensusFile {
  format: 'csv' | 'xlsx' | 'geojson' | 'shapefile';
  header: string[];
  encoding?: string;
  prj?: string;
  totalBytes: number;
  bytesRead(): number;
  records(): AsyncIterable<CensusRecord>;
  /** The same records in batches, where the reader has them so (CSV). */
  batches?(): AsyncIterable<CensusRecord[]>;
}

export interface CensusProgress {
  phase: 'reading' | 'checking' | 'publishing' | 'done';
  rows: number;
  bytes: number;
  totalBytes: number;
}

export interface CensusImportOptions {
  actor: Actor;
  /** The file's CRS; default: the .prj's, else WGS84 lon/lat. */
  crs?: CensusCrs;
  /** Only positions (and stored components) under this region-code prefix may be written. */
  scope?: string;
  /** For the audit row and messages. */
  fileName?: string;
  onProgress?: (p: CensusProgress) => void;
  /** Rows per COPY segment on PostgreSQL (default 100,000; tests make it small to run several). */
  segmentRows?: number;
}

export interface CensusSummary extends PublishCounts {
  total: number;
  /** Code-less rows given a new code, and those recognised as a stored component by class and position. */
  coded: number;
  matched: number;
  crs: string;
  encoding: string | null;
  warnings: (RowIssue & { text: string })[];
  warnings_total: number;
  /** Milliseconds: reading and staging, the checks after it, publishing; `steps` in more detail. */
  timings: { read_ms: number; checked_ms: number; published_ms: number; steps: Record<string, number> };
}

/** Problems listed in a refusal or a summary (all are counted). */
export const MAX_LISTED = 1000;
const STALE_STAGE_MS = 24 * 3600_000;

export class CensusRejected extends Error {
  constructor(
    public issues: (RowIssue & { text: string })[],
    public total: number,
    public kind: 'invalid' | 'scope' = 'invalid',
  ) {
    super(`census rejected: ${total} problem${total === 1 ? '' : 's'}; first: ${issues[0]?.text}`);
  }
}

export const describeRowIssue = (i: RowIssue) =>
  `${describeWhere(i.where)}${i.column ? `, column ${i.column}` : ''}: ${i.message}`;
const listed = (issues: RowIssue[]) => issues.slice(0, MAX_LISTED).map((i) => ({ ...i, text: describeRowIssue(i) }));

export async function importCensus(
  database: Database,
  file: CensusFile,
  opts: CensusImportOptions,
): Promise<CensusSummary> {
  const t0 = Date.now();
  const db = database.db;
  const pg = database.driver === 'pg';
  const kind: WhereKind = file.format === 'csv' ? 'line' : file.format === 'xlsx' ? 'row' : 'feature';
  const fromPrj = file.prj ? crsFromPrj(file.prj) : undefined;
  const errors: RowIssue[] = [];
  let errorCount = 0;
  const warnings: RowIssue[] = [];
  let warningCount = 0;
  const addErrors = (list: RowIssue[], total = list.length) => {
    errorCount += total;
    for (const e of list) if (errors.length < MAX_LISTED) errors.push(e);
  };
  const addWarnings = (list: RowIssue[], total = list.length) => {
    warningCount += total;
    for (const w of list) if (warnings.length < MAX_LISTED) warnings.push(w);
  };
  const sink: IssueSink = { error: (e) => addErrors([e]), warning: (w) => addWarnings([w]) };
  const refuse = () => new CensusRejected(listed(sortIssues(errors)), errorCount);
  // Milliseconds per step, for the summary (what a large import spends its time on).
  const steps: Record<string, number> = {};
  let lap = t0;
  const T = (name: string) => {
    const now = Date.now();
    steps[name] = now - lap;
    lap = now;
  };
  if (file.prj && !fromPrj && !opts.crs)
    throw new CensusRejected(
      listed([
        {
          where: { feature: 0 },
          column: null,
          message: `the .prj names a coordinate system this import does not convert; name the file's CRS (crs=…): ${file.prj.slice(0, 120)}`,
        },
      ]),
      1,
    );
  const crs = opts.crs ?? fromPrj ?? { kind: 'lonlat', name: 'wgs84' };
  const ctx = await rowContext(db, crs);
  const header = file.format === 'csv' || file.format === 'xlsx' ? mapHeader(file.header) : undefined;
  if (header?.problems.length)
    throw new CensusRejected(
      listed(header.problems.map((message) => ({ where: whereOfHeader(kind), column: null, message }))),
      header.problems.length,
    );

  const stage = await createCensusStage(database, STALE_STAGE_MS);
  let read: ReadResult | undefined;
  let t1 = 0;
  let t2 = 0;
  const progress = (phase: CensusProgress['phase'], rows = read?.rows ?? 0) =>
    opts.onProgress?.({ phase, rows, bytes: file.bytesRead(), totalBytes: file.totalBytes });
  // Column names for problems found after reading: as the file names them (its first feature's, for GeoJSON).
  const columnOf = (f: Field) =>
    (header?.fields[f] !== undefined ? file.header[header.fields[f]!].trim() : read?.columns.get(f)) ?? FIELDS[f][0];

  /** Reads the file into the stage; on PostgreSQL each segment's step runs on `on` as it is loaded. */
  const readFile = async (into: 'stage' | 'component', on: Kysely<DB>, tileSize: number) => {
    const pipeline = segmentPipeline(stage, on, { tileSize, into });
    read = await readIntoStage(stage, file.batches ? file.batches() : inBatches(file.records()), {
      header,
      columns: file.header,
      ctx,
      sink,
      errors: () => errorCount,
      progress: (rows) => progress('reading', rows),
      segmentRows: opts.segmentRows,
      segmentDone: pg ? (segment) => (errorCount ? Promise.resolve() : pipeline(segment)) : undefined,
    });
    if (!pg && errorCount === 0) await segmentStep(stage, db, { tileSize, into });
    T('read_and_staged');
    progress('checking');
    t1 = Date.now();
    return read;
  };

  /** The checks after the reading; `direct`: the rows are in `component` already (on), codes partly given. */
  const checks = async (on: Kysely<DB>, r: ReadResult, direct?: { highest: Map<string, number> }) => {
    const s = { ...stage, db: on };
    if (r.rows === 0) addErrors([{ where: whereOfHeader(kind), column: null, message: 'the file has no rows' }]);
    if (errorCount === 0 && r.found.twins) addErrors(await duplicateCodes(s, kind, MAX_LISTED, columnOf('code')));
    if (errorCount === 0 && r.found.lines) addErrors(await invalidGeometries(s, kind, MAX_LISTED));
    T('duplicate_codes');
    if (errorCount) throw refuse();
    if (r.found.near && r.lat0 !== undefined) {
      const d = await duplicatePositions(s, kind, MAX_LISTED, r.lat0);
      addWarnings(d.issues, d.total);
    }
    T('duplicate_positions');
    const stored = !direct && (await nearStored(s));
    const matched = stored && r.found.codeless ? await matchStored(s) : 0;
    T('near_stored');
    const a: Allocation = { coded: 0, outside: { wns: [], total: 0 }, exhausted: { rows: [], total: 0 } };
    if (r.found.codeless) {
      let redo: string[] = [];
      if (direct) {
        const early = await checkEarlyCodes(s, on, direct.highest, r.givenSerials, MAX_LISTED, a.exhausted);
        a.coded += early.coded;
        redo = early.redo;
      }
      const late = await allocateCodes(
        s,
        ctx.catalog,
        componentCatalog().legacy,
        r.givenSerials,
        MAX_LISTED,
        direct?.highest,
      );
      a.coded += late.coded;
      a.outside = late.outside;
      a.exhausted.total += late.exhausted.total;
      a.exhausted.rows.push(...late.exhausted.rows);
      if (direct && redo.length && !late.outside.total && !a.exhausted.total) await replaceEarlyCodes(s, on);
    }
    T('codes');
    const code = columnOf('code');
    addErrors(
      a.outside.wns.map((wn) => ({
        where: whereOf(kind, wn),
        column: code,
        message: 'the row has no code and its position lies outside every district: give it a code',
      })),
      a.outside.total,
    );
    addErrors(
      a.exhausted.rows.map((e) => ({
        where: whereOf(kind, e.wn),
        column: code,
        message: `district ${e.district} has no serial left for class ${e.cls}`,
      })),
      a.exhausted.total,
    );
    if (errorCount) throw refuse();
    if (opts.scope) {
      const outside = await outsideScope(s, kind, opts.scope, MAX_LISTED, !direct);
      if (outside.length) throw new CensusRejected(listed(outside), outside.length, 'scope');
    }
    addWarnings(
      await positionWarnings(s, kind, MAX_LISTED, columnOf('given_grid_code'), {
        givenGrids: r.found.givenGrids > 0,
        stored,
      }),
    );
    T('scope_and_warnings');
    return { matched, coded: a.coded };
  };

  const summary = (counts: PublishCounts, coded: number, matched: number): CensusSummary => ({
    total: read!.rows,
    ...counts,
    coded,
    matched,
    crs: describeCrs(crs),
    encoding: file.encoding ?? null,
    warnings: listed(sortIssues(warnings)),
    warnings_total: warningCount,
    timings: { read_ms: t1 - t0, checked_ms: t2 - t1, published_ms: Date.now() - t2, steps },
  });
  const audit = (counts: PublishCounts, coded: number, matched: number) => ({
    action: 'import',
    entity: 'component',
    key: null,
    detail: { file: opts.fileName ?? null, format: file.format, rows: read!.rows, ...counts, coded, matched },
  });
  const writeOptions = { actor: opts.actor, assignment: true, layers: ['components'] };

  try {
    const tileSize = await createGridTiles(stage);
    if (pg && database.copyIn && !(await anyStored(db))) {
      // A first census: written straight into `component` as it is read, in the publishing transaction.
      const result = await write(db, writeOptions, async (trx) => {
        await bulkSettings(trx, database.importTimeoutMs);
        await sql`lock table component in share row exclusive mode`.execute(trx);
        const rebuild = await dropIndexes(trx);
        const highest = await storedHighest(trx, ctx.catalog);
        await storeHighest(stage, db, highest); // outside the transaction: the segment steps read it
        const r = await readFile('component', trx, tileSize);
        if (errorCount) throw refuse();
        const { matched, coded } = await checks(trx, r, { highest });
        progress('publishing');
        t2 = Date.now();
        for (const statement of rebuild) await sql.raw(statement).execute(trx);
        T('publish_indexes');
        const counts = { inserted: stage.size, updated: 0, unchanged: 0 };
        return { ...audit(counts, coded, matched), result: summary(counts, coded, matched) };
      });
      progress('done');
      result.timings.published_ms = Date.now() - t2;
      return result;
    }
    const r = await readFile('stage', db, tileSize);
    if (errorCount) throw refuse();
    // On PostgreSQL the set-based steps over the whole stage run in one transaction under the import's statement
    // timeout (a million rows take longer than a request may); the embedded database runs them in slices.
    const { matched, coded } = pg
      ? await db.transaction().execute(async (trx) => {
          await bulkSettings(trx, database.importTimeoutMs);
          return checks(trx, r);
        })
      : await checks(db, r);
    progress('publishing');
    t2 = Date.now();
    const counts = await write(db, writeOptions, async (trx) => {
      if (pg) await bulkSettings(trx, database.importTimeoutMs);
      else if (database.importTimeoutMs > 0) await importTimeout(trx, database.importTimeoutMs);
      const c = await publishCensus(trx, { ...stage, db: trx }, steps);
      return { ...audit(c, coded, matched), result: c };
    });
    progress('done');
    return summary(counts, coded, matched);
  } finally {
    await dropCensusStage(stage).catch(() => undefined);
  }
}

const anyStored = async (db: Kysely<DB>) =>
  (await sql<{ any: boolean }>`select exists (select 1 from component) as any`.execute(db)).rows[0].any;

/**
 * The import's statement timeout; no JIT (compiling these few big statements costs more than it saves); hash joins
 * over the stage (the planner knows nothing of fresh tables); memory for the joins and the index builds.
 */
async function bulkSettings(trx: Transaction<DB>, timeoutMs: number): Promise<void> {
  await importTimeout(trx, timeoutMs);
  for (const setting of [
    'jit = off',
    'enable_nestloop = off',
    'enable_mergejoin = off',
    "work_mem = '64MB'",
    "maintenance_work_mem = '256MB'",
  ])
    await sql.raw(`set local ${setting}`).execute(trx);
}

/** `set local statement_timeout` (0 = none) in this form, so that the pg client's own timeout follows it too. */
const importTimeout = (trx: Kysely<DB>, ms: number) =>
  sql.raw(`set local statement_timeout = ${Math.max(0, Math.floor(ms))}`).execute(trx);

const whereOfHeader = (kind: WhereKind) => whereOf(kind, kind === 'feature' ? 0 : 1);

const sortIssues = (list: RowIssue[]) => [...list].sort((a, b) => whereNumber(a.where) - whereNumber(b.where));

async function rowContext(db: Kysely<DB>, crs: CensusCrs): Promise<RowContext> {
  const catalog = componentCatalog();
  const districts = await sql<{ code: string }>`
    select code from region where level = 'district' and termination_date is null`.execute(db);
  const departments = await sql<{ code: string; name: string }>`select code, name from department`.execute(db);
  return {
    catalog,
    classNames: catalog.entries
      .map((e): [string, string] => [e.name, e.code])
      .sort((a, b) => b[0].length - a[0].length || a[1].localeCompare(b[1])),
    districts: new Set(districts.rows.map((d) => d.code)),
    departments: {
      nameOf: new Map(departments.rows.map((d) => [d.code, d.name])),
      codeOf: new Map(departments.rows.map((d) => [d.name, d.code])),
    },
    crs,
  };
}
