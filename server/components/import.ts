/**
 * Import of a component census (CSV, XLSX, GeoJSON, zipped Shapefile): validation first, then all or nothing.
 *
 * 1. One pass over the file: every row is checked (row.ts) and streamed into the staging table with COPY while the
 *    file is still being read; on PostgreSQL each segment's regions are derived meanwhile (census-regions.ts). Fixed
 *    memory remembers the codes and positions seen so far (census-seen.ts), flagging rows that may repeat one. The
 *    first refused row stops the staging, and the rest of the file is still read to list every problem.
 * 2. With the file in, set-based on the staging tables: codes given twice and points of a class within 0.5 m (among
 *    the flagged rows), invalid geometries; code-less rows already stored (same class within 0.5 m) keep their code,
 *    the others get new ones (census-alloc.ts); the region scope; warnings (census-checks.ts).
 * 3. One transaction publishes it with its audit row and the tile-layer bump (census-publish.ts).
 *
 * Memory stays bounded whatever the file's size: rows are not held (the reader streams, COPY has backpressure), the
 * filters are of fixed size, and at most MAX_LISTED problems of each kind are kept.
 */
import type { Geometry } from 'geojson';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { componentCatalog } from './catalog.js';
import { allocateCodes, type Allocation } from './census-alloc.js';
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
import { crsFromPrj, describeCrs, type CensusCrs } from './census-crs.js';
import { publishCensus, type PublishCounts } from './census-publish.js';
import { createGridTiles, finishRows } from './census-regions.js';
import { SeenFilter } from './census-seen.js';
import { createCensusStage, dropCensusStage, StageWriter, type CensusStage, type StagedRow } from './census-stage.js';
import { FIELDS, mapHeader, type Field, type HeaderMap } from './fields.js';
import {
  describeWhere,
  RowChecker,
  whereNumber,
  type CensusRow,
  type IssueSink,
  type RowContext,
  type RowIssue,
} from './row.js';

/** What the import needs of an opened file (readers.ts's openCensusFile gives it). */
export interface CensusFile {
  format: 'csv' | 'xlsx' | 'geojson' | 'shapefile';
  header: string[];
  encoding?: string;
  prj?: string;
  totalBytes: number;
  bytesRead(): number;
  records(): AsyncIterable<{
    where: { line: number } | { row: number } | { feature: number };
    values: unknown[] | Record<string, unknown>;
    geometry?: Geometry | null;
    /** GeoJSON: what is structurally wrong with this feature (the import refuses it). */
    problem?: string;
  }>;
  /** The same records in batches, where the reader has them so (CSV). */
  batches?(): AsyncIterable<Rec[]>;
}

type Rec = CensusFile['records'] extends () => AsyncIterable<infer R> ? R : never;

