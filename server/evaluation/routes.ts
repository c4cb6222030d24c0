/**
 * Evaluation (综合评价, GB/T 30428.4): GET /api/evaluation/{summary,departments,collectors,regions,posts}?from&to
 * [&format=csv|xlsx], and GET /api/evaluation/columns (every table's columns, for the 综合评价 page). Readers: the readEvaluation permission; every figure comes from the cases reported in the period
 * inside the reader's region scope. Pipelines: period → counts (queries*.ts) → rows (tables.ts) → who sees whom →
 * JSON, CSV or XLSX (export.ts).
 */
import { PassThrough, Readable } from 'node:stream';
import type Koa from 'koa';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import type { Api } from '../http/api.js';
import { canSeeCollectorName, scopePrefix } from '../auth/policy.js';
import type { User } from '../auth/tokens.js';
import { attachment, encoded } from '../components/export-routes.js';
import type { EvaluationConfig } from './config.js';
import {
  ACCEPTOR_COLUMNS,
  COLLECTOR_COLUMNS,
  DEPARTMENT_COLUMNS,
  DISPATCHER_COLUMNS,
  SHIFT_LEADER_COLUMNS,
  SUMMARY_COLUMNS,
  evaluationColumns,
  regionColumns,
} from './columns.js';
import { csvTables, writeWorkbook, type Table } from './export.js';
import { loadEvaluationConfig } from './load.js';
import { parsePeriod, type Period } from './period.js';
import { collectorCounts, postCounts } from './queries-people.js';
import { departmentCounts, evaluationRead, regionCounts, summaryCounts, type Where } from './queries.js';
import {
  COLLECTORS_RESPONSE,
  COLUMNS_RESPONSE,
  DEPARTMENTS_RESPONSE,
  PERIOD_QUERY,
  POSTS_RESPONSE,
  REGIONS_RESPONSE,
  REGION_QUERY,
  SUMMARY_RESPONSE,
} from './schema.js';
import { collectorRow, departmentRow, posts, regionRow, summary } from './tables.js';

const tag = 'evaluation';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ERRORS = { 400: 'a date that does not exist, `to` not after `from`, an unknown format or level' };

interface FormatQuery {
  from: string;
  to: string;
  format: 'json' | 'csv' | 'xlsx';
  encoding: 'utf-8' | 'gbk';
}

const where = (period: Period, user: User): Where => ({ period, scope: scopePrefix(user) });

/** Answers `body` as JSON, or `tables` as a CSV or XLSX download named after the table and the period. */
function answer(ctx: Koa.Context, q: FormatQuery, name: string, body: unknown, tables: () => Table[]): void {
  if (q.format === 'json') {
    ctx.body = body;
    return;
  }
  const file = `wangge-evaluation-${name}-${q.from}_${q.to}`;
  if (q.format === 'csv') {
    attachment(ctx, `text/csv; charset=${q.encoding}`, `${file}.csv`);
    ctx.body = Readable.from(encoded(single(csvTables(tables())), q.encoding));
    return;
  }
  attachment(ctx, XLSX, `${file}.xlsx`);
  const out = new PassThrough();
  writeWorkbook(tables(), out).catch((e: unknown) => out.destroy(e as Error));
  ctx.body = out;
}

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}

