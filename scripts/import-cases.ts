/**
 * npm run import:cases -- FILE.ndjson
 * Imports case histories in the exchange format (server/exchange/format.ts) all or nothing, with progress on stderr.
 * The database is the configured one: DATABASE_URL, or the embedded one — through the running server's socket when
 * a server holds it, else opened (and locked) by this process. Exit 0 when imported (or nothing new), 2 when the
 * file is refused (every problem printed, the first 1000 listed), 1 on any other failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExchangeRejected, describeError, importCases, type ExchangeProgress } from '../server/exchange/import.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

const USAGE = 'usage: npm run import:cases -- FILE.ndjson';

function progress(file: string, totalBytes: number): (p: ExchangeProgress) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (p) => {
    if (p.phase === 'reading' && Date.now() - last < 500) return;
    last = Date.now();
    const share = totalBytes > 0 ? Math.min(1, p.bytes / totalBytes) : 1;
    const text = `${file}: ${p.phase} ${p.lines.toLocaleString('en')} lines (${(share * 100).toFixed(0)}%)`;
    process.stderr.write(tty ? `\r${text}   ${p.phase === 'done' ? '\n' : ''}` : `${text}\n`);
  };
}

runCli(async () => {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (files.length !== 1) throw new Error(USAGE);
  const file = files[0];
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  const size = fs.statSync(file).size;
  const database = await openConfiguredDatabase();
  let refused = false;
  const t = Date.now();
  try {
    const s = await importCases(database, fs.createReadStream(file, { highWaterMark: 1 << 20 }), {
      actor: { id: null, name: `cli:${process.env.USER ?? 'unknown'}` },
      fileName: path.basename(file),
      onProgress: progress(file, size),
    });
    const secs = (Date.now() - t) / 1000;
    console.log(
      `${file}: ${s.cases} cases in ${secs.toFixed(1)} s (${Math.round(s.cases / secs)} cases/s): inserted ${s.inserted}, unchanged ${s.unchanged}` +
        `${s.unplaced ? `, ${s.unplaced} without a position (待定位)` : ''}${s.outside_coverage ? `, ${s.outside_coverage} outside every grid` : ''}`,
    );
    console.log(
      `  timings: checked and staged ${(s.timings.read_ms / 1000).toFixed(1)} s, published ${(s.timings.publish_ms / 1000).toFixed(1)} s` +
        ` (${Object.entries(s.timings.steps)
          .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
          .join(', ')})`,
    );
  } catch (e) {
    if (!(e instanceof ExchangeRejected)) throw e;
    refused = true;
    console.error(
      `${file}: refused, nothing imported. ${e.total} problem(s)${e.total > e.errors.length ? `, the first ${e.errors.length}` : ''}:`,
    );
    for (const x of e.errors) console.error(`  ${describeError(x)}`);
  } finally {
    await database.close();
  }
  if (refused) process.exit(2);
});
