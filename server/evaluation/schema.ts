/** TypeBox schemas of the evaluation routes: their query parameters (the handlers' inputs) and answers (OpenAPI). */
import Type, { type TSchema } from 'typebox';
import { Defaulted, Nullable } from '../http/types.js';
import { REGION_LEVELS } from './queries.js';

export const FORMATS = ['json', 'csv', 'xlsx'] as const;
export const ENCODINGS = ['utf-8', 'gbk'] as const;

const periodProps = {
  from: Type.String({
    format: 'date',
    description: 'the first day of the period, YYYY-MM-DD in China Standard Time (inclusive)',
  }),
  to: Type.String({
    format: 'date',
    description:
      'the day after the last day, YYYY-MM-DD in China Standard Time (exclusive): a year is 2025-01-01 to 2026-01-01',
  }),
  format: Defaulted(
    Type.Enum(FORMATS, {
      type: 'string',
      default: 'json',
      description: 'json, or csv / xlsx with the Chinese column headers of a yearly report',
    }),
  ),
  encoding: Defaulted(
    Type.Enum(ENCODINGS, {
      type: 'string',
      default: 'utf-8',
      description: 'CSV only: utf-8 (with a BOM, for Excel) or gbk',
    }),
  ),
};

export const PERIOD_QUERY = Type.Object(periodProps, { additionalProperties: false });
export const REGION_QUERY = Type.Object(
  {
    ...periodProps,
    level: Type.Enum(REGION_LEVELS, {
      type: 'string',
      description: 'street (街道), community (社区) or grid (单元网格)',
    }),
  },
  { additionalProperties: false },
);

const int = (description: string) => Type.Integer({ minimum: 0, description });
const rate = (description: string) =>
  Nullable(Type.Number({ minimum: 0, maximum: 1 }), {
    description: `${description}: a fraction 0–1, unrounded; null when its denominator is 0`,
  });
const scored = {
  score: Nullable(Type.Number(), { description: '综合指标值 0–100 (rounded to 0.01); null when no term is known' }),
  grade: Type.Union([Type.Enum(['A', 'B', 'C', 'D', 'E'], { type: 'string' }), Type.Null()], {
    description: '评价等级: A ≥ 90, B 75–<90, C 60–<75, D 40–<60, E < 40; null without a score',
  }),
};
const rows = (row: Record<string, TSchema>, description: string) =>
  Type.Object({ rows: Type.Array(Type.Object(row), { description }) });

export const SUMMARY_RESPONSE = Type.Object({
  reported: int('上报数: cases reported in the period'),
  filed: int('立案数'),
  voided: int('作废数'),
  to_dispose: int('应处置数 (= 立案数)'),
  disposed: int('处置数: standing disposed, checked or closed'),
  disposed_on_time: int('按期处置数: disposed, the last 处置反馈 no later than the disposal deadline then in force'),
  to_close: int('应结案数 (= 立案数)'),
  closed: int('结案数'),
  closed_on_time: int('按期结案数: closed and disposed on time'),
  rework: int('返工数: filed cases reworked at least once'),
  filing_rate: rate('立案率 = 立案数 / 上报数'),
  disposal_rate: rate('处置率 = 处置数 / 应处置数'),
  on_time_disposal_rate: rate('按期处置率 = 按期处置数 / 应处置数'),
  closure_rate: rate('结案率 = 结案数 / 应结案数'),
  on_time_closure_rate: rate('按期结案率 = 按期结案数 / 应结案数'),
});

export const DEPARTMENTS_RESPONSE = rows(
  {
    department_code: Type.String(),
    department_name: Nullable(Type.String()),
    to_dispose: int('应处置数: cases last dispatched to the department'),
    disposed: int('处置数'),
    disposed_on_time: int('按期处置数'),
    rework: int('返工数'),
    to_close: int('应结案数'),
    closed: int('结案数'),
    closed_on_time: int('按期结案数'),
    disposal_rate: rate('处置率'),
    on_time_disposal_rate: rate('按期处置率'),
    rework_rate: rate('返工率 = 返工数 / 应处置数'),
    closure_rate: rate('结案率'),
    on_time_closure_rate: rate('按期结案率'),
    ...scored,
  },
  'one per department with cases of the period, by code',
);

