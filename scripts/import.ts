/**
 * npm run import -- <file.geojson> [more files]: load districts, streets, communities and unit grids (all or nothing
 * per file) into the configured database, printing progress, a summary and warnings.
 */
import fs from 'node:fs';
import { ImportRejected, describeIssue, importRegions } from '../server/importexport/import.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

runCli(async () => {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (files.length === 0) throw new Error('usage: npm run import -- <file.geojson> [more.geojson]');
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`no such file: ${f}`);
  const database = await openConfiguredDatabase();
  let failed = false;
  try {
    for (const file of files) {
      const t = Date.now();
      let input: unknown;
      try {
        input = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
      try {
        const s = await importRegions(database, input, {
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
        if (s.warnings.length) console.log(`  ${s.warnings.length} warning(s):`);
        for (const w of s.warnings) console.log(`    ${describeIssue(w)}`);
      } catch (e) {
        if (!(e instanceof ImportRejected)) throw e;
        failed = true;
        console.error(`${file}: rejected, nothing imported. ${e.issues.length} problem(s):`);
        for (const i of e.issues) console.error(`  ${describeIssue(i)}`);
      }
    }
  } finally {
    await database.close();
  }
  if (failed) process.exit(2);
});
