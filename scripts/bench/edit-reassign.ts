/**
 * bench:edit, part "reassign" (issue 9 §4): what-if and re-assignment after publishing a real draft that changes N
 * unit grids, against hand-written PostGIS spatial joins of the cases to their lowest-code covering grid.
 *
 * 1. --cases open cases at random points of the city (set-based, a benchmark fixture), placed once by
 *    reassignOpenCases() (untimed) so that they start as intake leaves them: placed with the current library.
 * 2. draftGrids(): a gis_editor creates a draft (createDraft) and edits it one step at a time with draftEdit(), the
 *    code the API runs — N/2 grids split in two by a north–south line through their centre, N/2 merged in pairs of
 *    adjacent grids of one community (targets picked by SQL in a seeded order, splits and merges alternating). An
 *    edit refused with a 422 is skipped and another target taken; refusals are counted by problem kind. The time of
 *    every edit is kept, to show whether editing slows down as the draft grows.
 * 3. whatIf() on the draft (timed), publish() (timed), then reassignOpenCases({ actor, changes: [change_id] }) as
 *    the publish route calls it (timed, with its steps).
 * 4. Anchors: (a) the open cases inside the area the change touched (changedArea(), worked out untimed) joined to
 *    their lowest covering live grid, one statement; (b) the same join over every open case; both with JIT off as
 *    re-assignment runs (with JIT, compiling is most of anchor (a)'s time). Checks: every open case's grid equals
 *    anchor (b)'s, and the cases re-assignment marked with the new library version are exactly anchor (a)'s.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { reassignOpenCases, type ReassignResult } from '../../server/assign/reassign.js';
import { changedArea } from '../../server/assign/reassign-compute.js';
import { createUser, type User } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import type { DB } from '../../server/db/schema.js';
import { createDraft, draftEdit, publish } from '../../server/gridedit/drafts.js';
import type { EditOp } from '../../server/gridedit/edit.js';
import type { PublishResult } from '../../server/gridedit/publish.js';
import { whatIf, type WhatIf } from '../../server/gridedit/whatif.js';
import { HttpError } from '../../server/http/problem.js';
import { f1, printTable, secs } from './harness.js';

/** One draftEdit() call that was kept. */
export interface EditTiming {
  op: 'split' | 'merge';
  ms: number;
}

export interface DraftChange {
  draft: number;
  /** Grids split, grids merged away or kept (pairs × 2). */
  split: number;
  merged: number;
  edits: EditTiming[];
  /** Refused edits (422) by problem kind, with one detail each. */
  refused: Map<string, { n: number; example: string }>;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
const fmt = (n: number) => n.toLocaleString('en-US');

/** The kind of a refusal: the problems' kinds (gap, overlap, outside, invalid polygon) or the refusal's reason. */
function refusalKind(e: HttpError): string {
  const problems = (e.extra.problems as { problem: string }[] | undefined) ?? [];
  if (problems.length) return [...new Set(problems.map((p) => p.problem.split(':')[0]))].sort().join(' + ');
  const kinds: [RegExp, string][] = [
    [/does not cut/, 'line does not cut the grid in two'],
    [/share no edge/, 'grids not adjacent'],
    [/cannot be processed/, 'geometry error (GEOS)'],
    [/no free unit-grid serials/, 'no free serials'],
    [/^no unit grid/, 'no such grid'],
    [/different communities/, 'different communities'],
  ];
  return kinds.find(([re]) => re.test(e.detail))?.[1] ?? e.detail.slice(0, 60);
}

/** Live grids in a seeded order, handed out as split targets and as adjacent pairs of one community. */
class Targets {
  private order: string[] = [];
  private taken = new Set<string>();
  private nextSplit = 0;
  private nextPairScan = 0;
  private pairs: [string, string][] = [];

  constructor(
    private db: Kysely<DB>,
    private seed: number,
  ) {}