export const COLLECTORS_RESPONSE = rows(
  {
    collector_code: Type.String(),
    collector_name: Nullable(Type.String(), { description: 'null for readers who may not see collectors’ names' }),
    reported: int('上报数'),
    valid_reported: int('有效上报数 (filed)'),
    valid_report_rate: rate('有效上报率'),
    verified: int('核实数'),
    verified_on_time: int('按时核实数'),
    on_time_verify_rate: rate('按时核实率'),
    checked: int('核查数 (核查通过 and 返工)'),
    checked_on_time: int('按时核查数'),
    on_time_check_rate: rate('按时核查率'),
    ...scored,
  },
  'one per collector with a report, 核实 or 核查 in the period, by code',
);

export const REGIONS_RESPONSE = Type.Object({
  level: Type.Enum(REGION_LEVELS, { type: 'string' }),
  rows: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Nullable(Type.String()),
      live: Type.Boolean({ description: 'false: a retired region that cases of the period still name' }),
      area_km2: Nullable(Type.Number()),
      reported: int('上报数'),
      filed: int('立案数'),
      public_filed: int('监督举报核实数: filed reports from the public channels'),
      public_report_rate: rate('监督举报率 = 监督举报核实数 / 立案数'),
      to_close: int('应结案数'),
      closed: int('结案数'),
      closed_on_time: int('按期结案数'),
      closure_rate: rate('结案率'),
      on_time_closure_rate: rate('按期结案率'),
      filed_density: Nullable(Type.Number(), { description: 'filed cases per km² per band_days (30) days' }),
      filed_score: Nullable(Type.Number(), { description: '立案数分值 (banded density)' }),
      ...scored,
    }),
    { description: 'every live region of the level in the reader’s scope, and retired ones cases still name; by code' },
  ),
});

const person = {
  actor_id: Nullable(Type.Integer(), { description: 'the user id; null for an imported history without accounts' }),
  actor_name: Nullable(Type.String(), { description: 'null for readers who may not see staff names' }),
};

export const POSTS_RESPONSE = Type.Object({
  acceptors: Type.Array(
    Type.Object({
      ...person,
      accepted: int('受理数'),
      accepted_score: Type.Number({ description: '受理数分值 (banded per 30 days)' }),
      verify_dispatched: int('核实派发数'),
      verify_dispatched_on_time: int('核实按时派发数'),
      on_time_verify_dispatch_rate: rate('核实按时派发率'),
      ...scored,
    }),
    { description: '受理员' },
  ),
  shift_leaders: Type.Array(
    Type.Object({
      ...person,
      filed: int('立案数'),
      filed_on_time: int('按时立案数'),
      on_time_filing_rate: rate('按时立案率'),
      filed_voided: int('作废数 (of the cases filed)'),
      accurately_filed: int('准确立案数'),
      accurate_filing_rate: rate('准确立案率'),
      closed: int('结案数'),
      closed_on_time: int('按时结案数'),
      on_time_closing_rate: rate('按时结案率'),
      ...scored,
    }),
    { description: '值班长' },
  ),
  dispatchers: Type.Array(
    Type.Object({
      ...person,
      dispatched: int('派遣数 (= 应派遣数)'),
      dispatched_score: Type.Number({ description: '派遣数分值 (banded per 30 days)' }),
      dispatched_on_time: int('按时派遣数'),
      on_time_dispatch_rate: rate('按时派遣率'),
      redone: int('返工数: dispatches sent back (回退) or re-assigned (改派) before 处置反馈'),
      accurately_dispatched: int('准确派遣数'),
      accurate_dispatch_rate: rate('准确派遣率'),
      ...scored,
    }),
    { description: '派遣员' },
  ),
});

const COLUMN = Type.Object({
  key: Type.String({ description: 'the field of the JSON rows' }),
  header: Type.String({ description: 'the Chinese column header of the CSV/XLSX downloads' }),
  kind: Type.Union(
    [
      Type.Enum(['text', 'int', 'rate', 'score', 'grade', 'bool'], { type: 'string' }),
      Type.Object({ decimals: Type.Integer({ minimum: 0 }) }),
    ],
    { description: 'how a value reads: rate = fraction 0–1 shown as a percentage; {decimals} = a fixed-point number' },
  ),
});
const columns = (description: string) => Type.Array(COLUMN, { description });

export const COLUMNS_RESPONSE = Type.Object({
  summary: columns('综合评价 (the summary figures)'),
  departments: columns('专业部门评价'),
  collectors: columns('监督员评价'),
  regions: Type.Object({
    street: columns('区域评价 by street'),
    community: columns('区域评价 by community'),
    grid: columns('区域评价 by unit grid'),
  }),
  posts: Type.Object({
    acceptors: columns('受理员'),
    shift_leaders: columns('值班长'),
    dispatchers: columns('派遣员'),
  }),
  band_days: Type.Integer({ minimum: 1, description: 'counts and densities are banded per this many days' }),
});