export function evaluationRoutes(api: Api, database: Database, config: Config): void {
  const cfg: EvaluationConfig = loadEvaluationConfig(config.evaluationConfig);
  const scopeNote = 'Figures come only from the cases reported in the period inside your region scope.';

  api.route(
    {
      method: 'get',
      path: '/api/evaluation/columns',
      tag,
      summary: 'The columns of every evaluation table: field, Chinese header (as the downloads head them) and kind',
      description:
        'The 综合评价 page draws its tables from this list; the CSV and XLSX downloads use the same headers. Region ' +
        'tables per level; `band_days`: the banding period of counts and densities (configuration).',
      permission: 'readEvaluation',
      response: COLUMNS_RESPONSE,
    },
    (ctx) => {
      ctx.body = evaluationColumns(cfg.band_days);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/evaluation/summary',
      tag,
      summary: 'The period’s case figures and rates (上报数 … 按期结案率)',
      description:
        'Cases reported in [from, to) (China Standard Time), counted as they stand now. 应处置数 = 应结案数 = 立案数; ' +
        'a case is disposed (closed) on time when it stands disposed (closed) and its last 处置反馈 came no later than the ' +
        `disposal deadline then in force. ${scopeNote}`,
      query: PERIOD_QUERY,
      permission: 'readEvaluation',
      response: SUMMARY_RESPONSE,
      errors: ERRORS,
    },
    async (ctx, { query, user }) => {
      const s = summary(
        await evaluationRead(database, (db) => summaryCounts(db, where(parsePeriod(query.from, query.to), user))),
      );
      answer(ctx, query, 'summary', s, () => [{ title: '综合评价', columns: SUMMARY_COLUMNS, rows: [s] }]);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/evaluation/departments',
      tag,
      summary: '专业部门评价: per department the case was last dispatched to',
      description:
        'Cases with a department now (dispatched, parked, disposed, checked, closed); a case sent back (回退) and ' +
        `not dispatched again is with the centre. Score weights: README “Evaluation (综合评价)”. ${scopeNote}`,
      query: PERIOD_QUERY,
      permission: 'readEvaluation',
      response: DEPARTMENTS_RESPONSE,
      errors: ERRORS,
    },
    async (ctx, { query, user }) => {
      const w = where(parsePeriod(query.from, query.to), user);
      const rows = (await evaluationRead(database, (db) => departmentCounts(db, w))).map((c) => departmentRow(c, cfg));
      answer(ctx, query, 'departments', { rows }, () => [{ title: '专业部门评价', columns: DEPARTMENT_COLUMNS, rows }]);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/evaluation/collectors',
      tag,
      summary: '监督员评价: reports, valid reports, on-time 核实 and 核查 per collector',
      description: `Collectors’ names only for readers who may see them (README “Who sees whom”). ${scopeNote}`,
      query: PERIOD_QUERY,
      permission: 'readEvaluation',
      response: COLLECTORS_RESPONSE,
      errors: ERRORS,
    },
    async (ctx, { query, user }) => {
      const names = canSeeCollectorName(user);
      const w = where(parsePeriod(query.from, query.to), user);
      const rows = (await evaluationRead(database, (db) => collectorCounts(db, w), { history: true })).map((c) =>
        collectorRow({ ...c, collector_name: names ? c.collector_name : null }, cfg),
      );
      answer(ctx, query, 'collectors', { rows }, () => [{ title: '监督员评价', columns: COLLECTOR_COLUMNS, rows }]);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/evaluation/regions',
      tag,
      summary: '区域评价: per street, community or unit grid (监督举报率, 立案数, 结案率, 按期结案率)',
      description:
        'Every live region of the level inside your scope (cases or not), and retired ones that cases of the period ' +
        `still name; a case counts for the codes stored on it. ${scopeNote}`,
      query: REGION_QUERY,
      permission: 'readEvaluation',
      response: REGIONS_RESPONSE,
      errors: ERRORS,
    },
    async (ctx, { query, user }) => {
      const period = parsePeriod(query.from, query.to);
      const counts = await evaluationRead(database, (db) =>
        regionCounts(db, where(period, user), query.level, cfg.region.public_channels),
      );
      const rows = counts.map((c) => regionRow(c, period.days, cfg));
      answer(ctx, query, `regions-${query.level}`, { level: query.level, rows }, () => [
        { title: '区域评价', columns: regionColumns(query.level, cfg.band_days), rows },
      ]);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/evaluation/posts',
      tag,
      summary: '岗位评价: 受理员, 值班长 and 派遣员 from the actors of the case history',
      description:
        'CSV: the three tables one after another, each under its title line; XLSX: one sheet each. Staff names only ' +
        `for readers who may see them. ${scopeNote}`,
      query: PERIOD_QUERY,
      permission: 'readEvaluation',
      response: POSTS_RESPONSE,
      errors: ERRORS,
    },
    async (ctx, { query, user }) => {
      const period = parsePeriod(query.from, query.to);
      const names = canSeeCollectorName(user);
      const counts = (
        await evaluationRead(database, (db) => postCounts(db, where(period, user)), { history: true })
      ).map((p) => ({
        ...p,
        actor_name: names ? p.actor_name : null,
      }));
      const p = posts(counts, period.days, cfg);
      answer(ctx, query, 'posts', p, () => [
        { title: '受理员', columns: ACCEPTOR_COLUMNS, rows: p.acceptors },
        { title: '值班长', columns: SHIFT_LEADER_COLUMNS, rows: p.shift_leaders },
        { title: '派遣员', columns: DISPATCHER_COLUMNS, rows: p.dispatchers },
      ]);
    },
  );
}
