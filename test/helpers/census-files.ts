/** Small helpers for the census reader tests (test/components/readers*.test.ts). */
import { expect } from 'chai';
import iconv from 'iconv-lite';
import {
  FileProblem,
  openCensusFile,
  type FileFormat,
  type OpenedFile,
  type RawRecord,
} from '../../server/components/readers.js';

export async function all(file: OpenedFile): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of file.records()) out.push(r);
  return out;
}

export async function problem(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(FileProblem);
    return (err as Error).message;
  }
  throw new Error('expected a FileProblem');
}

export async function readAll(bytes: Uint8Array, name?: string, format?: FileFormat): Promise<RawRecord[]> {
  return all(await openCensusFile({ bytes }, { name, format }));
}

export const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
export const gbk = (s: string) => new Uint8Array(iconv.encode(s, 'gbk'));
