/**
 * The reading pass of a census import: every record of the file is checked (row.ts) and each checked row streamed
 * into the stage (census-stage.ts's StageWriter, COPY with backpressure) while the file is still being read. After
 * the first refused row nothing more is staged, but the rest of the file is still read to list every problem.
 *
 * What the pass remembers is bounded whatever the file's size: the fixed-size filters of codes and positions seen
 * (census-seen.ts), the highest serial given per district and class, a few counters, and the column names.
 */
import type { Geometry } from 'geojson';
import { SeenFilter } from './census-seen.js';
import type { CensusStage } from './census-stage.js';
import { StageWriter, type StagedRow } from './census-writer.js';
import { mapHeader, type Field, type HeaderMap } from './fields.js';
import { RowChecker, type CensusRow, type IssueSink, type RowContext, type Where } from './row.js';

export interface CensusRecord {
  where: Where;
  values: unknown[] | Record<string, unknown>;
  geometry?: Geometry | null;
  /** GeoJSON: what is structurally wrong with this feature (the import refuses it). */
  problem?: string;
}

export interface ReadResult {
  rows: number;
  /** Rows staged: code-less, with a given unit grid, lines/polygons, flagged near or twin. */
  found: { codeless: number; givenGrids: number; lines: number; near: number; twins: number };
  /** The latitude the duplicate-position check measures at (the first point's). */
  lat0: number | undefined;
  /** The highest serial the file gives per district + 5-digit class. */
  givenSerials: Map<string, number>;
  /** Column names of GeoJSON/Shapefile properties (the first feature's) for problems found after reading. */
  columns: Map<Field, string>;
}

export interface ReadOptions {
  /** The table's header map (CSV, XLSX); undefined for features. */
  header: HeaderMap | undefined;
  columns: string[];
  ctx: RowContext;
  sink: IssueSink;
  /** Problems so far (nothing more is staged after the first). */
  errors: () => number;
  progress: (rows: number) => void;
  /** Rows per COPY segment (default SEGMENT; tests make it small). */
  segmentRows?: number;
  /** Called for each loaded segment (PostgreSQL); its work runs in the background. */
  segmentDone?: (segment: { table: string; from: number; to: number }) => Promise<void>;
}

/** Reads the file's records (in batches where the reader has them so) into the stage. */
export async function readIntoStage(
  stage: CensusStage,
  source: AsyncIterable<CensusRecord[]>,
  o: ReadOptions,
): Promise<ReadResult> {
  const result: ReadResult = {
    rows: 0,
    found: { codeless: 0, givenGrids: 0, lines: 0, near: 0, twins: 0 },
    lat0: undefined,
    givenSerials: new Map(),
    columns: new Map(),
  };
  const { found, givenSerials } = result;
  const seen = new SeenFilter();
  const writer = new StageWriter(stage, o.segmentDone, o.segmentRows);
  await writer.start();
  const table = o.header ? new RowChecker(o.header, o.columns, o.ctx, o.sink) : undefined;
  const features = new Map<string, { map: HeaderMap; checker: RowChecker }>();
  const out: StagedRow = { row: undefined as unknown as CensusRow, near: false, twin: false };
  try {
    for await (const batch of source)
      for (const rec of batch) {
        if (++result.rows % 10000 === 0) o.progress(result.rows);
        let r: CensusRow | undefined;
        if (rec.problem) o.sink.error({ where: rec.where, column: null, message: rec.problem });
        else if (table) r = table.check(rec.values as unknown[], rec.where);
        else {
          // A GeoJSON or Shapefile feature: its property names mapped like a header (cached per set of names).
          const props = (rec.values ?? {}) as Record<string, unknown>;
          const keys = Object.keys(props);
          const sig = keys.join('\u0000');
          let f = features.get(sig);
          if (!f) {
            const map = mapHeader(keys);
            f = { map, checker: new RowChecker(map, keys, o.ctx, o.sink) };
            if (features.size < 1000) features.set(sig, f);
            for (const field of ['code', 'given_grid_code'] as const)
              if (map.fields[field] !== undefined && !result.columns.has(field))
                result.columns.set(field, keys[map.fields[field]!].trim());
          }
          for (const message of f.map.problems)
            o.sink.error({ where: rec.where, column: null, message: `properties: ${message}` });
          r = f.checker.check(
            keys.map((k) => props[k]),
            rec.where,
            rec.geometry,
          );
        }
        if (!r || o.errors() > 0) continue;
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
  result.lat0 = seen.lat0;
  return result;
}

/** One record at a time, as batches of one. */
export async function* inBatches(records: AsyncIterable<CensusRecord>): AsyncGenerator<CensusRecord[]> {
  for await (const r of records) yield [r];
}