  async load() {
    this.order = (
      await sql<{ code: string }>`select code from unit_grid where termination_date is null
        order by md5(code || ${String(this.seed)})`.execute(this.db)
    ).rows.map((r) => r.code.trim());
    // Pairs are looked for from the middle of the order, splits taken from its start.
    this.nextPairScan = Math.floor(this.order.length / 2);
  }

  /** A grid to split: code and a north–south line through its centre, from outside to outside its box. */
  async split(): Promise<{ code: string; line: unknown } | undefined> {
    while (this.nextSplit < this.order.length) {
      const code = this.order[this.nextSplit++];
      if (this.taken.has(code)) continue;
      this.taken.add(code);
      const g = (
        await sql<{ cx: number; ymin: number; ymax: number }>`
          select ST_X(ST_Centroid(geom)) as cx, ST_YMin(geom) as ymin, ST_YMax(geom) as ymax
          from unit_grid where code = ${code} and termination_date is null`.execute(this.db)
      ).rows[0];
      if (!g) continue;
      return {
        code,
        line: {
          type: 'LineString',
          coordinates: [
            [g.cx, g.ymin - 0.0001],
            [g.cx, g.ymax + 0.0001],
          ],
        },
      };
    }
    return undefined;
  }

  /** Two adjacent live grids of one community (lower code first), neither handed out before. */
  async pair(): Promise<[string, string] | undefined> {
    while (!this.pairs.length && this.nextPairScan < this.order.length) {
      const batch = this.order.slice(this.nextPairScan, this.nextPairScan + 200).filter((c) => !this.taken.has(c));
      this.nextPairScan += 200;
      const found = await sql<{ a: string; b: string }>`
        select g.code as a, x.code as b from unit_grid g
        cross join lateral (
          select n.code from unit_grid n
          where n.termination_date is null and n.community_code = g.community_code and n.code <> g.code
            and n.geom && g.geom and ST_Length(ST_Intersection(ST_Boundary(n.geom), ST_Boundary(g.geom))) > 0
          order by n.code limit 1) x
        where g.termination_date is null and g.code = any(${batch}::text[])`.execute(this.db);
      for (const { a, b } of found.rows.map((r) => ({ a: r.a.trim(), b: r.b.trim() }))) {
        if (this.taken.has(a) || this.taken.has(b)) continue;
        this.taken.add(a).add(b);
        this.pairs.push(a < b ? [a, b] : [b, a]);
      }
    }
    return this.pairs.shift();
  }
}

/**
 * Edits a new draft until `n` grids changed (n/2 split, n/2 merged in pairs; alternating), skipping refused targets.
 * Logs every 100 kept edits with the time per edit.
 */
export async function draftGrids(
  db: Kysely<DB>,
  editor: User,
  n: number,
  log: (m: string) => void,
  seed = 20261203,
): Promise<DraftChange> {
  const draft = (await createDraft(db, editor, `bench:edit ${n} grids`)).id;
  const targets = new Targets(db, seed);
  await targets.load();
  const nSplit = Math.floor(n / 2);
  const nPairs = Math.floor((n - nSplit) / 2);
  const out: DraftChange = { draft, split: 0, merged: 0, edits: [], refused: new Map() };
  let pairs = 0;
  let block = performance.now();
  while (out.split < nSplit || pairs < nPairs) {
    const doSplit = out.split < nSplit && (pairs >= nPairs || out.split <= pairs * 2);
    let e: EditOp;
    if (doSplit) {
      const t = await targets.split();
      if (!t) throw new Error(`no grid left to split after ${out.split}`);
      e = { op: 'split', code: t.code, line: t.line };
    } else {
      const p = await targets.pair();
      if (!p) throw new Error(`no adjacent pair left to merge after ${pairs}`);
      e = { op: 'merge', code: p[0], with: [p[1]] };
    }
    const t0 = performance.now();
    try {
      await draftEdit(db, editor, draft, e, undefined);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 422) throw err;
      const kind = refusalKind(err);
      const r = out.refused.get(kind) ?? { n: 0, example: `${e.op} ${e.code}: ${err.detail}` };
      r.n++;
      out.refused.set(kind, r);
      continue;
    }
    out.edits.push({ op: e.op as EditTiming['op'], ms: performance.now() - t0 });
    if (e.op === 'split') out.split++;
    else pairs++;
    if (out.edits.length % 100 === 0) {
      const last = out.edits.slice(-100);
      const by = (op: string) => last.filter((x) => x.op === op).map((x) => x.ms);
      const features = (
        await sql<{ n: number }>`select count(*)::int as n from grid_draft_feature where draft_id = ${draft}`.execute(
          db,
        )
      ).rows[0].n;
      log(
        `${out.edits.length} edits (${out.split} splits, ${pairs} merges; ${[...out.refused.values()].reduce((a, r) => a + r.n, 0)} refused), ` +
          `draft has ${features} feature rows; last 100: ${secs(performance.now() - block)} s, ` +
          `split p50 ${f1(median(by('split')))} ms mean ${f1(mean(by('split')))}, ` +
          `merge p50 ${f1(median(by('merge')))} ms mean ${f1(mean(by('merge')))}`,
      );
      block = performance.now();
    }
  }
  out.merged = pairs * 2;
  return out;
}

