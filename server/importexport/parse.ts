/**
 * Parsing and checking an import file off the main thread: a 50 MB GeoJSON takes a second or more to parse and walk,
 * a GeoPackage is opened in SQLite (WebAssembly), a Shapefile's rings are read and reprojected, and the server must
 * keep answering meanwhile. The worker (parse-worker.ts) tells the format by the first bytes (read.ts); for JSON it
 * runs the same checks as an ordinary JSON body (edge checks); then the import's structure checks; and it sends back
 * only the features, each geometry already serialised for staging.
 */
import { Worker } from 'node:worker_threads';
import type { ProblemFieldError } from '../http/problem.js';
import type { FileInfo, ReadOptions } from './read.js';
import type { ImportIssue, StagedFeature } from './validate.js';

export type ParsedFile =
  | { kind: 'not-json'; message: string }
  | { kind: 'edges'; errors: ProblemFieldError[] }
  /** The file as a whole cannot be read (a broken zip, no .dbf, no feature table, an unknown CRS…). */
  | { kind: 'file-problem'; message: string }
  | { kind: 'checked'; features: StagedFeature[]; issues: ImportIssue[]; file: FileInfo };

export interface WorkerInput {
  bytes: Uint8Array;
  opts: ReadOptions;
}

/** Parses and checks the bytes of an import file in a worker thread. */
export function parseRegionsFile(bytes: Uint8Array, opts: ReadOptions = {}): Promise<ParsedFile> {
  return new Promise((resolve, reject) => {
    // A copy the worker owns (transferred, not cloned): the request's buffer may be a slice of a pooled one.
    const own = new Uint8Array(bytes);
    const worker = new Worker(new URL('./parse-boot.mjs', import.meta.url), {
      workerData: { bytes: own, opts } satisfies WorkerInput,
      transferList: [own.buffer],
    });
    worker.once('message', (m: ParsedFile) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the import parser stopped with exit code ${code}`));
    });
  });
}
