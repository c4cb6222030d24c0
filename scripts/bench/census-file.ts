/**
 * A component census CSV for bench:census: `rows` components spread over the live unit grids of the database
 * (ST_GeneratePoints inside each grid, seeded), ~30 classes of GB/T 47678.5, half with a 17-digit code and half
 * without (the import allocates theirs), departments from a small table (by code, by name, or both), the 表2
 * abbreviations as column names. Written to `file` in batches of grids (bounded memory).
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { componentCatalog } from '../../server/components/catalog.js';

export const BENCH_DEPARTMENTS: [code: string, name: string][] = [
  ['bench-water', '市水务集团'],
  ['bench-power', '供电公司'],
  ['bench-lights', '路灯管理所'],
  ['bench-sanitation', '环卫处'],
  ['bench-gardens', '园林绿化局'],
  ['bench-traffic', '交警支队'],
  ['bench-telecom', '通信公司'],
  ['bench-gas', '燃气公司'],
];

const HEADER = [
  'GLBJBSM',
  'class',
  'GLBJMC',
  'ZGBMDM',
  'ZGBMMC',
  'QSDWMC',
  'YHDWDM',
  'GLBJZT',
  'CSRQ',
  'BGRQ',
  'SJLY',
  'BZ',
  'lon',
  'lat',
];

/** The departments the file names, inserted into the department table. */
export async function insertDepartments(database: Database): Promise<void> {
  for (const [code, name] of BENCH_DEPARTMENTS)
    await sql`insert into department (code, name, kind) values (${code}, ${name}, 'utility')
      on conflict (code) do nothing`.execute(database.db);
}

/** CSV-quotes a cell when needed (none of ours has a quote, comma or line break, but keep it honest). */
const csv = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function writeCensusCsv(
  database: Database,
  file: string,
  rows: number,
  log: (m: string) => void,
): Promise<{ rows: number; bytes: number; classes: number; grids: number }> {
  const entries = componentCatalog().entries;
  const classes = entries.filter((_, i) => i % 5 === 0).slice(0, 30);
  const grids = await sql<{ code: string; district: string }>`
    select code, district_code as district from unit_grid where termination_date is null order by code`.execute(
    database.db,
  );
  const n = grids.rows.length;
  if (!n) throw new Error('no unit grids to place components in');
  const per = Math.ceil(rows / n);
  const out = fs.createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(HEADER.join(',') + '\n');
  const serial = new Map<string, number>();
  let written = 0;
  const BATCH = 200;
  for (let g = 0; g < n && written < rows; g += BATCH) {
    const codes = grids.rows.slice(g, g + BATCH).map((r) => r.code);
    const pts = await sql<{ grid: string; district: string; lon: number; lat: number }>`
      select u.code as grid, u.district_code as district, ST_X(d.geom) as lon, ST_Y(d.geom) as lat
      from unit_grid u, ST_Dump(ST_GeneratePoints(u.geom, ${per}::int, 20261202)) d
      where u.code = any(${codes}::text[]) and u.termination_date is null order by u.code, d.path`.execute(database.db);
    let buf = '';
    for (const p of pts.rows) {
      if (written >= rows) break;
      const i = written++;
      const c = classes[i % classes.length];
      const key = p.district + c.code;
      let code = '';
      if (i % 2 === 0) {
        const s = (serial.get(key) ?? 0) + 1;
        serial.set(key, s);
        code = `${p.district}${c.code}${String(s).padStart(6, '0')}`;
      }
      const [deptCode, deptName] = BENCH_DEPARTMENTS[i % BENCH_DEPARTMENTS.length];
      const title = BENCH_DEPARTMENTS[(i >> 3) % BENCH_DEPARTMENTS.length][1];
      const maint = BENCH_DEPARTMENTS[(i >> 5) % BENCH_DEPARTMENTS.length][0];
      const day = String((i % 28) + 1).padStart(2, '0');
      buf +=
        [
          code,
          c.code,
          c.name,
          deptCode,
          deptName,
          title,
          maint,
          i % 17 === 0 ? '破损' : '完好',
          `2024-05-${day}`,
          i % 3 === 0 ? `2025-03-${day}` : '',
          i % 4 === 0 ? '地形图' : '实测',
          i % 50 === 0 ? `复核 ${p.grid}` : '',
          p.lon.toFixed(7),
          p.lat.toFixed(7),
        ]
          .map(csv)
          .join(',') + '\n';
    }
    await write(buf);
    if ((g / BATCH) % 10 === 0) log(`wrote ${written}/${rows} rows`);
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { rows: written, bytes: fs.statSync(file).size, classes: classes.length, grids: n };
}

export const CENSUS_CSV_COLUMNS = HEADER;