/** One record at a time as batches of one. */
async function* inBatches(records: AsyncIterable<Rec>): AsyncGenerator<Rec[]> {
  for await (const r of records) yield [r];
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
  // Milliseconds per step, for the summary (what a large import spends its time on).
  const steps: Record<string, number> = {};
  let lap = t0;
  const T = (name: string) => {
    const now = Date.now();
    steps[name] = now - lap;
    lap = now;
  };
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
  const sink: IssueSink = {
    error: (e) => {
      errorCount++;
      if (errors.length < MAX_LISTED) errors.push(e);
    },
    warning: (w) => {
      warningCount++;
      if (warnings.length < MAX_LISTED) warnings.push(w);
    },
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

  // Column names for problems found after reading: as the file names them (its first feature's, for GeoJSON).
  const seenColumns = new Map<Field, string>();
  const columnOf = (f: Field) =>
    (header?.fields[f] !== undefined ? file.header[header.fields[f]!].trim() : seenColumns.get(f)) ?? FIELDS[f][0];
  const stage = await createCensusStage(database, STALE_STAGE_MS);
  try {
    const tileSize = await createGridTiles(stage);
    let rows = 0;
    const found = { codeless: 0, givenGrids: 0, lines: 0, near: 0, twins: 0 };
    const seen = new SeenFilter();
    // The highest serial the file gives per district + class (a few entries per district: bounded).
    const givenSerials = new Map<string, number>();
    const progress = (phase: CensusProgress['phase']) =>
      opts.onProgress?.({ phase, rows, bytes: file.bytesRead(), totalBytes: file.totalBytes });
    const writer = new StageWriter(stage, (segment) =>
      errorCount ? Promise.resolve() : finishRows(stage, tileSize, segment),
    );
    await writer.start();
    const table = header ? new RowChecker(header, file.header, ctx, sink) : undefined;
    const features = new Map<string, { map: HeaderMap; checker: RowChecker }>();
    const out: StagedRow = { row: undefined as unknown as CensusRow, near: false, twin: false };
    const source = file.batches ? file.batches() : inBatches(file.records());
    try {
      for await (const batch of source)
        for (const rec of batch) {
          if (++rows % 10000 === 0) progress('reading');
          let r: CensusRow | undefined;
          if (rec.problem) sink.error({ where: rec.where, column: null, message: rec.problem });
          else if (table) r = table.check(rec.values as unknown[], rec.where);
          else {
            // A GeoJSON or Shapefile feature: its property names mapped like a header (cached per set of names).
            const props = (rec.values ?? {}) as Record<string, unknown>;
            const keys = Object.keys(props);
            const sig = keys.join('\u0000');
            let f = features.get(sig);
            if (!f) {
              const map = mapHeader(keys);
              f = { map, checker: new RowChecker(map, keys, ctx, sink) };
              if (features.size < 1000) features.set(sig, f);
              for (const field of ['code', 'given_grid_code'] as const)
                if (map.fields[field] !== undefined && !seenColumns.has(field))
                  seenColumns.set(field, keys[map.fields[field]!].trim());
            }
            for (const message of f.map.problems)
              sink.error({ where: rec.where, column: null, message: `properties: ${message}` });
            r = f.checker.check(
              keys.map((k) => props[k]),
              rec.where,
              rec.geometry,
            );
          }
          // After the first refused row nothing more is staged; the file is still read to list every problem.
          if (!r || errorCount > 0) continue;
          out.row = r;
          out.twin = r.code !== null && seen.twin(r.code);
          out.near = r.point && seen.near(r.cls, r.lon, r.lat);
          if (r.code === null) found.codeless++;
          else {
            const key = r.code.slice(0, 6) + r.cls;
            const serial = Number(r.code.slice(-6));
            if (serial > (givenSerials.get(key) ?? 0)) givenSerials.set(key, serial);
          }
          if (r.given_grid_code !== null) found.givenGrids++;
          if (!r.point) found.lines++;
          if (out.near) found.near++;
          if (out.twin) found.twins++;
          const wait = writer.add(out);
          if (wait) await wait;
        }
    } catch (e) {
      await writer.abort();
      throw e;
    }
    await writer.end();
    if (!pg && errorCount === 0) await finishRows(stage, tileSize);
    progress('checking');
    T('read_and_staged');
    const t1 = Date.now();
    if (rows === 0) addErrors([{ where: whereOfHeader(kind), column: null, message: 'the file has no rows' }]);
    if (errorCount === 0 && found.twins) addErrors(await duplicateCodes(stage, kind, MAX_LISTED, columnOf('code')));
    if (errorCount === 0 && found.lines) addErrors(await invalidGeometries(stage, kind, MAX_LISTED));
    T('duplicate_codes');
    if (errorCount) throw new CensusRejected(listed(sortIssues(errors)), errorCount);

    // On PostgreSQL the set-based steps over the whole stage run in one transaction under the import's statement
    // timeout (a million rows take longer than a request may); the embedded database runs them in slices.
    const checks = async (stage: CensusStage) => {
      if (found.near && seen.lat0 !== undefined) {
        const d = await duplicatePositions(stage, kind, MAX_LISTED, seen.lat0);
        addWarnings(d.issues, d.total);
      }
      T('duplicate_positions');
      const stored = await nearStored(stage);
      T('near_stored');
      const matched = stored && found.codeless ? await matchStored(stage) : 0;
      const a: Allocation = found.codeless
        ? await allocateCodes(stage, ctx.catalog, componentCatalog().legacy, givenSerials, MAX_LISTED)
        : { coded: 0, outside: { wns: [], total: 0 }, exhausted: { rows: [], total: 0 } };
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
      if (errorCount) throw new CensusRejected(listed(sortIssues(errors)), errorCount);
      if (opts.scope) {
        const outside = await outsideScope(stage, kind, opts.scope, MAX_LISTED);
        if (outside.length) throw new CensusRejected(listed(outside), outside.length, 'scope');
      }
      addWarnings(
        await positionWarnings(stage, kind, MAX_LISTED, columnOf('given_grid_code'), {
          givenGrids: found.givenGrids > 0,
          stored,
        }),
      );
      T('scope_and_warnings');
      return { matched, coded: a.coded };
    };
    const { matched, coded } = pg
      ? await db.transaction().execute(async (trx) => {
          await importTimeout(trx, database.importTimeoutMs);
          // Compiling these few big statements costs more than it saves; the joins are hash joins over the stage.
          await sql`set local jit = off`.execute(trx);
          await sql`set local enable_nestloop = off`.execute(trx);
          await sql`set local enable_mergejoin = off`.execute(trx);
          await sql`set local work_mem = '64MB'`.execute(trx);
          return checks({ ...stage, db: trx });
        })
      : await checks(stage);

    progress('publishing');
    const t2 = Date.now();
    const counts = await write(db, { actor: opts.actor, assignment: true, layers: ['components'] }, async (trx) => {
      if (database.importTimeoutMs > 0) await importTimeout(trx, database.importTimeoutMs);
      if (pg) {
        await sql`set local jit = off`.execute(trx);
        await sql`set local maintenance_work_mem = '256MB'`.execute(trx);
      }
      const c = await publishCensus(trx, { ...stage, db: trx }, steps);
      return {
        action: 'import',
        entity: 'component',
        key: null,
        detail: { file: opts.fileName ?? null, format: file.format, rows, ...c, coded, matched },
        result: c,
      };
    });
    progress('done');
    return {
      total: rows,
      ...counts,
      coded,
      matched,
      crs: describeCrs(crs),
      encoding: file.encoding ?? null,
      warnings: listed(sortIssues(warnings)),
      warnings_total: warningCount,
      timings: { read_ms: t1 - t0, checked_ms: t2 - t1, published_ms: Date.now() - t2, steps },
    };
  } finally {
    await dropCensusStage(stage).catch(() => undefined);
  }
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
