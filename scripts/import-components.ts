/**
 * npm run import:components -- FILE [--crs EPSG:4547|wgs84|gcj02|bd09|cgcs2000] [--encoding gbk|utf8|gb18030]
 *   [--format csv|xlsx|geojson|shapefile]
 * Imports a component census file all or nothing, with a progress bar on stderr. Exit 0 on success (warnings
 * included), 2 when the file is refused (every problem is printed), 1 on any other failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CRS_HELP, parseCensusCrs } from '../server/components/census-crs.js';
import { CensusRejected, describeRowIssue, importCensus, type CensusProgress } from '../server/components/import.js';
import { FILE_FORMATS, FileProblem, openCensusFile, type FileFormat } from '../server/components/readers.js';
import { ENCODINGS, parseEncoding } from '../server/components/text.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
}

export function progressBar(p: CensusProgress): string {
  const share = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 0;
  const width = 30;
  const done = Math.round(share * width);
  return `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(share * 100).toFixed(0).padStart(3)}% ${p.rows.toLocaleString('en')} rows ${p.phase}   `;
}

runCli(async () => {
  const args = process.argv.slice(2);
  const valued = new Set(['--crs', '--encoding', '--format']);
  const files = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
  if (files.length !== 1)
    throw new Error('usage: npm run import:components -- FILE [--crs EPSG:4547] [--encoding gbk] [--format csv]');
  const file = files[0];
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  const crsArg = option('crs');
  const crs = crsArg === undefined ? undefined : parseCensusCrs(crsArg);
  if (crsArg !== undefined && !crs) throw new Error(`--crs ${crsArg} is not one of ${CRS_HELP}`);
  const encArg = option('encoding');
  const encoding = encArg === undefined ? undefined : parseEncoding(encArg);
  if (encArg !== undefined && !encoding) throw new Error(`--encoding ${encArg} is not one of ${ENCODINGS.join(', ')}`);
  const format = option('format') as FileFormat | undefined;
  if (format !== undefined && !FILE_FORMATS.includes(format))
    throw new Error(`--format ${format} is not one of ${FILE_FORMATS.join(', ')}`);

  const database = await openConfiguredDatabase();
  let refused = false;
  const t = Date.now();
  const tty = process.stderr.isTTY;
  let last = 0;
  try {
    const opened = await openCensusFile({ path: file }, { name: path.basename(file), format, encoding });
    const s = await importCensus(database, opened, {
      actor: { id: null, name: `cli:${process.env.USER ?? 'unknown'}` },
      crs,
      fileName: path.basename(file),
      onProgress: (p) => {
        if (Date.now() - last < 200 && p.phase === 'reading') return;
        last = Date.now();
        if (tty) process.stderr.write(progressBar(p));
        else if (p.phase !== 'reading') process.stderr.write(`${file}: ${p.phase} (${p.rows} rows)\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    const secs = (Date.now() - t) / 1000;
    console.log(
      `${file}: ${s.total} rows in ${secs.toFixed(1)} s (${Math.round(s.total / secs)} rows/s; ${opened.format}, ${s.encoding ?? 'binary'}, ${s.crs})`,
    );
    console.log(
      `  inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}; coded ${s.coded}, matched by position ${s.matched}`,
    );
    if (s.warnings_total)
      console.log(
        `  ${s.warnings_total} warning(s)${s.warnings_total > s.warnings.length ? `, the first ${s.warnings.length}` : ''}:`,
      );
    for (const w of s.warnings) console.log(`    ${describeRowIssue(w)}`);
  } catch (e) {
    if (tty) process.stderr.write('\n');
    if (e instanceof FileProblem) {
      refused = true;
      console.error(`${file}: refused, nothing imported: ${e.message}`);
    } else if (e instanceof CensusRejected) {
      refused = true;
      console.error(
        `${file}: refused, nothing imported. ${e.total} problem(s)${e.total > e.issues.length ? `, the first ${e.issues.length}` : ''}:`,
      );
      for (const i of e.issues) console.error(`  ${i.text}`);
    } else throw e;
  } finally {
    await database.close();
  }
  if (refused) process.exit(2);
});
