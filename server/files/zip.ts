/** Zip archives (XLSX workbooks and zipped Shapefiles) as far as the readers and writers need them, with fflate. */
import { Unzip, UnzipInflate, Zip, ZipDeflate, unzipSync } from 'fflate';

export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export function isZip(head: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => head[i] === b);
}

/**
 * Entry names found in the local file headers within `head` (the first bytes of an archive): enough to tell an XLSX
 * (its `[Content_Types].xml` and `xl/` entries come first) from a zipped Shapefile without reading the whole file.
 */
export function namesInHead(head: Uint8Array): string[] {
  const names: string[] = [];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let i = 0; i + 30 <= head.length; i++) {
    if (head[i] !== 0x50 || head[i + 1] !== 0x4b || head[i + 2] !== 0x03 || head[i + 3] !== 0x04) continue;
    const length = view.getUint16(i + 26, true);
    if (i + 30 + length > head.length) break;
    names.push(new TextDecoder().decode(head.subarray(i + 30, i + 30 + length)));
  }
  return names;
}

/** Every entry name of a whole archive (its central directory), without inflating anything. */
export function allNames(bytes: Uint8Array): string[] {
  const names: string[] = [];
  unzipSync(bytes, {
    filter: (file) => {
      names.push(file.name);
      return false;
    },
  });
  return names;
}

/** What the entry names say the archive is: an XLSX workbook, a zipped Shapefile, or neither. */
export function zipKind(names: string[]): 'xlsx' | 'shapefile' | undefined {
  if (names.some((n) => n === '[Content_Types].xml' || n.startsWith('xl/'))) return 'xlsx';
  if (names.some((n) => /\.(shp|dbf|shx)$/i.test(n) && !isJunk(n))) return 'shapefile';
  return undefined;
}

/** macOS resource forks (`__MACOSX/…`, `._name`) that Finder adds to archives. */
export function isJunk(name: string): boolean {
  return name.startsWith('__MACOSX/') || /(^|\/)\._/.test(name);
}

/**
 * Inflates every entry of an archive streamed in chunks, keeping nothing, and returns the first fault (entry name and
 * fflate's message) or undefined. exceljs's streaming reader can wait forever on a corrupt deflate stream, so an XLSX
 * is checked this way before it is handed over.
 */
export async function zipFault(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string | undefined> {
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  let fault: string | undefined;
  unzip.onfile = (file) => {
    file.ondata = (err) => {
      if (err && !fault) fault = `${file.name}: ${err.message}`;
    };
    file.start();
  };
  try {
    for await (const chunk of chunks) {
      unzip.push(chunk);
      if (fault) return fault;
    }
    unzip.push(new Uint8Array(0), true);
  } catch (err) {
    return fault ?? (err instanceof Error ? err.message : String(err));
  }
  return fault;
}

/** One file of an archive being written: its bytes, or chunks that arrive in turn. */
export interface ZipEntry {
  name: string;
  parts: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

/**
 * A zip archive written as it goes: each entry is deflated chunk by chunk and the archive's bytes come out as soon as
 * fflate has them, so only one chunk of one entry is held at a time.
 */
export async function* zipStream(entries: Iterable<ZipEntry> | AsyncIterable<ZipEntry>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else out.push(chunk);
  });
  const drain = function* () {
    if (failure) throw failure;
    const ready = out;
    out = [];
    yield* ready;
  };
  for await (const entry of entries) {
    const file = new ZipDeflate(entry.name, { level: 6 });
    zip.add(file);
    for await (const part of entry.parts) {
      file.push(part instanceof Uint8Array ? part : new Uint8Array(part), false);
      yield* drain();
    }
    file.push(new Uint8Array(0), true);
    yield* drain();
  }
  zip.end();
  yield* drain();
}