export interface ReassignPart {
  cases: number;
  change: DraftChange;
  whatIf: WhatIf;
  whatIfMs: number;
  published: PublishResult;
  publishMs: number;
  reassignMs: number;
  result: ReassignResult;
  steps: Record<string, number>;
  /** Anchor (a): cases inside the changed area, and its time; anchor (b): every open case. */
  anchorA: { cases: number; ms: number };
  anchorB: { cases: number; ms: number };
  /** Open cases whose grid differs from anchor (b)'s lowest covering grid (must be 0). */
  differ: number;
  /** Cases marked with the new version that anchor (a) does not hold, and anchor (a)'s cases not marked (both 0). */
  notInArea: number;
  missed: number;
}

/** The cases of the bench: `n` open cases at random points of random live grids, closing any others. */
async function insertCases(database: Database, n: number): Promise<void> {
  await database.exec(`
    select setseed(0.20261203);
    drop table if exists bench_edit_box;
    create temp table bench_edit_box as
      select row_number() over (order by code)::int as k, ST_XMin(geom) as x0, ST_YMin(geom) as y0,
             ST_XMax(geom) as x1, ST_YMax(geom) as y1
      from unit_grid where termination_date is null;
    update case_record set state = 'closed', closed_at = now() where closed_at is null;
    insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
        input_crs, input_lon, input_lat, reported_at, state, area_class, assignment, assignment_version, updated_at)
      select 2000000000 + n, 'BENCH-EDIT-' || n, 'collector', 'matter', cat, 'bench', x, y,
             ST_SetSRID(ST_MakePoint(x, y), 4326), 'wgs84', x, y, now(), st, 'C', '{}'::jsonb, 0, now()
      from (select s.n, b.x0 + s.rx * (b.x1 - b.x0) as x, b.y0 + s.ry * (b.y1 - b.y0) as y,
                   (array['06010','09006','07001','09009','06036','09005','06012','06017'])[1 + floor(s.rc * 8)::int] as cat,
                   (array['reported','reported','filed','dispatched','dispatched','dispatched','disposed'])[1 + floor(s.rs * 7)::int] as st
            from (select n, 1 + floor(random() * (select count(*) from bench_edit_box))::int as k,
                         random() as rx, random() as ry, random() as rc, random() as rs
                  from generate_series(1, ${n}) n) s
            join bench_edit_box b on b.k = s.k) q;
    drop table bench_edit_box;`);
}

/**
 * The hand-written join: open cases (optionally only those inside `area`) and their lowest covering live grid, with
 * the settings re-assignment runs under (no JIT: compiling costs a small join more than it saves; work_mem 64MB).
 */
