/**
 * Import of an exchange file (NDJSON, format.ts): every line is checked, and the cases are stored all or nothing.
 *
 * 1. One pass over the lines: each is parsed, checked and replayed (check.ts); a case_no given twice is an error
 *    on its second line. Batch by batch, the case_nos already stored are compared with their stored case: the
 *    same case (its export equals the line's canonical form, deadlines the line leaves out filled in as this import
 *    computes them) is left alone and counted `unchanged`; another body under a stored case_no is an error naming
 *    the line and the first field that differs. New cases are staged (stage.ts) as they come.
 * 2. Any problem: nothing is stored; the problems are listed in line order (the first MAX_LISTED; all are counted).
 * 3. Otherwise one transaction places and stores every new case with its history (publish.ts).
 */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import { write, type Actor } from '../db/write.js';
import { CLASSES, checkLine, loadContext, wouldExport, type CheckedCase } from './check.js';
import { exportCases } from './export.js';
import { firstDifference, renderCase } from './format.js';
import { ndjsonLines } from './lines.js';
import { Publisher, type PublishCounts } from './publish.js';
import { createStage, dropStage, indexStage, stageCases } from './stage.js';

/** Problems listed in a refusal (all are counted). */
export const MAX_LISTED = 1000;
/** Lines checked against stored cases and staged at a time. */
const BATCH = 2000;

export interface LineError {
  line: number;
  message: string;
}

export class ExchangeRejected extends Error {
  constructor(
    public errors: LineError[],
    public total: number,
    /** 'scope': every problem is a case outside the importer's region scope; 'empty': no case at all. */
    public kind: 'invalid' | 'scope' | 'empty' = 'invalid',
  ) {
    super(
      `${total} problem${total === 1 ? '' : 's'}, nothing imported; first: ${errors[0] ? describeError(errors[0]) : ''}`,
    );
  }
}

export const describeError = (e: LineError) => `line ${e.line}: ${e.message}`;

export interface ExchangeProgress {
  phase: 'reading' | 'publishing' | 'done';
  lines: number;
  bytes: number;
}

export interface ImportOptions {
  actor: Actor;
  /** Region-code prefix of the importer ('' or unset = everywhere). */
  scope?: string;
  /** The clock: nothing in the file may lie after it; rules valid on its date place the cases. Default now. */
  now?: Date;
  fileName?: string;
  onProgress?: (p: ExchangeProgress) => void;
  /** Bulk loading of a first import (publish.ts); default: when no case is stored yet (PostgreSQL). */
  bulk?: boolean;
}

export interface ImportSummary extends PublishCounts {
  /** Cases in the file. */
  cases: number;
  /** Already stored, identical. */
  unchanged: number;
  /**
   * Milliseconds: reading the file (checking, comparing with stored cases, staging), then publishing; `steps` in
   * more detail (check, compare, stage, index, place_*, cases, events, rebuild).
   */
  timings: { read_ms: number; publish_ms: number; steps: Record<string, number> };
}

/** A promise that may settle while no one awaits it yet (it is awaited later): no unhandled rejection meanwhile. */
const later = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};

