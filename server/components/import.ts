/**
 * Import of a component census (CSV, XLSX, GeoJSON, zipped Shapefile): validation first, then all or nothing.
 *
 * 1. Every row is read and checked (row.ts) as the file streams; checked rows are COPYed into a staging table
 *    (census-stage.ts) while the file is still being read. The first refused row stops the staging, and the rest
 *    of the file is still read to list every problem.
 * 2. With the file in: codes given twice, invalid geometries; each position's grid, community, street and district;
 *    code-less rows already stored (same class within 0.5 m) keep their code, the others get new ones; the region
 *    scope; warnings (census-checks.ts).
 * 3. One transaction publishes it with its audit row and the tile-layer bump (census-publish.ts).
 */
import type { Geometry } from 'geojson';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { componentCatalog } from './catalog.js';
import {
  allocateCodes,
  duplicateCodes,
  invalidGeometries,
  outsideScope,
  positionWarnings,
  whereOf,
  type WhereKind,
} from './census-checks.js';
import { crsFromPrj, describeCrs, type CensusCrs } from './census-crs.js';
import { publishCensus, type PublishCounts } from './census-publish.js';
import {
  createCensusStage,
  deriveRegions,
  dropCensusStage,
  loadStage,
  matchStored,
  type CensusStage,
} from './census-stage.js';
import { FIELDS, mapHeader, type Field, type HeaderMap } from './fields.js';
import { checkRow, describeWhere, type CensusRow, type RowContext, type RowIssue, type RowSource } from './row.js';

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
  timings: { read_ms: number; checked_ms: number; published_ms: number };
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
  const kind: WhereKind = file.format === 'csv' ? 'line' : file.format === 'xlsx' ? 'row' : 'feature';
  const fromPrj = file.prj ? crsFromPrj(file.prj) : undefined;
  const errors: RowIssue[] = [];
  let errorCount = 0;
  const warnings: RowIssue[] = [];
  let warningCount = 0;
  const addErrors = (list: RowIssue[]) => {
    errorCount += list.length;
    for (const e of list) if (errors.length < MAX_LISTED) errors.push(e);
  };
  const addWarnings = (list: RowIssue[]) => {
    warningCount += list.length;
    for (const w of list) if (warnings.length < MAX_LISTED) warnings.push(w);
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
  const seen = new Map<Field, string>();
  const columnOf = (f: Field) =>
    (header?.fields[f] !== undefined ? file.header[header.fields[f]!].trim() : seen.get(f)) ?? FIELDS[f][0];
  const stage = await createCensusStage(database, STALE_STAGE_MS);
  try {
    let rows = 0;
    const dup = new DuplicatePositions(kind);
    const progress = (phase: CensusProgress['phase']) =>
      opts.onProgress?.({ phase, rows, bytes: file.bytesRead(), totalBytes: file.totalBytes });
    async function* checked(): AsyncGenerator<CensusRow[]> {
      let batch: CensusRow[] = [];
      const objects = new Map<string, HeaderMap>();
      for await (const rec of file.records()) {
        rows++;
        if (rec.problem) {
          addErrors([{ where: rec.where, column: null, message: rec.problem }]);
          continue;
        }
        const src = header ? tabular(rec, header, file.header) : feature(rec, objects, addErrors);
        if (!header)
          for (const f of ['code', 'given_grid_code'] as const)
            if (src.has(f) && !seen.has(f)) seen.set(f, src.column(f));
        const r = checkRow(src, ctx);
        if (r.errors.length) addErrors(r.errors);
        if (r.warnings.length) addWarnings(r.warnings);
        if (r.row?.point) dup.add(r.row.cls, r.row.lon, r.row.lat, r.row.where);
        if (r.row && errorCount === 0) batch.push(r.row);
        if (batch.length >= 1000) {
          yield batch;
          batch = [];
        }
        if (rows % 10000 === 0) progress('reading');
      }
      if (batch.length && errorCount === 0) yield batch;
    }
    await loadStage(stage, checked());
    progress('checking');
    const t1 = Date.now();
    if (rows === 0) addErrors([{ where: whereOfHeader(kind), column: null, message: 'the file has no rows' }]);
    addWarnings(dup.issues());
    if (errorCount === 0) {
      addErrors(await duplicateCodes(stage, kind, MAX_LISTED, columnOf('code')));
      addErrors(await invalidGeometries(stage, kind, MAX_LISTED));
    }
    if (errorCount) throw new CensusRejected(listed(sortIssues(errors)), errorCount);

    // On PostgreSQL the set-based steps over the whole table run in one transaction under the import's statement
    // timeout (a million rows take longer than a request may); the embedded database runs them in slices.
    const checks = async (stage: CensusStage) => {
      await deriveRegions(stage);
      const matched = await matchStored(stage);
      const codeErrors: RowIssue[] = [];
      const coded = await allocateCodes(stage, ctx.catalog, kind, codeErrors, columnOf('code'));
      addErrors(codeErrors);
      if (errorCount) throw new CensusRejected(listed(sortIssues(errors)), errorCount);
      if (opts.scope) {
        const outside = await outsideScope(stage, kind, opts.scope, MAX_LISTED);
        if (outside.length) throw new CensusRejected(listed(outside), outside.length, 'scope');
      }
      addWarnings(await positionWarnings(stage, kind, MAX_LISTED, columnOf('given_grid_code')));
      return { matched, coded };
    };
    const { matched, coded } =
      database.driver === 'pg'
        ? await db.transaction().execute(async (trx) => {
            await importTimeout(trx, database.importTimeoutMs);
            // Compiling these few big statements costs more than it saves.
            await sql`set local jit = off`.execute(trx);
            return checks({ ...stage, db: trx });
          })
        : await checks(stage);

    progress('publishing');
    const t2 = Date.now();
    const counts = await write(db, { actor: opts.actor, assignment: true, layers: ['components'] }, async (trx) => {
      if (database.importTimeoutMs > 0) await importTimeout(trx, database.importTimeoutMs);
      const c = await publishCensus(trx, stage);
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
      timings: { read_ms: t1 - t0, checked_ms: t2 - t1, published_ms: Date.now() - t2 },
    };
  } finally {
    await dropCensusStage(stage).catch(() => undefined);
  }
}

/** `set local statement_timeout` (0 = none) in this form, so that the pg client's own timeout follows it too. */
const importTimeout = (trx: Kysely<DB>, ms: number) =>
  sql.raw(`set local statement_timeout = ${Math.max(0, Math.floor(ms))}`).execute(trx);

const whereOfHeader = (kind: WhereKind) => whereOf(kind, kind === 'feature' ? 0 : 1);

const num = (w: RowIssue['where']) => ('line' in w ? w.line : 'row' in w ? w.row : w.feature);
const sortIssues = (list: RowIssue[]) => [...list].sort((a, b) => num(a.where) - num(b.where));

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

type Rec = Parameters<typeof tabular>[0];

function tabular(
  rec: { where: RowSource['where']; values: unknown[] | Record<string, unknown> },
  map: HeaderMap,
  names: string[],
): RowSource {
  const values = rec.values as unknown[];
  return {
    where: rec.where,
    get: (f) => {
      const i = map.fields[f];
      return i === undefined ? undefined : values[i];
    },
    column: (f) => {
      const i = map.fields[f];
      return i === undefined ? FIELDS[f][0] : names[i].trim();
    },
    has: (f) => map.fields[f] !== undefined,
    extras: [...map.extras].map(([i, h]) => [h, values[i]]),
  };
}

/** A GeoJSON or Shapefile feature: its property names mapped like a header (cached per set of names). */
function feature(
  rec: Rec & { geometry?: Geometry | null },
  cache: Map<string, HeaderMap>,
  addErrors: (e: RowIssue[]) => void,
): RowSource {
  const props = (rec.values ?? {}) as Record<string, unknown>;
  const keys = Object.keys(props);
  const sig = keys.join('\u0000');
  let map = cache.get(sig);
  if (!map) {
    map = mapHeader(keys);
    if (cache.size < 1000) cache.set(sig, map);
  }
  if (map.problems.length)
    addErrors(map.problems.map((message) => ({ where: rec.where, column: null, message: `properties: ${message}` })));
  const values = keys.map((k) => props[k]);
  return { ...tabular({ where: rec.where, values }, map, keys), geometry: rec.geometry };
}

/** Points of one class within 0.5 m of each other in the file (a warning): sorted cells of about 0.5 m. */
class DuplicatePositions {
  private cls: number[] = [];
  private x: number[] = [];
  private y: number[] = [];
  private wn: number[] = [];
  private lat0: number | undefined;

  constructor(private kind: WhereKind) {}

  add(cls: string, lon: number, lat: number, where: RowIssue['where']): void {
    this.lat0 ??= lat;
    const m = 111_320;
    this.cls.push(Number(cls));
    this.x.push(lon * m * Math.cos((this.lat0 * Math.PI) / 180));
    this.y.push(lat * m);
    this.wn.push(num(where));
  }

  issues(): RowIssue[] {
    const n = this.cls.length;
    const cell = 0.5;
    const ky = (i: number) => Math.floor(this.y[i] / cell);
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => this.cls[a] - this.cls[b] || ky(a) - ky(b) || this.x[a] - this.x[b],
    );
    const out: RowIssue[] = [];
    for (let p = 0; p < n; p++) {
      const i = order[p];
      for (let q = p + 1; q < n; q++) {
        const j = order[q];
        if (this.cls[j] !== this.cls[i] || ky(j) > ky(i) + 1) break;
        if (Math.hypot(this.x[j] - this.x[i], this.y[j] - this.y[i]) > cell) continue;
        const [a, b] = i < j ? [i, j] : [j, i];
        out.push({
          where: whereOf(this.kind, this.wn[b]),
          column: null,
          message: `the same class lies within ${cell} m of ${describeWhere(whereOf(this.kind, this.wn[a]))}: a duplicate?`,
        });
      }
    }
    return out;
  }
}
