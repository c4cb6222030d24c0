/**
 * The exchange tests' world: the case tests' micro-city world (test/cases/fixture.ts: departments HW, CG, SZ, JD1
 * — fallback of street 990001001 — and QY — fallback everywhere; rules matter 06 → HW and matter 01 → SZ in district
 * 990001) plus collector C01 and an area-class A zone over street 990001002 (山前街道); everywhere else is class C.
 *
 * Limits (data/time-limits.json): accept, file, dispatch and check 30 working minutes, close 60; disposal of
 * matter:06010 2 / 4 / 8 h (A / B / C), of matter 01 8 / 16 / 24 h, of component:01001 缺失 1 / 2 / 2 h. Working
 * hours Mon–Fri 08:30–12:00 and 13:00–17:30; no holiday in March 2026 (2026-03-02 is a Monday).
 *
 * CASES: six hand-made cases; their stored results are worked out by hand in import.test.ts.
 */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { fromWgs84 } from '../../server/geo/crs.js';
import { P, setUpWorld, type World } from '../cases/fixture.js';

export { P, at, iso, tearDownWorld, type World } from '../cases/fixture.js';

/** The extra library of the exchange world (also for a second, empty world to import into). */
export async function addExchangeLibrary(database: Database): Promise<void> {
  await sql`insert into collector (code, name, phone) values ('C01', '监督员甲', '13800000001')`.execute(database.db);
  await sql`insert into area_class_zone (name, class, area_kind, area_codes)
    values ('山前核心区', 'A', 'regions', '{990001002}')`.execute(database.db);
}

export async function setUpExchangeWorld(): Promise<World> {
  const w = await setUpWorld();
  await addExchangeLibrary(w.database);
  return w;
}

/** c41 given in GCJ-02 (高德): converted back it is c41 within a micrometre. */
export const C41_GCJ = fromWgs84(P.c41.lon, P.c41.lat, 'gcj02');

export const CASES = [
  {
    case_no: 'MX2026-000001',
    channel: 'collector',
    category: 'matter:06010',
    condition: null,
    description: '路边暴露垃圾',
    location: { lon: P.c02.lon, lat: P.c02.lat, crs: 'wgs84' },
    address: '湖滨路12号',
    reported_at: '2026-03-02T09:00:00+08:00',
    collector_code: 'C01',
    events: [
      { action: 'accept', at: '2026-03-02T09:10:00+08:00', actor: '受理员甲' },
      { action: 'file', at: '2026-03-02T09:20:00+08:00', actor: '值班长乙' },
      { action: 'dispatch', at: '2026-03-02T09:30:00+08:00', actor: '派遣员丙', department_code: 'HW' },
      { action: 'dispose', at: '2026-03-02T15:00:00+08:00', note: '已清运' },
      { action: 'check', at: '2026-03-02T15:10:00+08:00', actor: 'C01' },
      { action: 'close', at: '2026-03-02T15:20:00+08:00', actor: '值班长乙' },
    ],
  },
  {
    case_no: 'MX2026-000002',
    channel: 'hotline_12345',
    category: 'matter:06010',
    condition: null,
    description: '公园门口垃圾堆积',
    location: { lon: C41_GCJ.lon, lat: C41_GCJ.lat, crs: 'gcj02' },
    address: '',
    reported_at: '2026-03-02T16:00:00+08:00',
    collector_code: null,
    events: [
      { action: 'accept', at: '2026-03-02T16:00:00+08:00' },
      { action: 'file', at: '2026-03-02T16:05:00+08:00' },
      { action: 'dispatch', at: '2026-03-02T16:10:00+08:00', department_code: 'CG' },
      { action: 'reassign', at: '2026-03-03T08:45:00+08:00', department_code: 'HW', note: '属环卫职责，改派' },
    ],
  },
  {
    case_no: 'MX2026-000003',
    channel: 'app',
    category: 'component:01001',
    condition: '缺失',
    description: '井盖丢失',
    location: { lon: P.c61.lon, lat: P.c61.lat, crs: 'wgs84' },
    address: '河东路3号',
    reported_at: '2026-03-02T10:00:00+08:00',
    collector_code: null,
    events: [
      { action: 'accept', at: '2026-03-02T10:00:00+08:00' },
      { action: 'file', at: '2026-03-02T10:05:00+08:00' },
      {
        action: 'dispatch',
        at: '2026-03-02T10:10:00+08:00',
        department_code: 'SZ',
        deadline: '2026-03-02T12:00:00+08:00',
      },
      { action: 'park', at: '2026-03-02T10:30:00+08:00', note: '等待配件' },
    ],
  },
  {
    case_no: 'MX2026-000004',
    channel: 'hotline_12319',
    category: 'matter:06010',
    condition: null,
    description: '小区门口有垃圾',
    location: null,
    address: '湖滨路1号',
    reported_at: '2026-03-02T10:50:00+08:00',
    collector_code: null,
    events: [{ action: 'accept', at: '2026-03-02T11:00:00+08:00' }],
  },
  {
    case_no: 'MX2026-000005',
    channel: 'collector',
    category: 'matter:01001',
    condition: null,
    description: '城外井盖破损',
    location: { lon: P.outside.lon, lat: P.outside.lat, crs: 'wgs84' },
    address: '',
    reported_at: '2026-03-02T17:20:00+08:00',
    collector_code: 'C01',
    events: [],
  },
  {
    case_no: 'MX2026-000006',
    channel: 'collector',
    category: 'matter:06010',
    condition: null,
    description: '西湖社区垃圾',
    location: { lon: P.c21.lon, lat: P.c21.lat, crs: 'wgs84' },
    address: '西湖路8号',
    reported_at: '2026-03-04T09:00:00+08:00',
    collector_code: 'C01',
    events: [
      { action: 'accept', at: '2026-03-04T09:00:00+08:00' },
      { action: 'file', at: '2026-03-04T09:00:00+08:00' },
      { action: 'dispatch', at: '2026-03-04T09:00:00+08:00', department_code: 'HW' },
      { action: 'urge', at: '2026-03-04T09:30:00+08:00', note: '请尽快处理' },
      { action: 'dispose', at: '2026-03-04T10:00:00+08:00', note: '已处理' },
      { action: 'rework', at: '2026-03-04T10:30:00+08:00', note: '未清理干净', actor: 'C01' },
    ],
  },
];

/** The cases as an NDJSON body. */
export const ndjson = (cases: unknown[]) => cases.map((c) => `${JSON.stringify(c)}\n`).join('');

/** A byte stream of a text (for importCases). */
export async function* bytes(text: string | Buffer, chunk = 7): AsyncGenerator<Uint8Array> {
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < b.length; i += chunk) yield b.subarray(i, i + chunk);
}

/** The fixed clock of the tests: after every event of CASES. */
export const NOW = new Date('2026-03-10T12:00:00+08:00');
