/** The worker of parse.ts: JSON.parse, the body edge checks and the import's structure checks, off the main thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { edgeProblems } from '../http/sanitize.js';
import type { ParsedFile } from './parse.js';
import { checkStructure } from './validate.js';

function run(bytes: Uint8Array): ParsedFile {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.trim() === '') return { kind: 'not-json', message: 'the request body is empty; send a JSON document' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'not-json', message: `the request body is not valid JSON: ${(e as Error).message}` };
  }
  const errors = edgeProblems(value, 'body');
  if (errors.length) return { kind: 'edges', errors };
  const { features, issues } = checkStructure(value);
  // Serialised here, so the main thread neither clones nor stringifies the coordinates.
  for (const f of features) f.geometry = JSON.stringify(f.geometry);
  return { kind: 'checked', features, issues };
}

parentPort!.postMessage(run(workerData as Uint8Array));