export async function importCases(
  database: Database,
  chunks: AsyncIterable<Uint8Array>,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const t0 = Date.now();
  const db = database.db;
  const now = opts.now ?? new Date();
  const scope = opts.scope ?? '';
  const ctx = await loadContext(db, now);
  const errors: LineError[] = [];
  let total = 0;
  let scopeOnly = true;
  const fail = (line: number, message: string, kind: 'invalid' | 'scope' = 'invalid') => {
    total++;
    if (kind !== 'scope') scopeOnly = false;
    if (errors.length < MAX_LISTED) errors.push({ line, message });
  };
  const seen = new Map<string, number>();
  let cases = 0;
  let unchanged = 0;
  let lines = 0;
  let bytes = 0;
  let t1 = 0;
  const steps: Record<string, number> = { check: 0, compare: 0, stage: 0 };
  const onStep = (s: string, ms: number) => (steps[s] = (steps[s] ?? 0) + ms);
  const timed = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      onStep(step, performance.now() - t);
    }
  };
  const stage = await createStage(database);

  /** Reads and checks the whole file, staging the new cases. */
  const read = async () => {
    let batch: CheckedCase[] = [];
    // One batch is loaded into the stage while the next is checked (PostgreSQL works while Node checks).
    let staging: Promise<unknown> = Promise.resolve();
    /** Stored case_nos of the batch are compared; the others staged. */
    const flush = async () => {
      const list = batch;
      batch = [];
      await staging;
      if (list.length === 0) return;
      const fresh = await timed('compare', () => compare(list));
      if (total === 0) staging = later(timed('stage', () => stageCases(stage, fresh)));
    };
    const compare = async (list: CheckedCase[]): Promise<CheckedCase[]> => {
      const stored = await sql<{ id: number; case_no: string; region: string }>`
        select id::float8 as id, case_no, coalesce(grid_code, community_code, street_code, district_code, '') as region
        from case_record where case_no = any(${list.map((c) => c.case_no)}::text[])`.execute(db);
      if (stored.rows.length === 0) return list;
      const byNo = new Map(stored.rows.map((r) => [r.case_no, r]));
      const exported = await exportCases(
        db,
        stored.rows.map((r) => r.id),
      );
      const have = new Map(exported.map((c) => [c.case_no, c]));
      const fresh: CheckedCase[] = [];
      for (const c of list) {
        const s = byNo.get(c.case_no);
        if (!s) fresh.push(c);
        else if (!s.region.startsWith(scope))
          fail(
            c.line,
            `case ${c.case_no} is stored in ${s.region || 'no region'}, outside your region scope ${scope}`,
            'scope',
          );
        else {
          const text = renderCase(have.get(c.case_no)!);
          const variants = CLASSES.map((k) => wouldExport(c, k));
          if (variants.some((v) => renderCase(v) === text)) unchanged++;
          else
            fail(
              c.line,
              `case ${c.case_no} is already stored with a different body (first difference: ${firstDifference(variants[2], have.get(c.case_no)!)}); a re-import must be identical`,
            );
        }
      }
      return fresh;
    };

    try {
      for await (const raw of ndjsonLines(chunks, (b) => (bytes = b))) {
        lines = raw.line;
        if (raw.error !== undefined) {
          fail(raw.line, raw.error);
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(raw.text);
        } catch (e) {
          fail(raw.line, `not valid JSON: ${(e as Error).message}`);
          continue;
        }
        cases++;
        const r = await timed('check', () => checkLine(value, raw.line, ctx));
        if (r.errors) {
          for (const m of r.errors) fail(raw.line, m);
          continue;
        }
        const earlier = seen.get(r.ok.case_no);
        if (earlier !== undefined) {
          fail(raw.line, `case_no ${r.ok.case_no} is also on line ${earlier}`);
          continue;
        }
        seen.set(r.ok.case_no, raw.line);
        batch.push(r.ok);
        if (batch.length >= BATCH) await flush();
        if (cases % BATCH === 0) opts.onProgress?.({ phase: 'reading', lines, bytes });
      }
      await flush();
      await staging;
    } finally {
      await staging.catch(() => undefined); // settled before the stage is dropped
    }
    t1 = Date.now();
    if (cases === 0 && total === 0)
      throw new ExchangeRejected([{ line: 0, message: 'the file holds no cases' }], 1, 'empty');
    if (total) throw new ExchangeRejected(sorted(errors), total, scopeOnly ? 'scope' : 'invalid');
  };

  /** Ends the publishing transaction: the scope problems, the rebuild, the audit row. */
  const finish = async (p: Publisher) => {
    if (p.outsideTotal)
      throw new ExchangeRejected(
        p.outside.map((l) => ({
          line: l.line,
          message: `the case lies in ${l.region || 'no region'}, outside your region scope ${scope}`,
        })),
        p.outsideTotal,
        'scope',
      );
    await p.close();
    return {
      action: 'import',
      entity: 'case',
      key: null,
      detail: { file: opts.fileName ?? null, lines, ...p.counts, unchanged },
      result: p.counts,
    };
  };

  try {
    let counts: PublishCounts = { inserted: 0, unplaced: 0, outside_coverage: 0 };
    await read();
    if (stage.size > 0) {
      opts.onProgress?.({ phase: 'publishing', lines, bytes });
      await timed('index', () => indexStage(stage));
      counts = await write(db, { actor: opts.actor, layers: ['cases'] }, async (trx) => {
        const p = await Publisher.open(trx, database, stage, {
          scope,
          now,
          bulk: opts.bulk,
          maxListed: MAX_LISTED,
          onStep,
        });
        await p.publish();
        return finish(p);
      });
    }
    opts.onProgress?.({ phase: 'done', lines, bytes });
    return {
      cases,
      unchanged,
      ...counts,
      timings: {
        read_ms: t1 - t0,
        publish_ms: Date.now() - t1,
        steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Math.round(v)])),
      },
    };
  } finally {
    await dropStage(stage, db).catch(() => undefined);
  }
}

const sorted = (list: LineError[]) => [...list].sort((a, b) => a.line - b.line);
