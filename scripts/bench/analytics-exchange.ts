/**
 * bench:analytics part `exchange`: the case exchange's NDJSON import (server/exchange, npm run import:cases) into an
 * empty database, in cases/s with its CPU. The file is the real exporter's (exportLines, GET /api/exchange/cases)
 * first N cases of the fixture; the target is the fixture's `_import` twin (same city and library, its cases
 * emptied first). Afterwards the target is exported again and compared with the file (export → import → export is
 * identical). Anchor: COPY of the same rows (the case_record and case_event rows the import wrote, dumped and loaded
 * again with COPY FROM into the emptied tables, indexes in place). (Reuses scripts/bench/exchange-rate.ts's way.)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { exportLines } from '../../server/exchange/export.js';
import { importCases } from '../../server/exchange/import.js';
import { cpuMeter, f2, memoryPeak, mb, printTable } from './harness.js';
import { migrate } from '../../server/db/index.js';
import { openFixture } from './analytics-fixture.js';

export interface ExchangeOptions {
  database: Database;
  dbName: string;
  importUrl: string;
  importName: string;
  cases: number;
  log: (msg: string) => void;
}

/** Writes the first `n` exported cases of `db` to `file`; their count and the text's hash. */
async function exportTo(db: Database['db'], n: number, file: string | null) {
  const out = file ? fs.createWriteStream(file) : null;
  const hash = createHash('sha256');
  let count = 0;
  for await (const chunk of exportLines(db, { scope: '' })) {
    let text = chunk;
    const lines = chunk.split('\n').length - 1;
    if (count + lines > n)
      text =
        chunk
          .split('\n')
          .slice(0, n - count)
          .join('\n') + '\n';
    count += Math.min(lines, n - count);
    hash.update(text);
    if (out && !out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
    if (count >= n) break;
  }
  if (out) await new Promise<void>((r) => out.end(() => r()));
  return { count, hash: hash.digest('hex') };
}

const TABLES = ['case_record', 'case_event'];

export async function benchExchange(o: ExchangeOptions): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-analytics-'));
  const file = path.join(dir, 'cases.ndjson');
  const rows: string[][] = [];
  const target = await openFixture(o.importUrl);
  try {
    // A kept twin may predate a migration (it is made from the fixture before any case is generated).
    await migrate(target);
    o.log(`exchange: exporting ${o.cases} cases of the fixture`);
    let t0 = performance.now();
    let cpu = cpuMeter(o.dbName);
    const exported = await exportTo(o.database.db, o.cases, file);
    let wall = (performance.now() - t0) / 1000;
    let c = cpu();
    const size = fs.statSync(file).size;
    rows.push([
      `export (exportLines) of the fixture's first ${exported.count.toLocaleString('en-US')} cases`,
      `${f2(wall)} s`,
      Math.round(exported.count / wall).toLocaleString('en-US'),
      `${f2(c.node)} + ${f2(c.pg)} s`,
      '',
      '',
    ]);
    o.log(`  ${(size / 1e6).toFixed(1)} MB; emptying ${o.importName}`);
    await sql`truncate case_record, case_step, case_step_day cascade`.execute(target.db);
    await sql`vacuum analyze case_record, case_event, case_step`.execute(target.db);

    o.log('exchange: import into the empty database');
    const peak = memoryPeak();
    cpu = cpuMeter(o.importName);
    t0 = performance.now();
    const s = await importCases(target, fs.createReadStream(file, { highWaterMark: 1 << 20 }), {
      actor: { id: null, name: 'bench:analytics' },
    });
    wall = (performance.now() - t0) / 1000;
    c = cpu();
    const m = peak();
    const importWall = wall;
    rows.push([
      `import (importCases, bulk into empty tables): ${s.inserted.toLocaleString('en-US')} cases`,
      `${f2(wall)} s`,
      Math.round(s.cases / wall).toLocaleString('en-US'),
      `${f2(c.node)} + ${f2(c.pg)} s`,
      `${Math.round(((c.node + c.pg) / s.cases) * 1e6)} µs`,
      `${mb(m.rss)} / ${mb(m.heap)}`,
    ]);
    o.log(`  checked and staged ${f2(s.timings.read_ms / 1000)} s, published ${f2(s.timings.publish_ms / 1000)} s`);

    o.log('exchange: export of the imported cases, compared with the file');
    const again = await exportTo(target.db, o.cases, null);
    const identical = again.count === exported.count && again.hash === exported.hash;

    o.log('exchange: anchor, COPY of the same rows');
    const client = new pg.Client({ connectionString: o.importUrl });
    await client.connect();
    try {
      for (const t of TABLES)
        await pipeline(client.query(copyTo(`copy ${t} to stdout`)), fs.createWriteStream(path.join(dir, `${t}.copy`)));
      // The floor: the rows alone, without the evaluation facts the import keeps (migration 0012's trigger).
      await client.query('truncate case_record, case_step, case_step_day cascade');
      await client.query('alter table case_event disable trigger case_event_facts');
      cpu = cpuMeter(o.importName);
      t0 = performance.now();
      for (const t of TABLES)
        await pipeline(
          fs.createReadStream(path.join(dir, `${t}.copy`)),
          client.query(copyFrom(`copy ${t} from stdin`)),
        );
      wall = (performance.now() - t0) / 1000;
      c = cpu();
    } finally {
      await client.query('alter table case_event enable trigger case_event_facts').catch(() => {});
      await client.end();
    }
    rows.push([
      'anchor: COPY FROM of the same case_record and case_event rows (indexes in place, no facts trigger)',
      `${f2(wall)} s`,
      Math.round(s.cases / wall).toLocaleString('en-US'),
      `${f2(c.node)} + ${f2(c.pg)} s`,
      `${Math.round(((c.node + c.pg) / s.cases) * 1e6)} µs`,
      '',
    ]);
    console.log(`\n### Case exchange import (${(size / 1e6).toFixed(0)} MB of NDJSON into an empty database)\n`);
    printTable(['what', 'wall', 'cases/s', 'CPU node + pg', 'CPU a case', 'peak RSS / heap MB'], rows);
    console.log(
      `\nimport / COPY: ${f2(importWall / wall)}× the time; export → import → export identical: ` +
        `${identical ? 'yes' : `NO (${again.count} cases exported back)`}.`,
    );
  } finally {
    await target.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
