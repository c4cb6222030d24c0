/** Types shared by the file readers (server/components/readers.ts, server/importexport/read.ts). */
import type { Encoding } from './text.js';

export type FileFormat = 'csv' | 'xlsx' | 'geojson' | 'shapefile';
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'xlsx', 'geojson', 'shapefile'];

export type Where = { line: number } | { row: number } | { feature: number };

export interface RawRecord {
  /**
   * Where the record is, for error messages: CSV → physical line number of its first line (header = line 1; a quoted
   * field with newlines spans lines, they are counted); XLSX → sheet row number (header = row 1); GeoJSON and
   * Shapefile → 0-based feature index.
   */
  where: Where;
  /**
   * The values by column position for csv/xlsx (aligned to `header`; CSV cells are strings, '' when empty; XLSX
   * cells are numbers, strings, booleans or null when empty), by property name for geojson/shapefile.
   */
  values: unknown[] | Record<string, unknown>;
  /** GeoJSON/Shapefile: the geometry as read (null when missing), coordinates untouched (any CRS). */
  geometry?: GeoJSON.Geometry | null;
  /**
   * GeoJSON only: what is structurally wrong with this one feature (not an object, not of type Feature, properties or
   * geometry not an object). The reader still yields it (with `values: {}` / `geometry: null` where unusable) so the
   * import can report it with the others; refusing it is the import's call.
   */
  problem?: string;
}

export interface OpenedFile {
  format: FileFormat;
  /**
   * csv/xlsx: the header cells (BOM stripped, otherwise as written). geojson: the union of the property names of all
   * features, in the order first seen (the whole file is parsed at open). shapefile: the .dbf field names.
   */
  header: string[];
  /** csv and geojson: the text encoding used; shapefile: the .dbf encoding used. */
  encoding?: Encoding;
  /**
   * Where `encoding` came from: 'option' (named by the caller), 'bom', 'detected' (csv/geojson), '.cpg' or 'default'
   * (shapefile: GBK when there is neither a .cpg nor an option).
   */
  encodingSource?: 'option' | 'bom' | 'detected' | '.cpg' | 'default';
  /** Shapefile: the .prj text if present (the lead maps it to a CRS); GeoJSON: the legacy "crs" member's name. */
  prj?: string;
  /** Total bytes of the input. */
  totalBytes: number;
  /**
   * Bytes consumed so far by the current `records()` pass, for a progress bar (csv/xlsx from a path: bytes read from
   * the file; formats read whole: the share of records yielded, scaled to `totalBytes`).
   */
  bytesRead(): number;
  /**
   * The records after the header. Each call starts a new pass from the beginning (a path is re-read), so an import can
   * validate in one pass and write in a second without holding the file. Throws only FileProblem.
   */
  records(): AsyncIterable<RawRecord>;
  /** The same records in batches (CSV: those of each chunk read), for a reader of millions of rows. */
  batches?(): AsyncIterable<RawRecord[]>;
}

/** A refusal of the whole file (not of one record): the message says what is wrong and, where it can, where. */
export class FileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileProblem';
  }
}

export type Input = { path: string } | { bytes: Uint8Array };

export interface OpenOptions {
  name?: string;
  format?: FileFormat;
  encoding?: Encoding;
  /** Shapefile: which layer (.shp name without extension) of an archive that holds several. */
  layer?: string;
}

/** Runs `fn`, turning anything but a FileProblem into one that starts with `what`. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asProblem(what, err);
  }
}

export function asProblem(what: string, err: unknown): FileProblem {
  if (err instanceof FileProblem) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new FileProblem(`${what}: ${detail}`);
}

/** Wraps an async iterable so that whatever it throws comes out as a FileProblem. */
export async function* guarded<T>(what: string, source: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* source;
  } catch (err) {
    throw asProblem(what, err);
  }
}
