/**
 * npm run import:components -- FILE [--crs EPSG:4547|wgs84|gcj02|bd09|cgcs2000] [--encoding gbk|utf8|gb18030]
 *   [--format csv|xlsx|geojson|shapefile]
 * Imports a component census file all or nothing, with a progress bar on stderr. Exit 0 on success (warnings
 * included), 2 when the file is refused (every problem is printed), 1 on any other failure.
 */
import path from 'node:path';
import { CensusRejected, describeRowIssue, importCensus } from '../server/components/import.js';
import { FileProblem, openCensusFile } from '../server/components/readers.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';
import { fileArgs, progressPrinter } from './cli-file.js';

runCli(async () => {
  const { file, crs, encoding, format } = fileArgs('npm run import:components --');
  const database = await openConfiguredDatabase();
  let refused = false;
  const t = Date.now();
  try {
    const opened = await openCensusFile({ path: file }, { name: path.basename(file), format, encoding });
    const s = await importCensus(database, opened, {
      actor: { id: null, name: `cli:${process.env.USER ?? 'unknown'}` },
      crs,
      fileName: path.basename(file),
      onProgress: progressPrinter(file),
    });
    const secs = (Date.now() - t) / 1000;
    console.log(
      `${file}: ${s.total} rows in ${secs.toFixed(1)} s (${Math.round(s.total / secs)} rows/s; ${opened.format}, ${s.encoding ?? 'binary'}, ${s.crs})`,
    );
    console.log(
      `  inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}; coded ${s.coded}, matched by position ${s.matched}`,
    );
    const sec = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      `  timings: ${Object.entries(s.timings.steps)
        .map(([step, ms]) => `${step.replace(/_/g, ' ')} ${sec(ms)} s`)
        .join(', ')}`,
    );
    if (s.warnings_total)
      console.log(
        `  ${s.warnings_total} warning(s)${s.warnings_total > s.warnings.length ? `, the first ${s.warnings.length}` : ''}:`,
      );
    for (const w of s.warnings) console.log(`    ${describeRowIssue(w)}`);
  } catch (e) {
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
