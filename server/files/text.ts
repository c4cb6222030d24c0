/**
 * The text of a census file: Chinese survey data comes in UTF-8 (with or without a BOM) or in GBK (GB 18030's
 * two-byte subset, what Excel and ArcGIS write on a Chinese Windows). Without a named encoding, bytes that are valid
 * UTF-8 are UTF-8, and anything else is read as GB 18030 (a superset of GBK). iconv-lite does the decoding.
 */
import iconv from 'iconv-lite';

export const ENCODINGS = ['utf8', 'gbk', 'gb18030'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** `--encoding` as given (UTF-8, utf8, GBK, gb18030…), or undefined when it is none of ours. */
export function parseEncoding(value: string): Encoding | undefined {
  const v = value.toLowerCase().replace('-', '');
  return (ENCODINGS as readonly string[]).includes(v) ? (v as Encoding) : undefined;
}

/** Decodes the bytes; `encoding` overrides detection. Returns the text (without a BOM) and the encoding used. */
export function decodeText(bytes: Uint8Array, encoding?: Encoding): { text: string; encoding: Encoding } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chosen = encoding ?? detectEncoding(buf);
  const text = chosen === 'utf8' ? new TextDecoder('utf-8').decode(buf) : iconv.decode(buf, chosen);
  return { text: text.replace(/^\uFEFF/, ''), encoding: chosen };
}

/**
 * The one detection rule for census text: a UTF-8 BOM → utf8; bytes that are valid UTF-8 → utf8; anything else →
 * gb18030 (which reads GBK). `partial` says the bytes are only the start of a longer text (a streaming reader's first
 * window): a UTF-8 sequence cut by the end of the window is then not held against UTF-8.
 */
export function detectEncoding(bytes: Uint8Array, partial = false): Encoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return 'utf8';
  } catch {
    return 'gb18030';
  }
}
