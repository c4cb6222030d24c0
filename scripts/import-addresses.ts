/**
 * npm run import:addresses -- FILE [--crs …] [--encoding …] [--format …]
 * Imports roads, doorplates and landmarks all or nothing. Exit 0 on success, 2 when the file is refused, 1 otherwise.
 */
import path from 'node:path';
import { importAddresses } from '../server/addresses/import.js';
import { CensusRejected } from '../server/components/import.js';
import { FileProblem, openCensusFile } from '../server/components/readers.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';
import { fileArgs, progressPrinter } from './cli-file.js';

runCli(async () => {
  const { file, crs, encoding, format } = fileArgs('npm run import:addresses --');
  const database = await openConfiguredDatabase();
  let refused = false;
  try {
    const opened = await openCensusFile({ path: file }, { name: path.basename(file), format, encoding });
    const s = await importAddresses(database, opened, {
      actor: { id: null, name: `cli:${process.env.USER ?? 'unknown'}` },
      crs,
      fileName: path.basename(file),
      onProgress: progressPrinter(file),
    });
    console.log(`${file}: ${s.total} rows (${opened.format}, ${s.encoding ?? 'binary'}, ${s.crs})`);
    for (const [k, c] of Object.entries(s.counts))
      console.log(
        `  ${k.padEnd(10)} inserted ${c.inserted}, updated ${c.updated}, unchanged ${c.unchanged}` +
          ('renamed' in c ? `, renamed ${c.renamed}` : ''),
      );
    for (const w of s.warnings) console.log(`  warning: ${w.text}`);
  } catch (e) {
    if (e instanceof FileProblem) {
      refused = true;
      console.error(`${file}: refused, nothing imported: ${e.message}`);
    } else if (e instanceof CensusRejected) {
      refused = true;
      console.error(`${file}: refused, nothing imported. ${e.total} problem(s):`);
      for (const i of e.issues) console.error(`  ${i.text}`);
    } else throw e;
  } finally {
    await database.close();
  }
  if (refused) process.exit(2);
});