async function anchor(db: Kysely<DB>, table: string, area?: string[]): Promise<{ cases: number; ms: number }> {
  await sql`drop table if exists ${sql.table(table)}`.execute(db);
  const t0 = performance.now();
  await db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    await sql`set local work_mem = '64MB'`.execute(trx);
    await sql`create table ${sql.table(table)} as
      select distinct on (c.id) c.id, g.code from case_record c
      join unit_grid g on g.termination_date is null and ST_Intersects(g.geom, c.geom)
      where c.closed_at is null and c.state <> 'voided'
        ${
          area
            ? sql`and c.id in (select o.id from unnest(${area}::text[]) a(hex)
                cross join lateral (select ST_GeomFromEWKB(decode(a.hex, 'hex')) as geom) x
                join case_record o on o.geom && x.geom and ST_Intersects(x.geom, o.geom))`
            : sql``
        }
      order by c.id, g.code`.execute(trx);
  });
  const ms = performance.now() - t0;
  const n = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0].n;
  return { cases: Number(n), ms };
}

/** Runs the part on a loaded city with a library; prints its tables. */
export async function benchEditReassign(
  database: Database,
  opts: { cases: number; grids: number; log: (m: string) => void },
): Promise<ReassignPart> {
  const { db } = database;
  const count = async (q: RawBuilder<{ n: number }>) => Number((await q.execute(db)).rows[0].n);
  opts.log(`inserting ${opts.cases} open cases at random points (set-based), placing them (untimed)`);
  await insertCases(database, opts.cases);
  await reassignOpenCases(db, { timeoutMs: 0 });
  await sql`vacuum analyze case_record`.execute(db);

  const editor = (await createUser(db, `bench-reassign-editor-${Date.now()}`, 'gis_editor')).user;
  opts.log(`drafting a change of ${opts.grids} grids through draftEdit()`);
  const change = await draftGrids(db, editor, opts.grids, opts.log);

  opts.log('whatIf()');
  let t0 = performance.now();
  const wi = await whatIf(db, editor, change.draft);
  const whatIfMs = performance.now() - t0;
  opts.log(`whatIf ${secs(whatIfMs)} s (${wi.cases_examined} cases examined); publish()`);
  t0 = performance.now();
  const published = await publish(db, editor, change.draft, undefined);
  const publishMs = performance.now() - t0;

  opts.log(`publish ${secs(publishMs)} s (change ${published.change_id}); anchors`);
  const area = await changedArea(db, [published.change_id]);
  const anchorA = await anchor(db, 'bench_edit_anchor_a', area);
  const anchorB = await anchor(db, 'bench_edit_anchor_b');
  opts.log(`anchor a ${secs(anchorA.ms)} s, anchor b ${secs(anchorB.ms)} s; reassignOpenCases({ changes })`);
  const steps: Record<string, number> = {};
  t0 = performance.now();
  const result = await reassignOpenCases(db, {
    actor: editor,
    changes: [published.change_id],
    onStep: (s, ms) => {
      steps[s] = (steps[s] ?? 0) + ms;
    },
  });
  const reassignMs = performance.now() - t0;

  const differ = await count(sql<{ n: number }>`select count(*)::int as n from case_record c
    left join bench_edit_anchor_b a on a.id = c.id
    where c.closed_at is null and c.state <> 'voided' and c.grid_code is distinct from a.code`);
  const notInArea = await count(sql<{ n: number }>`select count(*)::int as n from case_record c
    where c.closed_at is null and c.assignment_version = ${result.version}
      and c.id not in (select id from bench_edit_anchor_a)`);
  const missed = await count(sql<{ n: number }>`select count(*)::int as n from bench_edit_anchor_a a
    join case_record c on c.id = a.id where c.assignment_version <> ${result.version}`);
  await sql`drop table bench_edit_anchor_a`.execute(db);
  await sql`drop table bench_edit_anchor_b`.execute(db);

  const s2 = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
  const ratio = (ms: number, a: { ms: number }) => `${(ms / a.ms).toFixed(ms < a.ms ? 2 : 1)}×`;
  const rate = (n: number, ms: number) => fmt(Math.round(n / (ms / 1000)));
  const n = result.examined;
  printTable(
    ['after publishing a draft of grid changes', 'open cases', 'seconds', 'rows/s', 'vs anchor a', 'vs anchor b'],
    [
      [
        '(a) hand-written join: open cases inside the changed area, lowest covering grid',
        fmt(anchorA.cases),
        s2(anchorA.ms),
        rate(anchorA.cases, anchorA.ms),
        '1×',
        ratio(anchorA.ms, anchorB),
      ],
      [
        '(b) hand-written join: every open case, lowest covering grid',
        fmt(anchorB.cases),
        s2(anchorB.ms),
        rate(anchorB.cases, anchorB.ms),
        ratio(anchorB.ms, anchorA),
        '1×',
      ],
      [
        '`whatIf()` (publish rolled back, `assign()` per case)',
        fmt(wi.cases_examined),
        s2(whatIfMs),
        rate(wi.cases_examined, whatIfMs),
        ratio(whatIfMs, anchorA),
        ratio(whatIfMs, anchorB),
      ],
      [
        `\`publish()\` (${fmt(change.edits.length)} steps)`,
        '–',
        s2(publishMs),
        '–',
        ratio(publishMs, anchorA),
        ratio(publishMs, anchorB),
      ],
      [
        '`reassignOpenCases({ changes })` (grid, area class, collector area, rules, fallback, write-back, events)',
        fmt(n),
        s2(reassignMs),
        rate(n, reassignMs),
        ratio(reassignMs, anchorA),
        ratio(reassignMs, anchorB),
      ],
    ],
  );
  const refused = [...change.refused.entries()].sort((a, b) => b[1].n - a[1].n);
  const nRefused = refused.reduce((a, [, r]) => a + r.n, 0);
  console.log(
    `\ndraft: ${change.split} grids split in two, ${change.merged} merged in pairs, in ${fmt(change.edits.length)} ` +
      `draftEdit() calls; refused ${nRefused}${refused.length ? ` (${refused.map(([k, r]) => `${k}: ${r.n}`).join('; ')})` : ''}. ` +
      `whatIf: ${fmt(wi.cases_examined)} cases examined, would move grid ${wi.counts.grid}, collector area ` +
      `${wi.counts.collector_area}, department ${wi.counts.department} (proposed ${wi.counts.department_proposed}), ` +
      `references ${wi.counts.references}. publish: ${published.retired.length} codes ended, ${published.created.length} ` +
      `new, ${published.changed.length} with a new version, ${published.references.length} references followed. ` +
      `reassign: ${fmt(n)} examined, ${fmt(result.changed)} changed (department moved on ${result.department_changed}, ` +
      `proposed for ${result.proposed}); steps (ms): ${Object.entries(steps)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}. Checks: open cases whose grid differs from anchor (b): ${differ}; marked but outside ` +
      `anchor (a): ${notInArea}; in anchor (a) but not marked: ${missed}.`,
  );
  for (const [k, r] of refused) console.log(`- refused (${k}), e.g. ${r.example}`);
  printGrowth(change.edits);
  return {
    cases: opts.cases,
    change,
    whatIf: wi,
    whatIfMs,
    published,
    publishMs,
    reassignMs,
    result,
    steps,
    anchorA,
    anchorB,
    differ,
    notInArea,
    missed,
  };
}

/** draftEdit() time by blocks of 100 kept edits: does editing slow down as the draft grows? */
function printGrowth(edits: EditTiming[]): void {
  const rows: string[][] = [];
  for (let i = 0; i < edits.length; i += 100) {
    const block = edits.slice(i, i + 100);
    const by = (op: string) => block.filter((x) => x.op === op).map((x) => x.ms);
    rows.push([
      `${i + 1}–${i + block.length}`,
      `${f1(median(by('split')))} / ${f1(mean(by('split')))}`,
      `${f1(median(by('merge')))} / ${f1(mean(by('merge')))}`,
    ]);
  }
  console.log();
  printTable(['`draftEdit()` calls (kept)', 'split p50 / mean ms', 'merge p50 / mean ms'], rows);
}
