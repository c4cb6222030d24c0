/**
 * bench:census, part geocode: forward geocoding on --doorplates doorplates (500,000 by default) against a plain
 * pg_trgm query on the same table in the same run.
 *
 * The gazetteer is generated set-based over the bench city (its bounding box): roads of 100 numbers each (10 %
 * missing, so some queries interpolate), odd numbers on one side and even on the other, 12 m off the road; unique
 * two-character names from a pool of ~200 characters + a suffix (路, 街, 大道, 巷); a thousand landmarks. Region codes
 * come from one spatial join, as the import derives them.
 *
 * Query sets (--sample each, seeded): exact (street + community + road + number, the standard form), partial (the
 * road without its suffix + number, no regions), typo (one character of the road name replaced), missing (a number
 * not in the gazetteer: interpolated). Each runs at 1 and 8 in flight: the anchor — `order by text <-> q limit 5` on
 * a GiST trigram index over road||number||'号' — then geocode() in process and GET /api/geocode through the app.
 * Top-1 accuracy is printed for both (right road and number).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.js';
import type { Database } from '../../server/db/index.js';
import { geocode } from '../../server/addresses/geocode.js';
import { nameKey } from '../../server/addresses/fuzzy.js';
import { pinyinKey } from '../../server/addresses/geocode-index.js';
import { mulberry32 } from '../../server/demo/prng.js';
import { f1, httpRun, measure, printTable, startServer, type Run } from './harness.js';

const POOL =
  '安宝北碧滨博昌长朝辰成城崇春翠大德东都丰凤福富光广桂海航和河鸿华怀环黄惠吉佳嘉建江金锦京景静九康乐黎丽' +
  '莲林临柳龙隆鹿绿罗茂梅美民明南宁鹏平浦启千前桥青清庆秋泉仁日荣瑞润三沙山善上尚胜盛师石世寿书曙顺松泰' +
  '桃天田通同望威文五武西溪霞夏仙祥向新信星兴秀旭学雅延扬阳耀业怡义益银英迎永友余玉裕园远月云泽长振正' +
  '芝中忠舟珠竹紫';
const SUFFIXES = ['路', '街', '大道', '巷'];
const PER_ROAD = 100;
const MARK_KINDS = ['中学', '小学', '医院', '市场', '公园', '广场', '商场', '酒店'];

/** Common characters by toneless pinyin (CJK 一–龥 outside the name pool), for homophone typos. */
const HOMOPHONES = (() => {
  const pool = new Set(Array.from(POOL));
  const map = new Map<string, string[]>();
  for (let cp = 0x4e00; cp <= 0x9fa5; cp += 1) {
    const c = String.fromCodePoint(cp);
    if (pool.has(c)) continue;
    const k = pinyinKey(c);
    if (!/^[a-z]+$/.test(k)) continue;
    const list = map.get(k) ?? [];
    if (list.length < 8) list.push(c);
    map.set(k, list);
  }
  return map;
})();

interface Query {
  q: string;
  road: string;
  number: string;
}

/** Unique road names: stems of two pool characters (seeded order) + a suffix. */
function roadNames(n: number, seed: number): string[] {
  const chars = Array.from(POOL);
  const rand = mulberry32(seed);
  const out = new Set<string>();
  while (out.size < n) {
    const a = chars[Math.floor(rand() * chars.length)]!;
    const b = chars[Math.floor(rand() * chars.length)]!;
    if (a === b) continue;
    out.add(`${a}${b}${SUFFIXES[Math.floor(rand() * SUFFIXES.length)]}`);
  }
  return [...out];
}

async function generate(database: Database, doorplates: number, log: (m: string) => void): Promise<number> {
  // One transaction without the app's statement timeout: the set-based inserts of 500k rows take minutes.
  return database.db.transaction().execute(async (db) => {
    await sql`set local statement_timeout = 0`.execute(db);
    return generateIn(db, doorplates, log);
  });
}

