/**
 * NDJSON lines from a byte stream: split on LF (a CR before it is dropped, a UTF-8 BOM at the start too), each line
 * decoded as strict UTF-8. Blank lines are skipped but counted, so that line numbers are those of the file. A line
 * longer than MAX_LINE_BYTES is reported and skipped without being held.
 */

/** The longest line accepted (a case with hundreds of events is far below it). */
export const MAX_LINE_BYTES = 1 << 20;

export type RawLine = { line: number; text: string; error?: undefined } | { line: number; error: string };

export async function* ndjsonLines(
  chunks: AsyncIterable<Uint8Array>,
  onBytes?: (total: number) => void,
): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;
  let bytes = 0;
  const finish = (buf: Buffer): RawLine | undefined => {
    line++;
    if (tooLong) return { line, error: `the line is longer than ${MAX_LINE_BYTES} bytes` };
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end--;
    let start = 0;
    if (line === 1 && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    let text: string;
    try {
      text = decoder.decode(buf.subarray(start, end));
    } catch {
      return { line, error: 'the line is not valid UTF-8' };
    }
    if (text.trim() === '') return undefined;
    return { line, text };
  };
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    bytes += buf.length;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const piece = buf.subarray(pos, nl);
      if (size + piece.length > MAX_LINE_BYTES) tooLong = true;
      const whole = parts.length ? Buffer.concat([...parts, piece]) : piece;
      const r = finish(tooLong ? Buffer.alloc(0) : whole);
      parts = [];
      size = 0;
      tooLong = false;
      if (r) yield r;
      pos = nl + 1;
    }
    if (pos < buf.length && !tooLong) {
      const rest = buf.subarray(pos);
      size += rest.length;
      if (size > MAX_LINE_BYTES) {
        tooLong = true;
        parts = [];
      } else parts.push(Buffer.from(rest)); // a copy: the caller may reuse its chunk
    }
    onBytes?.(bytes);
  }
  if (parts.length || tooLong) {
    const r = finish(Buffer.concat(parts));
    if (r) yield r;
  }
}
