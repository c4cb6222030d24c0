/**
 * Import of districts, streets, communities and unit grids from GeoJSON: all or nothing.
 *
 * Structure is checked in JS; then the file is staged and checked in PostGIS (geometry validity, overlaps, areas)
 * in short steps (stage.ts, checks.ts) so that, on the embedded database, other requests are answered meanwhile;
 * then one short transaction publishes it (publish.ts). A code already live is replaced only when its name or
 * geometry changed: the old row gets termination_date = today (history is kept), the new row starts today.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { write, type Actor } from '../db/write.js';
import { MAX_ISSUES, areaWarnings, invalidGeometries, outsideParentWarnings, overlaps } from './checks.js';
import { REGION_LAYERS, plan, publish, regionsVersion, type Counts } from './publish.js';
import { createStage, dropStage, fillStage } from './stage.js';
import { checkParents, checkStructure, type ImportIssue, type StagedFeature } from './validate.js';

export type { ImportIssue } from './validate.js';

export interface ImportSummary {
  counts: Counts;
  total: number;
  warnings: ImportIssue[];
  /** Milliseconds spent staging and checking the file in short steps, and in the one publishing transaction. */
  timings: { checked_ms: number; published_ms: number };
}

export interface ImportOptions {
  actor: Actor;
  /** Called after each staged batch: (features staged, total). */
  onProgress?: (done: number, total: number) => void;
  /** Only codes starting with this prefix may be written (the actor's region scope). */
  scope?: string;
}

export class ImportRejected extends Error {
  /** 'scope': codes outside the actor's region scope (403); 'invalid': the data has problems (422). */
  constructor(
    public issues: ImportIssue[],
    public kind: 'invalid' | 'scope' = 'invalid',
  ) {
    super(
      `import rejected: ${issues.length} problem${issues.length === 1 ? '' : 's'}; first: ${describeIssue(issues[0])}`,
    );
  }
}

export function describeIssue(i: ImportIssue): string {
  const notes = [i.layer !== undefined ? `layer ${i.layer} row ${i.row}` : '', i.code ? `code ${i.code}` : '']
    .filter(Boolean)
    .join(', ');
  const where = i.index >= 0 ? `feature ${i.index}${notes ? ` (${notes})` : ''}: ` : '';
  const at = i.location ? ` at [${i.location[0]}, ${i.location[1]}]` : '';
  return `${where}${i.problem}${at}`;
}

export { AREA_WARN_MAX, AREA_WARN_MIN, OVERLAP_ERROR_M2 } from './checks.js';

/** A staging table older than this was left by a process that died during an import. */
const STALE_STAGE_MS = 24 * 3600_000;

export async function importRegions(database: Database, input: unknown, opts: ImportOptions): Promise<ImportSummary> {
  const { features, issues } = checkStructure(input);
  if (issues.length) throw new ImportRejected(issues.slice(0, MAX_ISSUES));
  return importFeatures(database, features, opts);
}

/** The import of features that passed the structure checks (checkStructure, or parse.ts's worker). */
export async function importFeatures(
  database: Database,
  features: StagedFeature[],
  opts: ImportOptions,
): Promise<ImportSummary> {
  if (opts.scope) {
    const outside = features
      .filter((f) => !f.code.startsWith(opts.scope!))
      .map((f) => ({ index: f.index, code: f.code, problem: `code is outside your region scope ${opts.scope}` }));
    if (outside.length) throw new ImportRejected(outside.slice(0, MAX_ISSUES), 'scope');
  }
  const db = database.db;
  // What the file is checked against; publishing refuses (409) if another write changed the regions meanwhile.
  const version = await regionsVersion(db);
  const parentIssues = checkParents(features, await liveCodes(db, features));
  if (parentIssues.length) throw new ImportRejected(parentIssues.slice(0, MAX_ISSUES));

  const started = performance.now();
  const stage = await createStage(db, STALE_STAGE_MS);
  try {
    await fillStage(stage, features, opts.onProgress);
    const geomIssues = await invalidGeometries(stage);
    if (geomIssues.length) throw new ImportRejected(geomIssues);
    const { errors, warnings } = await overlaps(stage);
    if (errors.length) throw new ImportRejected(errors);
    warnings.push(...(await areaWarnings(stage)), ...(await outsideParentWarnings(stage)));
    await plan(stage);
    const checked = performance.now();

    // Through the write path: grids moved, so open cases must be placed again (the assignment_version bump;
    // POST /api/assign/rerun, npm run reassign) and the region layers' tiles change.
    const counts = await write(db, { actor: opts.actor, assignment: true, layers: REGION_LAYERS }, async (trx) => {
      // A whole province takes longer than an ordinary statement may: this transaction's own, longer limit.
      await sql.raw(`set local statement_timeout = ${Math.floor(database.importTimeoutMs)}`).execute(trx);
      const counts = await publish(trx, stage, version);
      return {
        result: counts,
        action: 'import',
        entity: 'regions',
        key: null,
        detail: { counts, warnings: warnings.length },
      };
    });
    const timings = {
      checked_ms: Math.round(checked - started),
      published_ms: Math.round(performance.now() - checked),
    };
    return { counts, total: features.length, warnings: warnings.slice(0, MAX_ISSUES), timings };
  } finally {
    await dropStage(stage).catch(() => undefined);
  }
}

async function liveCodes(db: Kysely<DB>, features: StagedFeature[]): Promise<Set<string>> {
  const parents = [...new Set(features.map((f) => f.code.slice(0, f.code.length - 3)).filter((c) => c.length >= 6))];
  if (parents.length === 0) return new Set();
  const rows = await sql<{ code: string }>`
    select code from region where termination_date is null and code = any(${parents}::text[])`.execute(db);
  return new Set(rows.rows.map((r) => r.code));
}
