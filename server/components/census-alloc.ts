/**
 * Codes for the code-less rows of a census import, set-based (no row leaves the database): a code-less row gets the
 * next serial of its district and class after those stored and those given earlier in the file, never one given
 * anywhere in the file, and after the serials given to code-less rows before it.
 *
 * Per district + class with h0 the highest stored serial, G the serials the file gives, and the code-less rows c
 * numbered j = 1, 2, … in file order, the rule is serial(c) = next free (∉ G) above max(serial(c−1), b(c)), where
 * b(c) is the highest of h0 and the serials given before c. Counting free serials instead of serials makes it a
 * running maximum: with rank(v) = the free serials in (h0, v], r(c) = max over c' ≤ c of (rank(b(c')) + 1 − j(c')) + j(c)
 * is the rank of serial(c), and serial(c) = h0 + r(c) + (the serials of G above h0 whose rank is below r(c)). When
 * the file gives no serial above h0 for a district and class (every census file seen so far) that is h0 + j.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ComponentCatalog } from './codes.js';
import { stageTables, type CensusStage } from './census-stage.js';
import { highestSerials } from './queries.js';

const MAX_SERIAL = 999_999;

/** The highest stored serial (components and their history) per district + 5-digit class: 16-digit codes reserve
 * theirs under their 5-digit class. */
export async function storedHighest(db: Kysely<DB>, catalog: ComponentCatalog): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of await highestSerials(db)) {
    const cls = s.seg.length === 5 ? s.seg : catalog.fromLegacy(s.seg);
    if (!cls) continue;
    const key = s.district + cls;
    out.set(key, Math.max(out.get(key) ?? 0, s.serial));
  }
  return out;
}

/**
 * Codes given as the file was read (a first census written straight into `component`, census-regions.ts) follow
 * the rule where the file gives no serial above h0 for the district and class: where it does they are taken back
 * (serial null: allocateCodes gives them, replaceEarlyCodes writes them). Serials past 999999 are problems. Returns
 * how many codes stand, and the districts + classes taken back.
 */
export async function checkEarlyCodes(
  stage: CensusStage,
  db: Kysely<DB>,
  highest: ReadonlyMap<string, number>,
  given: ReadonlyMap<string, number>,
  limit: number,
  exhausted: Allocation['exhausted'],
): Promise<{ coded: number; redo: string[] }> {
  const t = stageTables(stage);
  const counts = (await sql<{ d: string; c: string; n: number }>`select d, c, n from ${t.counts}`.execute(db)).rows;
  const h0 = (k: { d: string; c: string }) => highest.get(k.d + k.c) ?? 0;
  const redo = counts.filter((k) => (given.get(k.d + k.c) ?? 0) > h0(k)).map((k) => k.d + k.c);
  if (redo.length)
    await sql`update ${t.narrow} set serial = null
      where code is null and serial is not null and district_code || cls = any(${redo}::text[])`.execute(db);
  let over = 0;
  if (counts.some((k) => !redo.includes(k.d + k.c) && h0(k) + k.n > MAX_SERIAL)) {
    const r = await sql<{ wn: number; d: string; c: string; total: number }>`
      select wn, district_code as d, cls as c, count(*) over ()::int as total from ${t.narrow}
      where serial > ${MAX_SERIAL} order by idx limit ${limit}`.execute(db);
    over = r.rows[0]?.total ?? 0;
    exhausted.total += over;
    exhausted.rows.push(...r.rows.map((o) => ({ wn: o.wn, district: o.d, cls: o.c })));
  }
  return { coded: counts.filter((k) => !redo.includes(k.d + k.c)).reduce((a, k) => a + k.n, 0) - over, redo };
}

/**
 * Writes the codes allocated after the reading over those given while reading that checkEarlyCodes took back: the
 * rows are found by where they were written (TABLE_e: the ctid of each code-less row, by the code it got), since
 * such a code may also be one the file gives.
 */
export async function replaceEarlyCodes(stage: CensusStage, db: Kysely<DB>): Promise<void> {
  const t = stageTables(stage);
  await sql`update component c set code = k.code
    from ${t.written} e join ${t.narrow} r on r.new_code = e.code and r.code is null join ${t.codes} k on k.idx = r.idx
    where c.ctid = e.at and r.serial is null`.execute(db);
}

export interface Allocation {
  coded: number;
  /** Code-less rows outside every district (their line, in file order; the first `limit`) and how many. */
  outside: { wns: number[]; total: number };
  /** Rows past serial 999999: line, district, class (the first `limit`) and how many. */
  exhausted: { rows: { wn: number; district: string; cls: string }[]; total: number };
}

/**
 * `given`: the highest serial the file gives per district + 5-digit class (the reading pass keeps it: a few entries
 * per district). Codes go into TABLE_k.
 */
