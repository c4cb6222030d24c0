/**
 * The worker of parse.ts: the format by the first bytes; GeoJSON: JSON.parse and the body edge checks; a zipped
 * Shapefile or GeoPackage: read.ts; then the import's structure checks, off the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileProblem } from '../files/common.js';
import { edgeProblems } from '../http/sanitize.js';
import type { ParsedFile, WorkerInput } from './parse.js';
import { detectRegionFormat, readBinaryRegions, regionsFromGeoJson, type ReadResult } from './read.js';

async function run({ bytes, opts }: WorkerInput): Promise<ParsedFile> {
  let result: ReadResult;
  try {
    if (detectRegionFormat(bytes) !== 'geojson') result = await readBinaryRegions(bytes, opts);
    else {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      if (text.trim() === '')
        return {
          kind: 'not-json',
          message: 'the request body is empty; send a GeoJSON, zipped Shapefile or GeoPackage file',
        };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        return { kind: 'not-json', message: `the request body is not valid JSON: ${(e as Error).message}` };
      }
      const errors = edgeProblems(value, 'body');
      if (errors.length) return { kind: 'edges', errors };
      result = regionsFromGeoJson(value, opts);
    }
  } catch (e) {
    if (e instanceof FileProblem) return { kind: 'file-problem', message: e.message };
    throw e;
  }
  // Serialised here, so the main thread neither clones nor stringifies the coordinates.
  for (const f of result.features) f.geometry = JSON.stringify(f.geometry);
  return { kind: 'checked', features: result.features, issues: result.issues, file: result.file };
}

parentPort!.postMessage(await run(workerData as WorkerInput));
