/**
 * bench:analytics part `evaluation`: the 综合评价 tables of server/evaluation over the fixture's two years — summary,
 * departments, regions by grid, collectors, posts — each read as the API reads it (evaluationRead), against a
 * hand-written GROUP BY anchor: the simplest SQL that counts the table's headline figures (reported, filed, closed …
 * from case_record as the cases stand; the posts' 立案/派遣/结案 from case_event), checked to agree row by row.
 * (Folds in scripts/evaluation-timing.ts.)
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../server/db/index.js';
import type { DB } from '../../server/db/schema.js';
import { parsePeriod } from '../../server/evaluation/period.js';
import { collectorCounts, postCounts } from '../../server/evaluation/queries-people.js';
import {
  departmentCounts,
  DEPARTMENT_STATES,
  DISPOSED_STATES,
  evaluationRead,
  FILED_STATES,
  regionCounts,
  summaryCounts,
  type Where,
} from '../../server/evaluation/queries.js';
import { f2, printTable } from './harness.js';
import { timed, timingCells, TIMING_HEAD, type Timing } from './analytics-measure.js';

export interface EvaluationOptions {
  database: Database;
  dbName: string;
  runs: number;
  from: string;
  to: string;
  log: (msg: string) => void;
}

type Row = Record<string, unknown>;

interface Table {
  name: string;
  /** The table as the API reads it, as rows keyed like the anchor's. */
  ours: (d: Kysely<DB>) => Promise<Row[]>;
  history?: boolean;
  anchor: (d: Kysely<DB>, w: Where) => Promise<Row[]>;
  key: string;
  /** Figures compared; rows of ours without any (all zero) may be missing from the anchor (every live grid). */
  figures: string[];
}

const FILED = sql.raw(`array[${FILED_STATES.map((s) => `'${s}'`).join(', ')}]`);
const DISPOSED = sql.raw(`array[${DISPOSED_STATES.map((s) => `'${s}'`).join(', ')}]`);
const WITH_DEPARTMENT = sql.raw(`array[${DEPARTMENT_STATES.map((s) => `'${s}'`).join(', ')}]`);
const period = (w: Where, alias = '') => {
  const c = sql.raw(alias);
  return sql`${c}reported_at >= ${w.period.from} and ${c}reported_at < ${w.period.to}`;
};
const rows = async (q: ReturnType<typeof sql<Row>>, d: Kysely<DB>) => (await q.execute(d)).rows;