async function generateIn(db: Kysely<DB>, doorplates: number, log: (m: string) => void): Promise<number> {
  const roads = Math.ceil(doorplates / (PER_ROAD * 0.9));
  const names = roadNames(roads, 8);
  const box = (
    await sql<{ x0: number; y0: number; x1: number; y1: number }>`
      select ST_XMin(e) as x0, ST_YMin(e) as y0, ST_XMax(e) as x1, ST_YMax(e) as y1
      from (select ST_Extent(geom)::geometry as e from region where level = 'district') x`.execute(db)
  ).rows[0]!;
  const t = Date.now();
  // Road i: horizontal, 1.6 km long (50 plates a side every 30 m), in rows across the city's box.
  const dx = 30 / (111_320 * Math.cos((((box.y0 + box.y1) / 2) * Math.PI) / 180));
  const dy = 12 / 110_574;
  const rowsPerCol = Math.max(1, Math.floor((box.y1 - box.y0) / (4 * dy)));
  const f = (v: number) => sql`${v}::float8`;
  const len = (PER_ROAD / 2 + 1) * dx;
  const colW = (PER_ROAD / 2 + 3) * dx;
  const rowH = (box.y1 - box.y0 - 4 * dy) / rowsPerCol;
  await sql`insert into road (name, geom)
    select n, ST_SetSRID(ST_Multi(ST_MakeLine(ST_MakePoint(x, y), ST_MakePoint(x + ${f(len)}, y))), 4326)
    from (select n, ${f(box.x0)} + ((i / ${rowsPerCol}::int) % 6) * ${f(colW)} as x,
            ${f(box.y0 + 2 * dy)} + (i % ${rowsPerCol}::int) * ${f(rowH)} as y
          from unnest(${names}::text[]) with ordinality as u(n, i)) s`.execute(db);
  await sql`insert into road_name (road_id, name, kind) select id, name, 'name' from road`.execute(db);
  await sql`insert into doorplate (road_id, road, number, number_int, geom, side, measure)
    select r.id, r.name, n::text, n,
      ST_SetSRID(ST_MakePoint(ST_XMin(r.geom) + ceil(n / 2.0) * ${f(dx)},
                              ST_YMin(r.geom) + case when n % 2 = 1 then ${f(dy)} else -${f(dy)} end), 4326),
      case when n % 2 = 1 then -1 else 1 end, ceil(n / 2.0) / ${f(PER_ROAD / 2 + 1)}
    from road r, generate_series(1, ${PER_ROAD}) n
    where (r.id * 7919 + n * 104729) % 10 <> 3`.execute(db);
  await sql`update doorplate d set grid_code = g.code, community_code = g.community_code,
      street_code = g.street_code, district_code = g.district_code
    from unit_grid g where g.termination_date is null and ST_Intersects(g.geom, d.geom)`.execute(db);
  await sql`update road r set district_code = (select district_code from doorplate d where d.road_id = r.id limit 1)`.execute(
    db,
  );
  await sql`insert into landmark (name, aliases, kind, geom, grid_code, community_code, street_code, district_code)
    select r.name || k, array[left(r.name, 2) || k], k, d.geom, d.grid_code, d.community_code, d.street_code,
      d.district_code
    from (select id, name, (${MARK_KINDS}::text[])[1 + id % ${MARK_KINDS.length}] as k
          from road order by id limit 1000) r
    join lateral (select * from doorplate where road_id = r.id order by number_int limit 1) d on true`.execute(db);
  await sql`insert into tile_layer_version (layer) values ('addresses')
    on conflict (layer) do update set version = tile_layer_version.version + 1`.execute(db);
  await sql`analyze road`.execute(db);
  await sql`analyze road_name`.execute(db);
  await sql`analyze doorplate`.execute(db);
  await sql`analyze landmark`.execute(db);
  const n = (await sql<{ n: number }>`select count(*)::int as n from doorplate`.execute(db)).rows[0]!.n;
  log(
    `geocode: ${names.length} roads, ${n.toLocaleString('en')} doorplates, 1,000 landmarks in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  return n;
}

async function querySets(database: Database, sample: number): Promise<Record<string, Query[]>> {
  const picked = await sql<{ road: string; number: string; n: number; street: string; community: string }>`
    select d.road, d.number, d.number_int as n, s.name as street, c.name as community
    from doorplate d join region s on s.code = d.street_code and s.termination_date is null
      join region c on c.code = d.community_code and c.termination_date is null
    order by (d.id * 2654435761) % 1000003 limit ${sample * 2}`.execute(database.db);
  const rows = picked.rows;
  const chars = Array.from(POOL);
  const rand = mulberry32(20261203);
  const missing = await sql<{ road: string; n: number }>`
    select r.name as road, g.n from road r, generate_series(3, ${PER_ROAD - 2}) g(n)
    where (r.id * 7919 + g.n * 104729) % 10 = 3
    order by (r.id * 2654435761 + g.n) % 1000003 limit ${sample}`.execute(database.db);
  return {
    exact: rows.slice(0, sample).map((r) => ({ q: `${r.street}${r.community}${r.road}${r.number}号`, ...r })),
    partial: rows.slice(sample).map((r) => ({ q: `${nameKey(r.road)}${r.number}号`, ...r })),
    homophone: rows.slice(sample).map((r) => {
      // One character replaced by another with the same toneless pinyin (青 → 清): the common typo of a dictation.
      const name = Array.from(r.road);
      const at = Math.floor(rand() * 2);
      const same = (HOMOPHONES.get(pinyinKey(name[at]!)) ?? []).filter((c) => c !== name[at]);
      if (same.length > 0) name[at] = same[Math.floor(rand() * same.length)]!;
      return { q: `${name.join('')}${r.number}号`, ...r };
    }),
    typo: rows.slice(0, sample).map((r) => {
      // One character replaced by an unrelated one: with two-character names often truly ambiguous.
      const name = Array.from(r.road);
      const at = Math.floor(rand() * 2);
      let c = name[at]!;
      while (c === name[at] || name.includes(c)) c = chars[Math.floor(rand() * chars.length)]!;
      name[at] = c;
      return { q: `${name.join('')}${r.number}号`, ...r };
    }),
    missing: missing.rows.map((r) => ({ q: `${r.road}${r.n}号`, road: r.road, number: String(r.n) })),
  };
}

async function anchor(database: Database, q: string): Promise<string[]> {
  const r = await sql<{ t: string }>`
    select road || number || '号' as t from doorplate order by (road || number || '号') <-> ${q} limit 5`.execute(
    database.db,
  );
  return r.rows.map((x) => x.t);
}

const cell = (r: Run) => `${f1(r.perS)} (${f1(r.p50)}/${f1(r.p99)})`;

export async function benchGeocode(
  database: Database,
  opts: { doorplates: number; sample: number; log: (m: string) => void },
): Promise<void> {
  const total = await generate(database, opts.doorplates, opts.log);
  const t = Date.now();
  await database.db.transaction().execute(async (trx) => {
    await sql`set local statement_timeout = 0`.execute(trx);
    await sql`create index bench_doorplate_trgm on doorplate using gist ((road || number || '号') gist_trgm_ops)`.execute(
      trx,
    );
  });
  opts.log(`geocode: anchor's GiST trigram index in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const sets = await querySets(database, opts.sample);
  const t1 = Date.now();
  await geocode(database.db, '预热', 1); // builds the name index (timed separately)
  opts.log(`geocode: name index built in ${Date.now() - t1} ms`);
  const server = await startServer(database);
  const rows: string[][] = [];
  try {
    for (const [name, qs] of Object.entries(sets)) {
      const hits = { anchor: 0, anchor5: 0, geocode: 0, geocode5: 0 };
      for (const q of qs) {
        const want = `${q.road}${q.number}号`;
        const a = await anchor(database, q.q);
        if (a[0] === want) hits.anchor++;
        if (a.includes(want)) hits.anchor5++;
        const g = (await geocode(database.db, q.q, 5)).candidates;
        if (g[0]?.address.endsWith(want)) hits.geocode++;
        if (g.some((c) => c.address.endsWith(want))) hits.geocode5++;
      }
      const pct = (n: number) => `${Math.round((n / qs.length) * 100)} %`;
      for (const concurrency of [1, 8]) {
        const a = await measure(qs, concurrency, (q) => anchor(database, q.q));
        const g = await measure(qs, concurrency, (q) => geocode(database.db, q.q, 5));
        const h = await httpRun(
          server.url,
          qs.map((q) => ({ path: `/api/geocode?q=${encodeURIComponent(q.q)}&limit=5` })),
          { concurrency, ok: [200] },
        );
        rows.push([
          name,
          String(concurrency),
          cell(a),
          cell(g),
          cell(h),
          `${(g.perS / a.perS).toFixed(2)}×`,
          `${pct(hits.anchor)} / ${pct(hits.anchor5)}`,
          `${pct(hits.geocode)} / ${pct(hits.geocode5)}`,
        ]);
        opts.log(`geocode: ${name} × ${concurrency} done`);
      }
    }
  } finally {
    await server.close();
  }
  console.log(
    `\n## Forward geocoding on ${total.toLocaleString('en')} doorplates, ${opts.sample} queries per set; ` +
      'cells: queries/s (p50/p99 ms)\n',
  );
  printTable(
    [
      'queries',
      'in flight',
      'anchor: pg_trgm <->',
      'geocode()',
      'GET /api/geocode',
      'geocode/anchor',
      'anchor top-1 / top-5',
      'geocode top-1 / top-5',
    ],
    rows,
  );
  console.log(
    '\nexact = street + community + road + number; partial = road without its suffix + number; homophone = one ' +
      'character of the road replaced by one with the same pinyin; typo = by an unrelated one; missing = a number not in the gazetteer (interpolated); top-1 / top-5 = the right road and number first / among the 5 answers. ' +
      "Anchor = `order by road||number||'号' <-> q limit 5` on a GiST trigram index. target: p99 < 20 ms.",
  );
}
