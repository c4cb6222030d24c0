/**
 * npm run import -- FILE [more files] [--crs EPSG:4547] [--encoding gbk] [--layer name]: load districts, streets,
 * communities and unit grids (all or nothing per file) from GeoJSON, a zipped Shapefile or a GeoPackage into the
 * configured database, printing progress, a summary and warnings. The format is told by the file's first bytes.
 */
import fs from 'node:fs';
import { FileProblem } from '../server/files/common.js';
import { ENCODINGS, parseEncoding } from '../server/files/text.js';
import { CRS_HELP, parseCensusCrs } from '../server/geo/file-crs.js';
import { ImportRejected, describeIssue, importFeatures } from '../server/importexport/import.js';
import {
  detectRegionFormat,
  locateIssues,
  readBinaryRegions,
  regionsFromGeoJson,
  type ReadOptions,
  type ReadResult,
} from '../server/importexport/read.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

const USAGE = 'usage: npm run import -- FILE [more files] [--crs EPSG:4547] [--encoding gbk] [--layer name]';
const VALUED = ['--crs', '--encoding', '--layer'];

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
}

function readOptions(args: string[]): ReadOptions {
  const crsArg = option(args, 'crs');
  const crs = crsArg === undefined ? undefined : parseCensusCrs(crsArg);
  if (crsArg !== undefined && !crs) throw new Error(`--crs ${crsArg} is not one of ${CRS_HELP}`);
  const encArg = option(args, 'encoding');
  const encoding = encArg === undefined ? undefined : parseEncoding(encArg);
  if (encArg !== undefined && !encoding) throw new Error(`--encoding ${encArg} is not one of ${ENCODINGS.join(', ')}`);
  return { crs, encoding, layer: option(args, 'layer') };
}

async function readFile(file: string, opts: ReadOptions): Promise<ReadResult> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  if (detectRegionFormat(bytes) !== 'geojson') return readBinaryRegions(bytes, opts);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new FileProblem(`the file is not valid JSON (nor a zip or GeoPackage): ${(e as Error).message}`);
  }
  return regionsFromGeoJson(value, opts);
}

runCli(async () => {
  const args = process.argv.slice(2);
  const files = args.filter((a, i) => !a.startsWith('--') && !VALUED.includes(args[i - 1]));
  if (files.length === 0) throw new Error(USAGE);
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`no such file: ${f}`);
  const opts = readOptions(args);
  const database = await openConfiguredDatabase();
  let failed = false;
  try {
    for (const file of files) {
      const t = Date.now();
      let read: ReadResult | undefined;
      try {
        read = await readFile(file, opts);
        const info = read.file;
        const layers = info.layers.map((l) => `${l.name} (${l.features}, ${info.crs[l.name]})`).join(', ');
        console.log(`${file}: ${info.format}${info.encoding ? `, .dbf ${info.encoding}` : ''}: ${layers}`);
        if (read.issues.length) throw new ImportRejected(read.issues);
        const s = await importFeatures(database, read.features, {
          actor: { id: null, name: `cli:${process.env.USER ?? 'unknown'}` },
          onProgress: (done, total) => {
            if (total >= 5000) process.stderr.write(`\r${file}: staged ${done}/${total}`);
          },
        });
        process.stderr.write('\n');
        console.log(`${file}: imported ${s.total} features in ${((Date.now() - t) / 1000).toFixed(1)} s`);
        for (const [level, c] of Object.entries(s.counts)) {
          console.log(`  ${level.padEnd(10)} inserted ${c.inserted}, replaced ${c.replaced}, unchanged ${c.unchanged}`);
        }
        locateIssues(info, s.warnings);
        if (s.warnings.length) console.log(`  ${s.warnings.length} warning(s):`);
        for (const w of s.warnings) console.log(`    ${describeIssue(w)}`);
      } catch (e) {
        failed = true;
        if (e instanceof FileProblem) {
          console.error(`${file}: cannot be imported: ${e.message}`);
          continue;
        }
        if (!(e instanceof ImportRejected)) throw e;
        if (read) locateIssues(read.file, e.issues);
        console.error(`${file}: rejected, nothing imported. ${e.issues.length} problem(s):`);
        for (const i of e.issues) console.error(`  ${describeIssue(i)}`);
      }
    }
  } finally {
    await database.close();
  }
  if (failed) process.exit(2);
});