function tables(w: Where): Table[] {
  return [
    {
      name: 'summary',
      ours: async (d) => [{ k: '', ...(await summaryCounts(d, w)) }],
      anchor: (d) =>
        rows(
          sql<Row>`select '' as k, count(*)::int as reported,
            count(*) filter (where state = any(${FILED}))::int as filed,
            count(*) filter (where state = 'voided')::int as voided,
            count(*) filter (where state = any(${DISPOSED}))::int as disposed,
            count(*) filter (where state = 'closed')::int as closed
          from case_record where ${period(w)}`,
          d,
        ),
      key: 'k',
      figures: ['reported', 'filed', 'voided', 'disposed', 'closed'],
    },
    {
      name: 'departments',
      ours: (d) => departmentCounts(d, w) as unknown as Promise<Row[]>,
      anchor: (d) =>
        rows(
          sql<Row>`select department_code, count(*)::int as to_dispose,
            count(*) filter (where state = any(${DISPOSED}))::int as disposed,
            count(*) filter (where state = 'closed')::int as closed
          from case_record where ${period(w)} and state = any(${WITH_DEPARTMENT}) and department_code is not null
          group by department_code`,
          d,
        ),
      key: 'department_code',
      figures: ['to_dispose', 'disposed', 'closed'],
    },
    {
      name: 'regions, level=grid',
      ours: (d) => regionCounts(d, w, 'grid', ['hotline_12345']) as unknown as Promise<Row[]>,
      anchor: (d) =>
        rows(
          sql<Row>`select grid_code as code, count(*)::int as reported,
            count(*) filter (where state = any(${FILED}))::int as filed,
            count(*) filter (where state = 'closed')::int as closed
          from case_record where ${period(w)} and grid_code is not null group by grid_code`,
          d,
        ),
      key: 'code',
      figures: ['reported', 'filed', 'closed'],
    },
    {
      name: 'collectors',
      history: true,
      ours: (d) => collectorCounts(d, w) as unknown as Promise<Row[]>,
      anchor: (d) =>
        rows(
          sql<Row>`select collector_code, count(*)::int as reported,
            count(*) filter (where state = any(${FILED}))::int as valid_reported
          from case_record where ${period(w)} and channel = 'collector' and collector_code is not null
          group by collector_code`,
          d,
        ),
      key: 'collector_code',
      figures: ['reported', 'valid_reported'],
    },
    {
      name: 'posts',
      history: true,
      ours: (d) => postCounts(d, w) as unknown as Promise<Row[]>,
      anchor: (d) =>
        rows(
          sql<Row>`select e.actor_name, count(*) filter (where e.action = 'file')::int as filed,
            count(*) filter (where e.action = 'dispatch')::int as dispatched,
            count(*) filter (where e.action = 'close')::int as closed
          from case_event e join case_record c on c.id = e.case_id
          where ${period(w, 'c.')} and e.action in ('file', 'dispatch', 'close')
          group by e.actor_name`,
          d,
        ),
      key: 'actor_name',
      figures: ['filed', 'dispatched', 'closed'],
    },
  ];
}

/** Whether the figures agree row by row: "yes", or what differs first. */
function agree(t: Table, ours: Row[], anchor: Row[]): string {
  const mine = new Map(ours.map((r) => [String(r[t.key]), r]));
  for (const a of anchor) {
    const o = mine.get(String(a[t.key]));
    if (!o) return `no row ${a[t.key]}`;
    for (const f of t.figures)
      if (Number(o[f]) !== Number(a[f])) return `${a[t.key]}.${f}: ${String(o[f])} vs ${String(a[f])}`;
  }
  const extra = ours.filter((o) => t.figures.some((f) => Number(o[f]) !== 0)).length - anchor.length;
  return extra ? `${extra} more rows with figures` : 'yes';
}

export async function benchEvaluation(o: EvaluationOptions): Promise<void> {
  const w: Where = { period: parsePeriod(o.from, o.to), scope: '' };
  const out: string[][] = [];
  const headline: string[] = [];
  for (const t of tables(w)) {
    o.log(`evaluation: ${t.name}`);
    const read = () => evaluationRead(o.database, t.ours, { history: t.history });
    await read(); // warm-up: the first read of the cases' pages
    const ours = await timed(o.dbName, o.runs, read);
    const anchorRead = () => evaluationRead(o.database, (d) => t.anchor(d, w));
    await anchorRead();
    const anchor = await timed(o.dbName, o.runs, anchorRead);
    const a: Timing = anchor.t;
    out.push([
      t.name,
      ours.last.length.toLocaleString('en-US'),
      ...timingCells(ours.t),
      a.wall >= 1000 ? `${f2(a.wall / 1000)} s` : `${a.wall.toFixed(0)} ms`,
      `${f2(ours.t.wall / a.wall)}×`,
      t.figures.join(', '),
      agree(t, ours.last, anchor.last),
    ]);
    if (t.name === 'summary')
      headline.push(...t.figures.map((f) => `${f} ${Number(ours.last[0][f]).toLocaleString('en-US')}`));
  }
  console.log(`\n### Evaluation (综合评价), ${o.from} – ${o.to}\n`);
  printTable(['table', 'rows', ...TIMING_HEAD, 'GROUP BY anchor', 'ours/anchor', 'figures compared', 'agree'], out);
  console.log(`\nSummary: ${headline.join(', ')}.`);
}
