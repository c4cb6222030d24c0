/** Shared by import:components and import:addresses: FILE [--crs] [--encoding] [--format] and a progress bar. */
import fs from 'node:fs';
import { CRS_HELP, parseCensusCrs, type CensusCrs } from '../server/geo/file-crs.js';
import { FILE_FORMATS, type FileFormat } from '../server/components/readers.js';
import { ENCODINGS, parseEncoding, type Encoding } from '../server/files/text.js';

export interface FileArgs {
  file: string;
  crs?: CensusCrs;
  encoding?: Encoding;
  format?: FileFormat;
}

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
}

export function fileArgs(usage: string, args = process.argv.slice(2)): FileArgs {
  const valued = new Set(['--crs', '--encoding', '--format']);
  const files = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
  if (files.length !== 1) throw new Error(`usage: ${usage} FILE [--crs EPSG:4547] [--encoding gbk] [--format csv]`);
  const file = files[0];
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  const crsArg = option(args, 'crs');
  const crs = crsArg === undefined ? undefined : parseCensusCrs(crsArg);
  if (crsArg !== undefined && !crs) throw new Error(`--crs ${crsArg} is not one of ${CRS_HELP}`);
  const encArg = option(args, 'encoding');
  const encoding = encArg === undefined ? undefined : parseEncoding(encArg);
  if (encArg !== undefined && !encoding) throw new Error(`--encoding ${encArg} is not one of ${ENCODINGS.join(', ')}`);
  const format = option(args, 'format') as FileFormat | undefined;
  if (format !== undefined && !FILE_FORMATS.includes(format))
    throw new Error(`--format ${format} is not one of ${FILE_FORMATS.join(', ')}`);
  return { file, crs, encoding, format };
}

/** A progress callback: a bar on a terminal, a line per phase otherwise. */
export function progressPrinter(
  file: string,
): (p: { phase: string; rows: number; bytes: number; totalBytes: number }) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (p) => {
    if (p.phase === 'reading' && Date.now() - last < 200) return;
    last = Date.now();
    if (!tty) {
      if (p.phase !== 'reading') process.stderr.write(`${file}: ${p.phase} (${p.rows} rows)\n`);
      return;
    }
    const share = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 0;
    const done = Math.round(share * 30);
    process.stderr.write(
      `\r[${'#'.repeat(done)}${'.'.repeat(30 - done)}] ${(share * 100).toFixed(0).padStart(3)}% ${p.rows.toLocaleString('en')} rows ${p.phase}   ${p.phase === 'done' ? '\n' : ''}`,
    );
  };
}