export async function allocateCodes(
  stage: CensusStage,
  catalog: ComponentCatalog,
  legacy: [string, string][],
  given: ReadonlyMap<string, number>,
  limit: number,
  /** The highest stored serials, when the rows are stored already (a first census written as it was read). */
  highest?: ReadonlyMap<string, number>,
): Promise<Allocation> {
  const t = stageTables(stage);
  const db = stage.db;
  // Code-less rows without a code: none given as the file was read, not matched to a stored component.
  const pending = sql`r.code is null and r.serial is null and not exists (select 1 from ${t.codes} m where m.idx = r.idx)`;
  const groups = await sql<{ d: string | null; c: string; n: number }>`
    select r.district_code as d, r.cls as c, count(*)::int as n from ${t.narrow} r where ${pending}
    group by 1, 2`.execute(db);
  const outside = { wns: [] as number[], total: 0 };
  if (groups.rows.some((g) => g.d === null)) {
    const out = await sql<{ wn: number; total: number }>`
      select r.wn, count(*) over ()::int as total from ${t.narrow} r
      where ${pending} and r.district_code is null order by r.idx limit ${limit}`.execute(db);
    outside.wns = out.rows.map((o) => o.wn);
    outside.total = out.rows[0]?.total ?? 0;
  }
  const keys = groups.rows.filter((g): g is { d: string; c: string; n: number } => g.d !== null);
  const exhausted: Allocation['exhausted'] = { rows: [], total: 0 };
  if (keys.length === 0) return { coded: 0, outside, exhausted };

  const stored = highest ?? (await storedHighest(db, catalog));
  const h0 = keys.map((k) => stored.get(k.d + k.c) ?? 0);
  /** The districts + classes (with h0) for which `which` holds, as a table k(d, c, h0). */
  const keyTable = (which: (n: number) => boolean) => {
    const i = keys.map((_, n) => n).filter(which);
    return sql`unnest(${i.map((n) => keys[n].d)}::text[], ${i.map((n) => keys[n].c)}::text[],
      ${i.map((n) => h0[n])}::int[]) as k(d, c, h0)`;
  };
  const complex = (n: number) => (given.get(keys[n].d + keys[n].c) ?? 0) > h0[n];
  const codeless = (ks: RawBuilder<unknown>) => sql`select r.idx, r.wn, k.d, k.c, k.h0 from ${t.narrow} r
    join ${ks} on k.d = r.district_code and k.c = r.cls where ${pending}`;
  let coded = 0;

  // Districts and classes the file gives no serial above h0 in (every census file seen so far): h0 + j.
  const simple = sql`select x.idx, x.wn, x.d, x.c, x.h0 + row_number() over (partition by x.d, x.c order by x.idx) as serial
    from (${codeless(keyTable((n) => !complex(n)))}) x`;
  if (keys.some((_, n) => !complex(n))) {
    if (keys.every((k, n) => complex(n) || h0[n] + k.n <= MAX_SERIAL)) {
      const r = await sql`insert into ${t.codes} (idx, code, matched)
        select idx, d || c || lpad(serial::text, 6, '0'), false from (${simple}) a`.execute(db);
      coded += Number(r.numAffectedRows ?? 0);
    } else coded += await viaTable(simple);
  }
  if (keys.some((_, n) => complex(n))) {
    const legacyTable = sql`unnest(${legacy.map((l) => l[0])}::text[], ${legacy.map((l) => l[1])}::text[]) as l(c4, c5)`;
    const ks = keyTable(complex);
    // The serials the file gives under these districts and classes.
    const given = sql`select g.idx, g.d, g.c, g.serial, k.h0 from (
        select s.idx, left(s.code, 6) as d, case when length(s.code) = 17 then substr(s.code, 7, 5) else l.c5 end as c,
          right(s.code, 6)::int as serial
        from ${t.narrow} s left join ${legacyTable} on length(s.code) = 16 and l.c4 = substr(s.code, 7, 4)
        where s.code is not null) g
      join ${ks} on k.d = g.d and k.c = g.c`;
    coded += await viaTable(sql`
      with cl as (${codeless(ks)}),
      g as (${given}),
      gd as (select d, c, serial - h0 - row_number() over (partition by d, c order by serial) as f, serial
             from (select distinct d, c, serial, h0 from g where serial > h0) u),
      ev as (select g.d, g.c, g.idx, coalesce(gd.f, 0) as f, false as codeless from g
               left join gd on gd.d = g.d and gd.c = g.c and gd.serial = g.serial
             union all select d, c, idx, null, true from cl),
      b as (select d, c, idx, codeless,
              coalesce(max(f) over (partition by d, c order by idx rows unbounded preceding), 0) as rb from ev),
      j as (select d, c, idx, rb, row_number() over (partition by d, c order by idx) as j from b where codeless),
      r as (select d, c, idx, max(rb + 1 - j) over (partition by d, c order by idx rows unbounded preceding) + j as r
            from j),
      m as (select d, c, idx, r, count(*) filter (where idx is null)
              over (partition by d, c order by w, idx nulls first rows unbounded preceding) as m
            from (select d, c, idx, r, r - 1 as w from r union all select d, c, null, null, f from gd) u)
      select m.idx, cl.wn, m.d, m.c, cl.h0 + m.r + m.m as serial from m join cl on cl.idx = m.idx`);
  }
  return { coded, outside, exhausted };

  /** Serials (idx, wn, d, c, serial) through a table: the codes up to 999999, the rows past it as problems. */
  async function viaTable(serials: RawBuilder<unknown>): Promise<number> {
    const a = sql.table(`${stage.table}_a`);
    await sql`create unlogged table ${a} as ${serials}`.execute(db);
    try {
      const ins = await sql`insert into ${t.codes} (idx, code, matched)
        select idx, d || c || lpad(serial::text, 6, '0'), false from ${a} where serial <= ${MAX_SERIAL}`.execute(db);
      const over = await sql<{ wn: number; d: string; c: string; total: number }>`
        select wn, d, c, count(*) over ()::int as total from ${a} where serial > ${MAX_SERIAL}
        order by idx limit ${limit}`.execute(db);
      exhausted.total += over.rows[0]?.total ?? 0;
      exhausted.rows.push(...over.rows.map((o) => ({ wn: o.wn, district: o.d, cls: o.c })));
      return Number(ins.numAffectedRows ?? 0);
    } finally {
      await sql`drop table if exists ${a}`.execute(db);
    }
  }
}
