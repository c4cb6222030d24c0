/**
 * Throughput of the census CSV reader alone (no validation, no database): writes a generated 1,000,000-row census
 * CSV (≈150 MB, old field names, Chinese values) to a temporary file in UTF-8 and in GBK, reads each through
 * `openCensusFile` and prints rows/s and peak RSS. Usage: `npx tsx scripts/bench-readers.ts [rows]`.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { openCensusFile } from '../server/components/readers.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const HEADER =
  'ObjID,ObjName,DeptCode1,DeptName1,DeptCode2,DeptName2,DeptCode3,DeptName3,ObjState,ORDate,CHDate,PointX,PointY,Note\n';
const NAMES = ['供水井盖', '路灯', '垃圾箱', '报刊亭', '交通标志牌'];

function row(i: number): string {
  const code = `3205080100${String(i).padStart(7, '0')}`;
  const x = (500000 + (i % 9973) * 1.25).toFixed(3);
  const y = (3450000 + (i % 7919) * 1.5).toFixed(3);
  const note = i % 10 === 0 ? '"位于路口东侧, 靠近""公交站"""' : '无';
  return `${code},${NAMES[i % 5]},320508001,市政管理处,320508002,长青社区居委会,320508003,城市照明养护中心,完好,2024-03-01,2025-06-30,${x},${y},${note}\n`;
}

async function write(path: string, encoding: 'utf8' | 'gbk'): Promise<void> {
  const out = createWriteStream(path);
  const put = async (s: string) => {
    if (!out.write(encoding === 'utf8' ? s : iconv.encode(s, 'gbk'))) await once(out, 'drain');
  };
  await put(HEADER);
  let batch = '';
  for (let i = 0; i < ROWS; i++) {
    batch += row(i);
    if (batch.length > 1 << 16) {
      await put(batch);
      batch = '';
    }
  }
  await put(batch);
  out.end();
  await once(out, 'finish');
}

let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
for (const encoding of ['utf8', 'gbk'] as const) {
  const path = join(tmpdir(), `bench-readers-${process.pid}-${encoding}.csv`);
  await write(path, encoding);
  try {
    const { size } = await fsp.stat(path);
    peak = process.memoryUsage().rss;
    const start = process.hrtime.bigint();
    const file = await openCensusFile({ path }, { name: 'census.csv' });
    let rows = 0;
    let cells = 0;
    for await (const record of file.records()) {
      rows++;
      cells += (record.values as string[]).length;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (rows !== ROWS || cells !== ROWS * 14) throw new Error(`read ${rows} rows, ${cells} cells`);
    console.log(
      `${encoding.padEnd(5)} ${(size / 1e6).toFixed(0)} MB, ${rows} rows in ${seconds.toFixed(2)} s: ` +
        `${Math.round(rows / seconds)} rows/s, ${(size / 1e6 / seconds).toFixed(0)} MB/s, ` +
        `encoding ${file.encoding}, peak RSS ${(peak / 1e6).toFixed(0)} MB`,
    );
  } finally {
    await fsp.rm(path, { force: true });
  }
}
clearInterval(timer);
